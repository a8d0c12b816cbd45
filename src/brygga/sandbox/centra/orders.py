"""Fields of orders, order lines and customers that are derived, not stored: money values,
totals, nested addresses (with their own permissions) and references between documents.

Amounts stay Decimal to the end. GraphQL `Float` turns a Decimal into the float parsed from the
Decimal's own digits, whose shortest repr (what the JSON carries) gives those digits back for
any amount of at most 15 significant digits: 85.56 goes out as 85.56, as PHP (Centra) does.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from graphql import GraphQLResolveInfo

Document = dict[str, Any]
CENT = Decimal("0.01")


def _cents(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _net(gross: Decimal, tax_percent: Decimal) -> Decimal:
    """The amount without the VAT contained in it."""
    # Stored whole numbers come back from JSON as int; keep the arithmetic in Decimal.
    return _cents(gross / (1 + Decimal(tax_percent) / 100))


def _monetary(value: Decimal, order: Document) -> Document:
    value = _cents(value)
    currency = order["currency"]
    return {
        "value": value,
        "currency": currency,
        # Centra formats per currency settings in the admin; this is one plain format.
        "formattedValue": f"{value:.2f} {currency['code']}",
        "conversionRate": order["conversionRate"],
        "valueInCents": int(value * 100),
    }


def _line_value(line: Document) -> Decimal:
    return _cents(line["unitPrice"] * line["quantity"])


def _vat(gross: Decimal, tax_percent: Decimal) -> Decimal:
    """The VAT contained in a price that includes it."""
    return gross - _net(gross, tax_percent)


def _tax_included(order: Document) -> Decimal:
    lines = (_vat(_line_value(line), line["taxPercent"]) for line in order["lines"])
    return sum(lines, _vat(order["shipping"], order["shippingTaxPercent"]))


def _grand_total(order: Document) -> Decimal:
    return sum((_line_value(line) for line in order["lines"]), order["shipping"])


def resolve_grand_total(order: Document, _info: GraphQLResolveInfo, includingTax: bool) -> Document:
    total = _grand_total(order)
    return _monetary(total if includingTax else total - _tax_included(order), order)


def resolve_totals(order: Document, _info: GraphQLResolveInfo) -> Document:
    lines = order["lines"]
    shipping = order["shipping"]
    discounts = sum(
        ((line["unitOriginalPrice"] - line["unitPrice"]) * line["quantity"] for line in lines),
        Decimal(0),
    )
    amounts = {
        "lineValues": sum((_line_value(line) for line in lines), Decimal(0)),
        "shipping": shipping,
        "shippingTaxIncluded": _vat(shipping, order["shippingTaxPercent"]),
        "discounts": discounts,
        "taxIncluded": _tax_included(order),
        "grandTotal": _grand_total(order),
    }
    totals = {name: _monetary(value, order) for name, value in amounts.items()}
    return {"quantity": sum(line["quantity"] for line in lines), **totals}


def resolve_lines(order: Document, _info: GraphQLResolveInfo) -> list[Document]:
    # A line's money values carry its order's currency and rate.
    return [{**line, "order": order} for line in order["lines"]]


def resolve_shipping_address(order: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Order.shippingAddress:read", info)
    return order.get("shippingAddress")


def resolve_billing_address(order: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Order.billingAddress:read", info)
    return order.get("billingAddress")


def resolve_customer(order: Document, info: GraphQLResolveInfo) -> Document | None:
    return info.context.store.get("customers", str(order["customerId"]))


def resolve_unit_price(line: Document, _info: GraphQLResolveInfo) -> Document:
    return _monetary(line["unitPrice"], line["order"])


def resolve_unit_original_price(line: Document, _info: GraphQLResolveInfo) -> Document:
    return _monetary(line["unitOriginalPrice"], line["order"])


def resolve_line_value(line: Document, _info: GraphQLResolveInfo, includingTax: bool) -> Document:
    value = _line_value(line)
    return _monetary(value if includingTax else _net(value, line["taxPercent"]), line["order"])


def resolve_last_order(customer: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Order:read", info)
    return info.context.last_orders.get(customer["id"])


def resolve_order_type(order: Document, _info: GraphQLResolveInfo, _type: Any) -> str:
    # Only direct-to-consumer orders are seeded; WholesaleOrder is not in this subset yet.
    return "DirectToConsumerOrder"
