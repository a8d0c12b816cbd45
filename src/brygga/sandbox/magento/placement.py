"""Demo orders as Magento stores them (fact sheet §4.1, §4.8), before any invoice.

Amounts per item come from `sales.line_amounts`; order totals add up the visible (parent-level)
items plus shipping, in order currency and again from the base amounts, so both grand totals
are exact sums. Guest orders (order number ending in 3) have no `customer_id`. Some checkouts
are paid partly by gift card or store credit (`prepaid`), which lowers the grand totals.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from brygga.sandbox import seed as demo
from brygga.sandbox.magento import prepaid, shop
from brygga.sandbox.magento.documents import PREFIXES
from brygga.sandbox.magento.sales import (
    DEFAULT_STATUS,
    PARTS,
    dec,
    line_amounts,
    to_base,
    twins,
)

Record = dict[str, Any]
WEIGHT = Decimal("0.5")
PAYMENT_TITLE = "Check / Money order"


class Ids:
    """Id sequences while seeding; afterwards the store's counters continue from them."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        self.last[name] = self.last.get(name, 0) + 1
        return self.last[name]


def place(
    order: demo.Order,
    ids: Ids,
    catalog: dict[str, Record],
    parents: dict[str, str],
    people: dict[int, Record],
) -> Record:
    """A demo order as Magento stores it, before any invoice."""
    entity_id = ids("order")
    stamp = shop.timestamp(order.created_at)
    rate = shop.rate_to_base(order.currency)
    head: Record = {"_base_rate": rate}
    guest = order.number % 10 == 3
    person = people[order.customer_id]
    items = []
    for line in order.lines:
        simple = catalog[line.sku]
        parent = catalog.get(parents.get(line.sku, ""))
        amounts = line_amounts(
            line.unit_original_price, line.unit_price, line.quantity, line.tax_percent
        )
        first = _item(entity_id, ids("order_item"), simple, parent, line.quantity, stamp)
        first |= twins(head, amounts) | {"tax_percent": line.tax_percent}
        first["discount_percent"] = (
            (1 - line.unit_price / line.unit_original_price) * 100
        ).quantize(Decimal(1))
        items.append(first)
        if parent is not None:
            zero = dict.fromkeys(("original_price", "price", "price_incl_tax", "row_total_incl_tax",
                                  *PARTS), Decimal(0))  # fmt: skip
            child = _item(entity_id, ids("order_item"), simple, None, line.quantity, stamp)
            items.append(child | twins(head, zero) | {"parent_item_id": first["item_id"]})
    visible = [item for item in items if not item.get("parent_item_id")]
    percent = order.shipping_tax_percent
    shipping_tax = shop.money(order.shipping * percent / (100 + percent))
    totals = _totals(head, visible, order.shipping, shipping_tax)
    paid_before = prepaid.at_checkout(head, order.number, guest, totals, ids)
    billing_id, shipping_id = ids("order_address"), ids("order_address")
    customer_id = None if guest else person["id"]
    address_id = None if guest else person["addresses"][0]["id"]
    billing = _address(
        order.billing_address, "billing", billing_id, entity_id, customer_id, address_id
    )
    shipping = _address(
        order.shipping_address, "shipping", shipping_id, entity_id, customer_id, address_id
    )
    free = order.shipping == 0
    return head | {
        "_shipping": {
            "address": shipping,
            "method": "freeshipping_freeshipping" if free else "flatrate_flatrate",
        },
        "_shipping_tax_percent": percent,
        "base_currency_code": shop.BASE_CURRENCY,
        "base_shipping_discount_tax_compensation_amnt": Decimal(0),
        "base_to_global_rate": Decimal(1),
        "base_to_order_rate": (1 / rate).quantize(Decimal("0.0001")),
        "billing_address_id": billing_id,
        "created_at": stamp,
        "customer_email": person["email"],
        "customer_firstname": person["firstname"],
        "customer_group_id": 0 if guest else shop.CUSTOMER_GROUP,
        "customer_id": customer_id,
        "customer_is_guest": int(guest),
        "customer_lastname": person["lastname"],
        "customer_note_notify": 1,
        "customer_taxvat": None if guest else person.get("taxvat"),
        "email_sent": 1,
        "entity_id": entity_id,
        "global_currency_code": shop.BASE_CURRENCY,
        "increment_id": f"{order.number:09d}",
        "is_virtual": 0,
        "order_currency_code": order.currency,
        "protect_code": hashlib.md5(order.id.encode()).hexdigest()[:6],
        "quote_id": entity_id,
        "shipping_description": "Free Shipping - Free" if free else "Flat Rate - Fixed",
        "shipping_discount_tax_compensation_amount": Decimal(0),
        "state": "new",
        "status": DEFAULT_STATUS["new"],
        "store_currency_code": shop.BASE_CURRENCY,
        "store_id": shop.STORE_ID,
        "store_name": shop.STORE_NAME,
        "store_to_base_rate": Decimal(0),
        "store_to_order_rate": Decimal(0),
        "total_item_count": len(visible),
        "total_qty_ordered": Decimal(sum(line.quantity for line in order.lines)),
        "updated_at": stamp,
        "weight": sum((item["row_weight"] for item in visible), Decimal(0)),
    } | totals | {
        "items": items,
        "billing_address": billing,
        "payment": _payment(entity_id, totals),
        "status_histories": [],
        "extension_attributes": {
            "payment_additional_info": [{"key": "method_title", "value": PAYMENT_TITLE}],
        } | _taxes(visible, percent, shipping_tax, to_base(head, shipping_tax)) | {
            "converting_from_quote": True,
        } | paid_before,
    }  # fmt: skip


