"""What a fresh Magento sandbox holds: the demo catalog, customers, orders and stock.

Seeded once per data directory from `seed.generate`; a restart keeps every record and counter.
- Products: a simple product per demo SKU (same SKUs as the other sandboxes, gross SEK price,
  tax class by VAT rate, EAN and cost as custom attributes) and, for each garment with several
  SKUs, a configurable parent `NBxxx` linking them.
- Stock: a source item per SKU on the `default` and `sthlm` sources.
- Customers 1..n with one default address each.
- Orders 1..n (`increment_id` = the demo order number, zero-padded to 9 digits), paid by check /
  money order, some partly by gift card or store credit (`prepaid`). One in ten (order number
  ending in 3) is a guest checkout: no `customer_id`, the e-mail only (§4.2). Demo status
  PROCESSING is invoiced; SHIPPED is invoiced and shipped (`complete`; shipments are not
  served); orders on hold are `holded`.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from brygga.sandbox import seed as demo
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.magento import customers, invoices, products, shop
from brygga.sandbox.magento.placement import WEIGHT, Ids, place
from brygga.sandbox.magento.sales import DEFAULT_STATUS, settle
from brygga.sandbox.magento.stock import source_item, source_key
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
EPOCH = "2026-01-01 00:00:00"


def seed(store: DocumentStore, config: SandboxConfig) -> None:
    if store.get_meta("seeded"):
        return
    data = config.demo_data()
    ids = Ids()
    catalog, parents = _catalog(data.products, ids)
    people = {}
    for person in data.customers:
        people[person.id] = _customer(person, ids)
    orders: dict[str, Record] = {}
    invoiced: dict[str, Record] = {}
    for order in data.orders:
        placed = place(order, ids, catalog, parents, people)
        if order.status in ("PROCESSING", "SHIPPED"):
            stamp = shop.timestamp(order.created_at + timedelta(hours=2))
            invoice = invoices.create(placed, None, ids, stamp)
            invoiced[str(invoice["entity_id"])] = invoice
        if order.status == "SHIPPED":
            for item in placed["items"]:
                item["qty_shipped"] = item["qty_ordered"]
            settle(placed)
        if order.is_on_hold and placed["state"] in ("new", "processing"):
            placed |= {"hold_before_state": placed["state"], "hold_before_status": placed["status"]}
            placed["state"] = placed["status"] = DEFAULT_STATUS["holded"]
        orders[str(placed["entity_id"])] = placed
    store.put_many("products", {product["sku"]: product for product in catalog.values()})
    store.put_many("source_items", _stock(data.products, config.seed))
    store.put_many("customers", {str(c["id"]): c for c in people.values()})
    store.put_many("orders", orders)
    store.put_many("invoices", invoiced)
    for name, last in ids.last.items():
        store.next_number(name, start=last)
    store.set_meta("seeded", True)


def _catalog(items: list[demo.Product], ids: Ids) -> tuple[dict[str, Record], dict[str, str]]:
    """Products by SKU, and the configurable parent SKU of each child SKU."""
    catalog: dict[str, Record] = {}
    parents: dict[str, str] = {}
    for product in items:
        configurable = len(product.skus) > 1
        tax_class = shop.TAX_CLASSES[product.tax_percent]
        children = []
        for variant in product.variants:
            for size in variant.sizes:
                name = (
                    f"{product.name} {variant.name} {size.name}" if configurable else product.name
                )
                price = product.prices["SEK"]
                simple = products.new_product(ids("product"), size.sku, EPOCH) | {
                    "name": name,
                    "price": price,
                    "visibility": 1 if configurable else 4,
                    "weight": WEIGHT,
                }
                simple["extension_attributes"]["category_links"] = [
                    {"position": 0, "category_id": "3"}
                ]
                cost = str(shop.money(price * Decimal("0.35")))
                simple["custom_attributes"] = [
                    *_attributes(name, tax_class, "0"),
                    {"attribute_code": "ean", "value": size.ean},
                    {"attribute_code": "cost", "value": cost},
                ]
                catalog[size.sku] = simple
                children.append(simple["id"])
                if configurable:
                    parents[size.sku] = product.product_number
        if configurable:
            parent = products.new_product(ids("product"), product.product_number, EPOCH) | {
                "name": product.name,
                "price": Decimal(0),
                "type_id": "configurable",
            }
            parent["extension_attributes"] = parent["extension_attributes"] | {
                "category_links": [{"position": 0, "category_id": "3"}],
                "configurable_product_links": children,
            }
            parent["custom_attributes"] = _attributes(product.name, tax_class, "1")
            catalog[product.product_number] = parent
    return catalog, parents


def _attributes(name: str, tax_class: str, has_options: str) -> list[Record]:
    values = {
        "description": f"<p>{name} from the Brygga demo collection.</p>",
        "options_container": "container2",
        "tax_class_id": tax_class,
        "url_key": products.url_key(name),
        "required_options": "0",
        "has_options": has_options,
    }
    return [{"attribute_code": code, "value": value} for code, value in values.items()]


def _stock(items: list[demo.Product], seed: int) -> dict[str, Record]:
    rng = random.Random(f"magento-stock-{seed}")
    result = {}
    for product in items:
        for size in product.skus:
            for source, most in (("default", 60), ("sthlm", 20)):
                qty = Decimal(rng.randint(0, most))
                result[source_key(source, size.sku)] = source_item(
                    size.sku, source, qty, int(qty > 0)
                )
    return result


def _customer(person: demo.Customer, ids: Ids) -> Record:
    address = person.address
    payload = {
        "email": person.email,
        "firstname": person.first_name,
        "lastname": person.last_name,
        "taxvat": address.vat_number or None,
        "addresses": [
            {
                "firstname": address.first_name,
                "lastname": address.last_name,
                "company": address.company or None,
                "street": [line for line in (address.line1, address.line2) if line],
                "city": address.city,
                "postcode": address.postcode,
                "country_id": address.country,
                "telephone": address.phone,
                "vat_id": address.vat_number or None,
                "default_billing": True,
                "default_shipping": True,
            }
        ],
    }
    built = customers.build(payload, None, person.id, lambda: ids("customer_address"))
    stamp = shop.timestamp(person.created_at)
    ids.last["customer"] = max(ids.last.get("customer", 0), person.id)
    return built | {"created_at": stamp, "updated_at": stamp}
