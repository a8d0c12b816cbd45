"""Orders as Magento keeps them (fact sheet §4.1, §4.8): lines, totals, addresses, payment, state.

Catalog prices include VAT, so an item's `price` is net and `price_incl_tax` gross; a discount
is taken off the gross price and the VAT it held shows as `discount_tax_compensation_amount`.
Every amount has a `base_*` twin in SEK. Order-level `discount_amount` is negative, item-level
positive (§6.4). A configurable product gives two lines: the parent carries the price, the
child (`simple`, price 0) points to it with `parent_item_id` (§4.1). The shipping address lives
only in `extension_attributes.shipping_assignments` (§4.1), built when an order is rendered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from brygga.sandbox.magento.shop import money

Record = dict[str, Any]
DEFAULT_STATUS = {
    "new": "pending",
    "pending_payment": "pending_payment",
    "processing": "processing",
    "complete": "complete",
    "closed": "closed",
    "canceled": "canceled",
    "holded": "holded",
    "payment_review": "payment_review",
}
# Amount fields of an item that invoices and credit memos take a share of.
PARTS = ("row_total", "tax_amount", "discount_amount", "discount_tax_compensation_amount")
# The order's shipping fields that `shipping_assignments[].shipping.total` repeats.
SHIPPING_TOTALS = (
    "base_shipping_amount", "base_shipping_canceled", "base_shipping_discount_amount",
    "base_shipping_discount_tax_compensation_amnt", "base_shipping_incl_tax",
    "base_shipping_invoiced", "base_shipping_refunded", "base_shipping_tax_amount",
    "base_shipping_tax_refunded", "shipping_amount", "shipping_canceled",
    "shipping_discount_amount", "shipping_discount_tax_compensation_amount", "shipping_incl_tax",
    "shipping_invoiced", "shipping_refunded", "shipping_tax_amount", "shipping_tax_refunded",
)  # fmt: skip


def dec(value: Any) -> Decimal:
    """A stored amount (whole numbers come back from storage as int)."""
    return Decimal(value or 0)


def to_base(order: Record, amount: Decimal) -> Decimal:
    return money(amount * dec(order["_base_rate"]))


def from_base(order: Record, amount: Decimal) -> Decimal:
    return money(amount / dec(order["_base_rate"]))


def twins(order: Record, amounts: Record) -> Record:
    """`amounts` in order currency, each followed by its `base_*` twin."""
    result: Record = {}
    for name, amount in amounts.items():
        result[name] = amount
        result[f"base_{name}"] = to_base(order, amount)
    return result


def line_amounts(unit_gross: Decimal, unit_paid: Decimal, qty: int, percent: Decimal) -> Record:
    """An item's amounts from its gross catalog price, the gross price paid and the VAT rate."""
    factor = 1 + percent / 100
    row_gross = money(unit_gross * qty)
    paid = money(unit_paid * qty)
    row_total = money(row_gross / factor)
    tax = money(paid * (factor - 1) / factor)
    return {
        "original_price": unit_gross,
        "price": money(unit_gross / factor),
        "price_incl_tax": unit_gross,
        "row_total": row_total,
        "row_total_incl_tax": row_gross,
        "tax_amount": tax,
        "discount_amount": row_gross - paid,
        "discount_tax_compensation_amount": row_gross - row_total - tax,
    }


def visible_items(order: Record) -> list[Record]:
    return [item for item in order["items"] if not item.get("parent_item_id")]


def children(order: Record, item_id: int) -> list[Record]:
    return [item for item in order["items"] if item.get("parent_item_id") == item_id]


def settle(order: Record, in_progress: bool = False) -> None:
    """The state after an invoice (`in_progress`) or a refund: Magento's Order\\StateResolver.

    Nothing left to invoice or ship: `complete` while money can still be refunded, else
    `closed` once something was refunded; a new order being invoiced becomes `processing`."""
    if order["state"] in ("holded", "canceled", "closed", "payment_review"):
        return
    state = "processing" if order["state"] == "processing" else "new"
    items = visible_items(order)
    can_invoice = any(
        dec(i["qty_ordered"]) - dec(i["qty_invoiced"]) - dec(i["qty_canceled"]) > 0 for i in items
    )
    can_ship = any(
        dec(i["qty_ordered"])
        - dec(i["qty_shipped"])
        - dec(i["qty_refunded"])
        - dec(i["qty_canceled"])
        > 0
        for i in items
    )
    if not can_invoice and not can_ship:
        if can_creditmemo(order) or not dec(order["base_grand_total"]):
            state = "complete"
        elif dec(order.get("total_refunded")):
            state = "closed"
    if order["state"] == "new" and in_progress:
        state = "processing"
    order["state"], order["status"] = state, DEFAULT_STATUS[state]


def can_creditmemo(order: Record) -> bool:
    """Money is left to refund, beyond an adjustment fee kept back (Order::canCreditmemo)."""
    left = dec(order.get("total_paid")) - dec(order.get("total_refunded"))
    return left != 0 and left != dec(order.get("adjustment_negative"))


def render(order: Record) -> Record:
    """An order as the API answers: nested parent items and the shipping assignment."""
    by_id = {item["item_id"]: item for item in order["items"]}
    items = [
        item | {"parent_item": by_id[item["parent_item_id"]]}
        if item.get("parent_item_id")
        else item
        for item in order["items"]
    ]
    shipping = order["_shipping"]
    total = {name: order.get(name) for name in SHIPPING_TOTALS}
    assignment = {
        "shipping": {"address": shipping["address"], "method": shipping["method"], "total": total},
        "items": items,
    }
    extension = {"shipping_assignments": [assignment]} | order["extension_attributes"]
    return order | {"items": items, "extension_attributes": extension}
