"""A document's read-only amounts, computed exactly with Decimal (fact sheet §4.2, §4.3, §6).

Orders total their rows by `OrderedQuantity`, invoices by `DeliveredQuantity`; the rules are the
same for both.

Checked against a recorded live order (accodeing/fortnox-api, `save_new_fully_populated`): rows
100 at 25 %, freight 25, administration fee 50, VATIncluded false → FreightVAT 6.25,
AdministrationFeeVAT 12.5, TotalVAT 43.75, Net 100, Gross 100, RoundOff 0.25, Total 219.

- Row `Total` = quantity × Price less the discount (PERCENT of the row, or AMOUNT off the
  row — per row rather than per unit is unconfirmed), rounded to öre. With `VATIncluded` the row
  prices and totals are gross.
- VAT is computed per rate on the sum of that rate's rows (per-document rounding), and on
  freight and administration fee at the company's freight rate (25 %; 0 for reverse-charge and
  export customers — assumption). With `VATIncluded`, Freight and AdministrationFee are taken
  as gross too (assumption, consistent with the rows).
- `Net` = rows excluding VAT; `Gross` = rows excluding VAT before row discounts (inferred).
- Öresavrundning: SEK totals are rounded to whole kronor and the difference is `RoundOff`;
  other currencies are not rounded (assumption).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from brygga.sandbox.fortnox.fields import plain

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(amount: Decimal | int) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def row_amounts(row: dict[str, Any], quantity: str) -> tuple[Decimal, Decimal]:
    """(before discount, after discount) of one row, both rounded to öre."""
    before = cents(Decimal(row[quantity]) * Decimal(row["Price"] or ZERO))
    # Stored whole numbers come back from JSON as int; keep the arithmetic in Decimal.
    discount = Decimal(row["Discount"] or ZERO)
    if row["DiscountType"] == "PERCENT":
        return before, cents(before * (100 - discount) / 100)
    return before, before - cents(discount)


def vat_of(amount: Decimal, rate: Decimal, included: bool) -> Decimal:
    amount, rate = Decimal(amount), Decimal(rate)
    return cents(amount * rate / (100 + rate) if included else amount * rate / 100)


def compute(
    order: dict[str, Any],
    freight_rate: Decimal,
    round_off: bool,
    rows_key: str,
    quantity: str,
) -> dict[str, Any]:
    """The document with row `Total`s and the header totals filled in."""
    included = bool(order["VATIncluded"])
    before: dict[Decimal, Decimal] = defaultdict(Decimal)
    after: dict[Decimal, Decimal] = defaultdict(Decimal)
    rows = []
    for row in order[rows_key]:
        full, total = row_amounts(row, quantity)
        rate = Decimal(row["VAT"] or ZERO)
        before[rate] += full
        after[rate] += total
        rows.append(dict(sorted((row | {"Total": plain(total)}).items())))

    def excluding(amounts: dict[Decimal, Decimal]) -> Decimal:
        if not included:
            return sum(amounts.values(), ZERO)
        return sum((amount - vat_of(amount, rate, True) for rate, amount in amounts.items()), ZERO)

    rows_vat = sum((vat_of(amount, rate, included) for rate, amount in after.items()), ZERO)
    freight = Decimal(order["Freight"] or ZERO)
    fee = Decimal(order["AdministrationFee"] or ZERO)
    freight_vat = vat_of(freight, freight_rate, included)
    fee_vat = vat_of(fee, freight_rate, included)
    net = excluding(after)
    total_vat = rows_vat + freight_vat + fee_vat
    exact = net + total_vat + freight + fee
    if included:
        exact -= freight_vat + fee_vat
    total = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP) if round_off else exact
    return order | {
        rows_key: rows,
        "AdministrationFeeVAT": plain(fee_vat),
        "FreightVAT": plain(freight_vat),
        "Gross": plain(excluding(before)),
        "Net": plain(net),
        "RoundOff": plain(total - exact),
        "Total": plain(total),
        "TotalToPay": plain(total),
        "TotalVAT": plain(total_vat),
    }
