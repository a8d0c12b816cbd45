"""Fields of orders, order lines and customers that are derived, not stored: money values,
totals, nested addresses (with their own permissions) and references between documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.money import cents, net, order_money, vat

Document = dict[str, Any]


def line_value(line: Document) -> Decimal:
    return cents(Decimal(line["unitPrice"]) * line["quantity"])


def grand_total(order: Document) -> Decimal:
    return sum((line_value(line) for line in order["lines"]), Decimal(order["shipping"]))


def _tax_included(order: Document) -> Decimal:
    lines = (vat(line_value(line), line["taxPercent"]) for line in order["lines"])
    return sum(lines, vat(order["shipping"], order["shippingTaxPercent"]))


def resolve_grand_total(order: Document, _info: GraphQLResolveInfo, includingTax: bool) -> Document:
    total = grand_total(order)
    return order_money(total if includingTax else total - _tax_included(order), order)


def resolve_totals(order: Document, _info: GraphQLResolveInfo) -> Document:
    lines = order["lines"]
    shipping = order["shipping"]
    discounts = sum(
        ((line["unitOriginalPrice"] - line["unitPrice"]) * line["quantity"] for line in lines),
        Decimal(0),
    )
    amounts = {
        "lineValues": sum((line_value(line) for line in lines), Decimal(0)),
        "shipping": shipping,
        "shippingTaxIncluded": vat(shipping, order["shippingTaxPercent"]),
        "discounts": discounts,
        "taxIncluded": _tax_included(order),
        "grandTotal": grand_total(order),
    }
    totals = {name: order_money(value, order) for name, value in amounts.items()}
    return {"quantity": sum(line["quantity"] for line in lines), **totals}


def resolve_lines(order: Document, _info: GraphQLResolveInfo) -> list[Document]:
    return [order_line(order, line) for line in order["lines"]]


def order_line(order: Document, line: Document) -> Document:
    """A line with its order attached: its money values carry the order's currency and rate."""
    return {**line, "order": order}


def resolve_shipping_address(order: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Order.shippingAddress:read", info)
    return order.get("shippingAddress")


def resolve_billing_address(order: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Order.billingAddress:read", info)
    return order.get("billingAddress")


def resolve_customer(order: Document, info: GraphQLResolveInfo) -> Document | None:
    return info.context.store.get("customers", str(order["customerId"]))


def resolve_shipments(order: Document, info: GraphQLResolveInfo) -> list[Document]:
    info.context.require("Shipment:read", info)
    store = info.context.store
    return [store.get("shipments", str(number)) for number in order["shipments"]]


def resolve_payment_history(
    order: Document, info: GraphQLResolveInfo, where: Document | None = None
) -> list[Document]:
    info.context.require("PaymentHistory:read", info)
    types = (where or {}).get("entryType")
    entries = order["paymentHistory"]
    return [
        {**entry, "order": order}
        for entry in entries
        if types is None or entry["entryType"] in types
    ]


def resolve_unit_price(line: Document, _info: GraphQLResolveInfo) -> Document:
    return order_money(line["unitPrice"], line["order"])


def resolve_unit_original_price(line: Document, _info: GraphQLResolveInfo) -> Document:
    return order_money(line["unitOriginalPrice"], line["order"])


def resolve_line_value(line: Document, _info: GraphQLResolveInfo, includingTax: bool) -> Document:
    value = line_value(line)
    return order_money(value if includingTax else net(value, line["taxPercent"]), line["order"])


def resolve_line_product_size(line: Document, info: GraphQLResolveInfo) -> Document:
    """The live size (stock, variant); a size no longer in the catalogue keeps the line's copy."""
    size = line["productSize"]
    return info.context.store.get("productSizes", str(size["id"])) or size


def resolve_line_product_variant(line: Document, info: GraphQLResolveInfo) -> Document | None:
    size = resolve_line_product_size(line, info)
    return info.context.store.get("productVariants", str(size.get("productVariantId")))


def resolve_line_product(line: Document, info: GraphQLResolveInfo) -> Document | None:
    variant = resolve_line_product_variant(line, info)
    return variant and info.context.store.get("products", str(variant["productId"]))


def resolve_payment_value(entry: Document, _info: GraphQLResolveInfo) -> Document:
    return order_money(entry["value"], entry["order"])


def resolve_last_order(customer: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Order:read", info)
    return info.context.last_orders.get(customer["id"])


def resolve_order_type(_order: Document, _info: GraphQLResolveInfo, _type: Any) -> str:
    # Only direct-to-consumer orders are seeded; WholesaleOrder is not in this subset yet.
    return "DirectToConsumerOrder"
