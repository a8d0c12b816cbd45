"""A Visma.net sales order summed the way Visma.net books it, for the reconciliation.

SalesOrders V3 (vismanet.md §4.2): line amounts (`extendedPrice`, after the line discount) and
freight exclude VAT. Visma.net sums the taxable amounts per VAT and rounds the VAT once per
document and VAT (as the sandbox's `sandbox/vismanet/orderlines.py` does); the VAT of a line is
the intersection of the order's VAT zone and the line's VAT category (§4.9).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.client import VismanetClient
from brygga.connectors.vismanet.options import Options
from brygga.connectors.vismanet.writers import ORDERS
from brygga.engine.finance import erp_vat
from brygga.engine.protocols import Settings
from brygga.model.totals import DocumentTotals


async def order_totals(
    client: VismanetClient, target_id: str, settings: Settings
) -> DocumentTotals:
    options = Options.of(settings)
    path = f"{ORDERS}/{options.order_type}/{target_id}"
    order, _ = await client.v3_get(path, expand="customer,freight")
    if order["status"]["description"] == "Cancelled":
        raise ConnectorError(ErrorClass.DATA, f"Visma.net sales order {target_id} is cancelled")
    lines, _ = await client.v3_get(f"{path}/lines")
    return totals_of(order, lines["value"], options)


def totals_of(
    order: dict[str, Any], lines: list[dict[str, Any]], options: Options
) -> DocumentTotals:
    """Net, VAT per rate and gross (`totals.orderTotal`) of a V3 order and its lines. Raises
    when they disagree with the order's own `taxTotal` and `orderTotal`."""
    zero_rated = _zero_rated_zone(order, options)
    taxable: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        rate = _rate(line["taxCategoryId"], zero_rated, options)
        taxable[rate] += Decimal(line["extendedPrice"])
    freight = order.get("freight") or {}
    freight_amount = Decimal(freight.get("amount") or 0)
    if freight_amount:
        taxable[_rate(freight["taxCategoryId"], zero_rated, options)] += freight_amount
    tax = {rate: erp_vat(amount, rate) for rate, amount in taxable.items()}
    net = sum(taxable.values(), Decimal(0))
    totals = order["totals"]
    tax_total, order_total = Decimal(totals["taxTotal"]), Decimal(totals["orderTotal"])
    derived = sum(tax.values(), Decimal(0))
    if derived != tax_total or net + derived != order_total:
        raise ConnectorError(
            ErrorClass.DATA,
            f"Visma.net sales order {order.get('orderId')}: its lines and freight add up to VAT "
            f"{derived} and total {net + derived}, but the order's taxTotal is {tax_total} and "
            f"orderTotal {order_total}",
        )
    return DocumentTotals(currency=order["currencyId"], net=net, gross=order_total, tax=tax)


def _zero_rated_zone(order: dict[str, Any], options: Options) -> bool:
    """Whether the order's VAT zone is the EU B2B (reverse charge) or export zone, whose VAT
    ids are 0 % for every category (§4.9)."""
    zone = ((order.get("customer") or {}).get("taxZone") or {}).get("id")
    zones = options.vat_zones
    return zone in (zones["eu_b2b"], zones["export"]) and zone != zones["domestic"]


def _rate(category: str, zero_rated: bool, options: Options) -> Decimal:
    if zero_rated:
        return Decimal(0)
    rate = options.rate_of(category)
    if rate is None:
        raise ConnectorError(
            ErrorClass.DATA,
            f"Visma.net VAT category {category} has no rate in the vat_categories setting",
        )
    return rate
