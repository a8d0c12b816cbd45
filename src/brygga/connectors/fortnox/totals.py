"""A Fortnox order summed the way Fortnox books it, for the reconciliation (fortnox.md §4.2, §6).

Fortnox gives an order's `Net` (rows without VAT), `TotalVAT`, `Total` and `RoundOff`, but no
VAT per rate. Fortnox computes VAT per rate on the sum of that rate's row `Total`s (one rounding
per document and rate, not per row; checked against a recorded live order, see the sandbox's
`sandbox/fortnox/totals.py`), and freight and administration fee VAT on their own at the
company's freight rate. With `VATIncluded` row totals, freight and fee are gross.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.reading import number
from brygga.engine.finance import erp_vat, erp_vat_in
from brygga.engine.protocols import Settings
from brygga.model.totals import DocumentTotals

# The rates a Swedish company's freight VAT can be set to, the usual one first (§4.3).
FREIGHT_RATES = (Decimal(25), Decimal(12), Decimal(6))

# Header amounts booked beside the rows, each with its own VAT field (§4.2).
CHARGES = (("Freight", "FreightVAT"), ("AdministrationFee", "AdministrationFeeVAT"))


async def order_totals(client: FortnoxClient, target_id: str, settings: Settings) -> DocumentTotals:
    order = (await client.get(f"/3/orders/{target_id}"))["Order"]
    if order.get("Cancelled"):
        raise ConnectorError(ErrorClass.DATA, f"Fortnox order {target_id} is cancelled")
    return totals_of(order)


def totals_of(order: dict[str, Any]) -> DocumentTotals:
    """Net, VAT per rate, gross (`Total`) and rounding (`RoundOff`, öresavrundning) of a
    Fortnox order. Raises when the VAT per rate does not add up to Fortnox's `TotalVAT`."""
    included = bool(order.get("VATIncluded"))
    tax = rows_vat(order["OrderRows"], included)
    net = number(order.get("Net"))
    for amount_field, vat_field in CHARGES:
        amount, vat = number(order.get(amount_field)), number(order.get(vat_field))
        if amount:
            rate = implied_rate(amount, vat, included)
            tax[rate] = tax.get(rate, Decimal(0)) + vat
            net += amount - vat if included else amount
    total_vat = number(order.get("TotalVAT"))
    derived = sum(tax.values(), Decimal(0))
    if derived != total_vat:
        raise ConnectorError(
            ErrorClass.DATA,
            f"Fortnox order {order.get('DocumentNumber')}: VAT per rate from its rows and "
            f"freight adds up to {derived}, but its TotalVAT is {total_vat}",
        )
    return DocumentTotals(
        currency=order["Currency"],
        net=net,
        gross=number(order.get("Total")),
        tax=tax,
        rounding=number(order.get("RoundOff")),
    )


def rows_vat(rows: list[dict[str, Any]], included: bool) -> dict[Decimal, Decimal]:
    """VAT per rate of the rows, article rows and description-only rows alike: each row's
    `VAT` rate and `Total` (after its discount)."""
    amounts: dict[Decimal, Decimal] = defaultdict(Decimal)
    for row in rows:
        amounts[number(row.get("VAT"))] += number(row.get("Total"))
    vat_of = erp_vat_in if included else erp_vat
    return {rate: vat_of(amount, rate) for rate, amount in amounts.items()}


def implied_rate(amount: Decimal, vat: Decimal, included: bool) -> Decimal:
    """The freight VAT rate is a company setting the API does not show (fortnox.md §4.3): the
    company rate whose arithmetic gives the VAT shown, Sweden's 25 % first. The ratio of two
    rounded amounts is no guide on small amounts (0.03 with 0.01 VAT would read as 50 %)."""
    if vat == 0:
        return Decimal(0)
    vat_of = erp_vat_in if included else erp_vat
    for rate in FREIGHT_RATES:
        if vat_of(amount, rate) == vat:
            return rate
    base = amount - vat if included else amount
    return (vat * 100 / base).quantize(Decimal(1), ROUND_HALF_UP) if base else Decimal(0)