def _totals(
    head: Record, visible: list[Record], shipping: Decimal, shipping_tax: Decimal
) -> Record:
    """Order totals from the visible items and the shipping (incl. tax), in both currencies."""
    totals: Record = {}
    for prefix in PREFIXES:

        def convert(amount: Decimal, pre: str = prefix) -> Decimal:
            return to_base(head, amount) if pre else amount

        def total(name: str, pre: str = prefix) -> Decimal:
            return sum((dec(item[pre + name]) for item in visible), Decimal(0))

        shipping_incl, shipping_tax_part = convert(shipping), convert(shipping_tax)
        values = {
            "subtotal": total("row_total"),
            "subtotal_incl_tax": total("row_total_incl_tax"),
            "discount_amount": -total("discount_amount"),
            "discount_tax_compensation_amount": total("discount_tax_compensation_amount"),
            "shipping_amount": shipping_incl - shipping_tax_part,
            "shipping_incl_tax": shipping_incl,
            "shipping_tax_amount": shipping_tax_part,
            "shipping_discount_amount": Decimal(0),
            "tax_amount": total("tax_amount") + shipping_tax_part,
        }
        values["grand_total"] = (
            values["subtotal"] + values["shipping_amount"] + values["tax_amount"]
            + values["discount_tax_compensation_amount"] + values["discount_amount"]
        )  # fmt: skip
        values["total_due"] = values["grand_total"]
        totals |= {prefix + name: value for name, value in values.items()}
    return totals


def _item(
    order_id: int, item_id: int, simple: Record, parent: Record | None, qty: int, stamp: str
) -> Record:
    shown = parent or simple
    cost = next(a["value"] for a in simple["custom_attributes"] if a["attribute_code"] == "cost")
    return {
        "amount_refunded": Decimal(0), "base_amount_refunded": Decimal(0),
        "base_cost": Decimal(cost), "base_discount_invoiced": Decimal(0),
        "base_row_invoiced": Decimal(0), "base_tax_invoiced": Decimal(0), "created_at": stamp,
        "discount_invoiced": Decimal(0), "free_shipping": 0, "is_qty_decimal": 0,
        "is_virtual": 0, "item_id": item_id, "name": shown["name"], "no_discount": 0,
        "order_id": order_id, "product_id": shown["id"],
        "product_type": "configurable" if parent else "simple", "qty_canceled": Decimal(0),
        "qty_invoiced": Decimal(0), "qty_ordered": Decimal(qty), "qty_refunded": Decimal(0),
        "qty_shipped": Decimal(0), "quote_item_id": item_id, "row_invoiced": Decimal(0),
        "row_weight": WEIGHT * qty, "sku": simple["sku"], "store_id": shop.STORE_ID,
        "tax_invoiced": Decimal(0), "updated_at": stamp, "weight": WEIGHT,
    }  # fmt: skip


def _address(
    address: demo.Address,
    kind: str,
    entity_id: int,
    order_id: int,
    customer_id: int | None,
    customer_address_id: int | None,
) -> Record:
    return {
        "address_type": kind,
        "city": address.city,
        "company": address.company or None,
        "country_id": address.country,
        "customer_address_id": customer_address_id,
        "customer_id": customer_id,
        "email": address.email,
        "entity_id": entity_id,
        "firstname": address.first_name,
        "lastname": address.last_name,
        "parent_id": order_id,
        "postcode": address.postcode,
        "street": [line for line in (address.line1, address.line2) if line],
        "telephone": address.phone,
        "vat_id": address.vat_number or None,
    }


def _payment(order_id: int, totals: Record) -> Record:
    return {
        "account_status": None,
        "additional_information": [PAYMENT_TITLE],
        "amount_ordered": totals["grand_total"],
        "base_amount_ordered": totals["base_grand_total"],
        "base_shipping_amount": totals["base_shipping_amount"],
        "cc_last4": None,
        "entity_id": order_id,
        "method": "checkmo",
        "parent_id": order_id,
        "shipping_amount": totals["shipping_amount"],
    }


def _taxes(
    visible: list[Record], shipping_percent: Decimal, shipping_tax: Decimal, base_tax: Decimal
) -> Record:
    """`applied_taxes` per rate and `item_applied_taxes` per item and for shipping."""

    def applied(percent: Decimal, amount: Decimal, base: Decimal) -> Record:
        code = f"VAT {percent.normalize()}%"
        return {
            "code": code,
            "title": code,
            "percent": percent,
            "amount": amount,
            "base_amount": base,
        }

    rates: dict[Decimal, tuple[Decimal, Decimal]] = {}
    per_item = []
    for item in visible:
        percent = dec(item["tax_percent"])
        if percent:
            amount, base = rates.get(percent, (Decimal(0), Decimal(0)))
            rates[percent] = (amount + item["tax_amount"], base + item["base_tax_amount"])
            taxes = [applied(percent, item["tax_amount"], item["base_tax_amount"])]
            per_item.append({"type": "product", "item_id": item["item_id"], "applied_taxes": taxes})
    if shipping_tax:
        amount, base = rates.get(shipping_percent, (Decimal(0), Decimal(0)))
        rates[shipping_percent] = (amount + shipping_tax, base + base_tax)
        per_item.append(
            {
                "type": "shipping",
                "applied_taxes": [applied(shipping_percent, shipping_tax, base_tax)],
            }
        )
    return {
        "applied_taxes": [applied(p, amount, base) for p, (amount, base) in rates.items()],
        "item_applied_taxes": per_item,
    }
