"""`POST /_sandbox/simulate` `{"orders": n, "refunds": n, "stock_changes": n, "products": n}`
(no Magento counterpart): life going on in the shop between two syncs, answered with what was
made.

- orders: checkouts by stored customers (a guest when the number ends in 3, as seeded) of demo
  SKUs the store has, numbered after the highest `increment_id`, `new`/`pending`, built by
  `placement.place` like the seeded ones;
- refunds: offline credit memos by `creditmemos.create`, of a whole invoiced order or of one unit
  of one item (without shipping, back to stock if shipped; orders paid partly by gift card or
  store credit are refunded whole);
- stock_changes: MSI source items, mostly deliveries, now and then a few units written off; the
  legacy stock item follows, as it reads the `default` source;
- products: new simple products as a merchant adds them in the admin, each with a fresh style
  number, an EAN and stock on the `default` source, saved as `POST /V1/products` saves them
  (`new_products.py`); answered with their SKUs.
Each call draws from a stream seeded by the sandbox seed and a stored counter: the same seed and
calls give the same ids on a fresh data directory.
"""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field, model_validator

from brygga.sandbox import seed as demo
from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.magento import creditmemos, new_products, placement, prepaid
from brygga.sandbox.magento.errors import MagentoError
from brygga.sandbox.magento.sales import dec, visible_items
from brygga.sandbox.magento.shop import now
from brygga.sandbox.magento.stock import return_to_stock, source_item, source_key
from brygga.sandbox.simulation import picks, stock_movement
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]


class Simulation(BaseModel):
    orders: int = Field(0, ge=0, le=10_000, strict=True, description="new checkout orders")
    refunds: int = Field(0, ge=0, le=1_000, strict=True, description="credit memos")
    stock_changes: int = Field(0, ge=0, le=10_000, strict=True, description="source items")
    products: int = Field(0, ge=0, le=1_000, strict=True, description="new simple products")

    @model_validator(mode="before")
    @classmethod
    def known_keys(cls, body: Any) -> Any:
        unknown = sorted(set(body) - set(cls.model_fields)) if isinstance(body, dict) else []
        if unknown:
            raise ValueError(f"unknown keys {unknown}; known: {', '.join(cls.model_fields)}")
        return body


class StoreIds(placement.Ids):
    """The store's id counters, which continue from the seeded ones."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def __call__(self, name: str) -> int:
        return self.store.next_number(name)


def add_route(app: FastAPI, store: DocumentStore, config: SandboxConfig) -> None:
    products = demo._catalogue(config.skus)  # the demo range: prices per currency, VAT rates

    @app.post("/_sandbox/simulate", include_in_schema=False)
    async def run_simulation(wanted: Simulation) -> DecimalJSONResponse:
        return DecimalJSONResponse(simulate(store, config.seed, products, wanted))


def simulate(
    store: DocumentStore, seed_value: int, products: list[demo.Product], wanted: Simulation
) -> dict[str, list[Any]]:
    run = store.next_number("simulations")
    rng = random.Random(f"magento-{seed_value}-{run}")
    return {
        "orders": _checkouts(store, rng, products, wanted.orders),
        "refunds": _refunds(store, rng, wanted.refunds),
        "stock_changes": _stock_changes(store, rng, wanted.stock_changes),
        "products": new_products.add(store, rng, products, wanted.products),
    }


def _checkouts(
    store: DocumentStore, rng: random.Random, products: list[demo.Product], count: int
) -> list[str]:
    if not count:
        return []
    catalog = {product["sku"]: product for product in store.all("products")}
    sellable = [
        (product, sizes)
        for product in products
        if (sizes := [size for size in product.skus if _sellable(catalog.get(size.sku))])
    ]
    people = [c for c in store.all("customers") if _address(c) is not None]
    if not sellable or not people:
        return []
    by_id = {product["id"]: sku for sku, product in catalog.items()}
    links = {sku: (p.get("extension_attributes") or {}) for sku, p in catalog.items()}
    parents = {
        by_id[child]: sku
        for sku, extension in links.items()
        for child in extension.get("configurable_product_links", [])
        if child in by_id
    }
    ids = (o["increment_id"] for o in store.all("orders"))
    last = max((int(i) for i in ids if i.isdigit()), default=1000)
    made = []
    for number in range(last + 1, last + 1 + count):
        person = rng.choice(people)
        order = _order(rng, number, person, sellable)
        placed = placement.place(order, StoreIds(store), catalog, parents, {person["id"]: person})
        store.put("orders", str(placed["entity_id"]), placed)
        made.append(placed["increment_id"])
    return made


def _sellable(product: Record | None) -> bool:
    """A simple product with the cost attribute an order item copies."""
    return (
        product is not None
        and product.get("type_id") == "simple"
        and any(a["attribute_code"] == "cost" for a in product.get("custom_attributes") or [])
    )


def _address(customer: Record) -> demo.Address | None:
    """The customer's first address (the one `place` links) as demo data, if it can be used."""
    found = (customer.get("addresses") or [None])[0]
    if found is None or found.get("country_id") not in demo.COUNTRIES:
        return None
    street = [*(found.get("street") or []), "", ""]
    return demo.Address(
        first_name=found.get("firstname") or customer["firstname"],
        last_name=found.get("lastname") or customer["lastname"],
        company=found.get("company") or "", line1=street[0], line2=street[1],
        postcode=found.get("postcode") or "", city=found.get("city") or "",
        country=found["country_id"], email=customer["email"],
        phone=found.get("telephone") or "", vat_number=found.get("vat_id") or "",
    )  # fmt: skip


