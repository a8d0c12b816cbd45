"""What invoices and credit memos share: their lines' shares of the order, and their totals.

A line takes `qty / item qty` of each item amount, rounded to the cent; the document that takes an
item's last units takes what is left, so the documents of an item add up to it exactly (Magento
does the same with its `isLast()` rule). Invoices share out what was ordered, credit memos what
was invoiced. Amounts come in both currencies; the base share is computed the same way from the
base amounts, never converted, so base totals add up as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from brygga.sandbox.magento.sales import PARTS, children, dec, visible_items
from brygga.sandbox.magento.shop import money

Record = dict[str, Any]
# For each part of a line: (item field it is a share of, item field that counts what was taken).
Counters = dict[str, tuple[str, str]]
PREFIXES = ("", "base_")


def wanted(
    order: Record, requested: list[Record] | None, available: Callable[[Record], Decimal]
) -> dict[int, Decimal]:
    """Quantities per visible item: the request's (a child's id means its parent, unknown ids
    are ignored), or everything still `available` when the request names no items."""
    items = {item["item_id"]: item for item in order["items"]}
    if not requested:
        return {
            item["item_id"]: qty for item in visible_items(order) if (qty := available(item)) > 0
        }
    quantities: dict[int, Decimal] = {}
    for line in requested:
        item = items.get(line.get("order_item_id"))
        if item is not None and line.get("qty") is not None:
            item_id = item.get("parent_item_id") or item["item_id"]
            quantities[item_id] = quantities.get(item_id, Decimal(0)) + dec(line["qty"])
    return {item_id: qty for item_id, qty in quantities.items() if qty > 0}


def share(
    total: Decimal, taken: Decimal, qty: Decimal, qty_taken: Decimal, whole: Decimal
) -> Decimal:
    if qty_taken + qty >= whole:
        return total - taken
    return money(total * qty / whole)


def lines(
    order: Record, quantities: dict[int, Decimal], counters: Counters, qty_fields: tuple[str, str]
) -> list[Record]:
    """Document lines with their amounts; each visible item is followed by its children."""
    whole_field, taken_field = qty_fields
    result = []
    for item in visible_items(order):
        qty = quantities.get(item["item_id"])
        if not qty:
            continue
        for line_item in (item, *children(order, item["item_id"])):
            line: Record = {"_item": line_item, "qty": qty}
            for part, (total_field, done_field) in counters.items():
                for prefix in PREFIXES:
                    line[prefix + part] = share(
                        dec(line_item.get(prefix + total_field)),
                        dec(line_item.get(prefix + done_field)),
                        qty,
                        dec(line_item[taken_field]),
                        dec(line_item[whole_field]),
                    )
            result.append(line)
    return result


def book(lines_: Iterable[Record], counters: Counters, taken_field: str) -> None:
    """Count the lines' quantities and amounts as taken on their order items."""
    for line in lines_:
        item = line["_item"]
        item[taken_field] = dec(item[taken_field]) + line["qty"]
        for part, (_, done_field) in counters.items():
            for prefix in PREFIXES:
                item[prefix + done_field] = dec(item.get(prefix + done_field)) + line[prefix + part]


def document_item(line: Record, entity_id: int, parent_id: int) -> Record:
    item = line["_item"]
    result: Record = {"entity_id": entity_id, "parent_id": parent_id}
    for prefix in PREFIXES:
        for name in ("price", "price_incl_tax", *PARTS):
            result[prefix + name] = line[prefix + name] if name in PARTS else item[prefix + name]
        result[f"{prefix}row_total_incl_tax"] = sum(
            line[prefix + name]
            for name in ("row_total", "tax_amount", "discount_tax_compensation_amount")
        )
    return result | {
        "base_cost": item.get("base_cost"),
        "name": item["name"],
        "order_item_id": item["item_id"],
        "product_id": item["product_id"],
        "qty": line["qty"],
        "sku": item["sku"],
    }


def totals(lines_: list[Record], shipping: Record) -> Record:
    """Document totals from its lines and its shipping (`shipping_amount`, `shipping_tax_amount`,
    `shipping_incl_tax` and base twins). Positive discount lines give a negative total, as on
    the order."""
    result: Record = {}
    for prefix in PREFIXES:

        def total(name: str, pre: str = prefix) -> Decimal:
            return sum((line[pre + name] for line in lines_), Decimal(0))

        subtotal = total("row_total")
        tax = total("tax_amount") + shipping[prefix + "shipping_tax_amount"]
        compensation = total("discount_tax_compensation_amount")
        discount = -total("discount_amount")
        result |= {
            prefix + "subtotal": subtotal,
            prefix + "subtotal_incl_tax": subtotal + total("tax_amount") + compensation,
            prefix + "tax_amount": tax,
            prefix + "discount_amount": discount,
            prefix + "discount_tax_compensation_amount": compensation,
            prefix + "shipping_amount": shipping[prefix + "shipping_amount"],
            prefix + "shipping_tax_amount": shipping[prefix + "shipping_tax_amount"],
            prefix + "shipping_incl_tax": shipping[prefix + "shipping_incl_tax"],
            prefix + "grand_total": subtotal + shipping[prefix + "shipping_amount"] + tax
            + compensation + discount,
        }  # fmt: skip
    return result


def header(order: Record, entity_id: int, increment_id: str, stamp: str) -> Record:
    """The order-derived head of an invoice or credit memo."""
    return {
        "base_currency_code": order["base_currency_code"],
        "base_to_global_rate": order["base_to_global_rate"],
        "base_to_order_rate": order["base_to_order_rate"],
        "billing_address_id": order["billing_address_id"],
        "created_at": stamp,
        "entity_id": entity_id,
        "global_currency_code": order["global_currency_code"],
        "increment_id": increment_id,
        "order_currency_code": order["order_currency_code"],
        "order_id": order["entity_id"],
        "shipping_address_id": order["_shipping"]["address"]["entity_id"],
        "store_currency_code": order["store_currency_code"],
        "store_id": order["store_id"],
        "store_to_base_rate": order["store_to_base_rate"],
        "store_to_order_rate": order["store_to_order_rate"],
        "updated_at": stamp,
    }


def comment(
    text: Record | None, entity_id: int, parent_id: int, notify: bool, stamp: str
) -> Record:
    return {
        "comment": (text or {}).get("comment") or "",
        "created_at": stamp,
        "entity_id": entity_id,
        "is_customer_notified": int(notify),
        "is_visible_on_front": int((text or {}).get("is_visible_on_front") or 0),
        "parent_id": parent_id,
    }