def _order(
    rng: random.Random,
    number: int,
    person: Record,
    sellable: list[tuple[demo.Product, list[demo.Size]]],
) -> demo.Order:
    """A checkout as `seed._orders` draws one: 1-3 products, the odd discount, VAT in the EU."""
    address = _address(person)
    assert address is not None
    currency = demo.COUNTRIES[address.country][0]
    eu = address.country in demo.EU
    lines = []
    for index, (product, sizes) in enumerate(
        rng.sample(sellable, min(len(sellable), rng.choice([1, 1, 2, 2, 3]))), start=1
    ):
        size = rng.choice(sizes)
        original = product.prices[currency]
        discount = rng.choice([0, 0, 0, 0, 10, 20])
        lines.append(
            demo.OrderLine(
                index, size.sku, size.ean, product.name, size.name, rng.choice([1, 1, 1, 2, 3]),
                original, demo.money(original * (100 - discount) / 100),
                product.tax_percent if eu else Decimal(0),
            )
        )  # fmt: skip
    goods = sum((line.line_value for line in lines), Decimal(0))
    free = goods * demo.RATES_TO_SEK[currency] >= demo.FREE_SHIPPING_FROM_SEK
    return demo.Order(
        id=hashlib.md5(f"order-{number - 1001}".encode()).hexdigest(), number=number,
        status="CONFIRMED", created_at=datetime.now(UTC), customer_id=person["id"],
        currency=currency, conversion_rate=demo.RATES_TO_SEK[currency], lines=lines,
        shipping=demo.money(Decimal(0) if free else demo.SHIPPING[currency]),
        shipping_tax_percent=Decimal(25) if eu else Decimal(0),
        billing_address=address, shipping_address=address,
    )  # fmt: skip


def _refundable(order: Record) -> bool:
    paid, refunded = dec(order.get("total_paid")), dec(order.get("total_refunded"))
    return order["state"] not in creditmemos.REFUSING_STATES and paid > refunded


def _refunds(store: DocumentStore, rng: random.Random, count: int) -> list[int]:
    keys = [str(o["entity_id"]) for o in store.all("orders") if _refundable(o)]
    if not count or not keys:
        return []

    def attempt() -> int | None:
        order = copy.deepcopy(store.get("orders", rng.choice(keys)))
        if order is None or not _refundable(order):
            return None
        body: Record = {}
        open_items = [
            i for i in visible_items(order) if dec(i["qty_invoiced"]) - dec(i["qty_refunded"]) >= 1
        ]
        # One unit of one item. An order paid partly by gift card is refunded whole all the same
        # (after the same draws): a unit would mostly go back to the card, a memo of 0.
        item = rng.choice(open_items) if open_items and rng.random() < 0.5 else None
        if item is not None and not prepaid.paid_partly(order):
            back = [item["item_id"]] if dec(item["qty_shipped"]) > 0 else []
            body = {
                "items": [{"order_item_id": item["item_id"], "qty": Decimal(1)}],
                "arguments": {
                    "shipping_amount": Decimal(0),
                    "extension_attributes": {"return_to_stock_items": back},
                },
            }
        try:
            memo, restock = creditmemos.create(order, None, body, store.next_number, now())
        except MagentoError:
            return None
        store.put("creditmemos", str(memo["entity_id"]), memo)
        store.put("orders", str(order["entity_id"]), order)
        for sku, qty in restock:
            return_to_stock(store, sku, qty)
        return int(memo["entity_id"])

    return picks(count, attempt)


def _stock_changes(store: DocumentStore, rng: random.Random, count: int) -> list[str]:
    """Mostly deliveries; now and then a few units written off."""
    keys = [source_key(i["source_code"], i["sku"]) for i in store.all("source_items")]
    made = []
    for _ in range(count if keys else 0):
        item = store.get("source_items", rng.choice(keys))
        assert item is not None  # source items are never deleted
        quantity = dec(item["quantity"])
        quantity += stock_movement(rng, quantity)
        sku, source = item["sku"], item["source_code"]
        changed = source_item(sku, source, quantity, int(quantity > 0))
        store.put("source_items", source_key(source, sku), changed)
        made.append(sku)
    return made
