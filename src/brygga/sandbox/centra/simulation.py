"""`POST /_sandbox/simulate`: life going on in the shop between two syncs.

New checkout orders (numbered after the last one, for existing customers, priced from the
pricelist of their currency, allocating stock), returns refunded on shipped orders, and stock
deliveries and adjustments. Each call draws from its own stream, seeded by the sandbox seed and
a stored counter, so the same seed and calls give the same changes. Every change goes through
`Shop.changed` like a mutation's: events for the listeners, webhook items for the receiver.
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brygga.sandbox import seed
from brygga.sandbox.centra import fulfilment
from brygga.sandbox.centra.money import CURRENCY_IDS, cents
from brygga.sandbox.centra.pricing import variant_price
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.centra.seed_catalogue import PRIMARY_WAREHOUSE
from brygga.sandbox.centra.state import Shop
from brygga.sandbox.centra.stock import adjust, physical, record
from brygga.sandbox.simulation import picks, stock_movement

Document = dict[str, Any]
FIRST_ORDER_NUMBER = 1001  # as seeded


class Simulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    orders: int = Field(0, ge=0, le=10_000, description="new checkout orders")
    refunds: int = Field(0, ge=0, le=1_000, description="refunded returns on shipped orders")
    stock_changes: int = Field(0, ge=0, le=10_000, description="deliveries and adjustments")


def simulate(shop: Shop, seed_value: int, wanted: Simulation) -> dict[str, list[int]]:
    run = shop.store.next_number("simulations")
    rng = random.Random(f"{seed_value}-{run}")
    result = {
        "orders": [_checkout(shop, rng)["number"] for _ in range(wanted.orders)],
        "refunds": [r["id"] for r in picks(wanted.refunds, lambda: _refund(shop, rng))],
        "stock_changes": [
            c["id"] for c in picks(wanted.stock_changes, lambda: _stock_change(shop, rng))
        ],
    }
    shop.flush()
    return result


def _checkout(shop: Shop, rng: random.Random) -> Document:
    """An order from the customer of a random earlier order, to the same addresses and in the
    same currency."""
    template = shop.order_by_number(rng.randint(FIRST_ORDER_NUMBER, shop.last_order_number))
    assert template is not None  # numbers run without gaps
    code = template["currency"]["code"]
    pricelist = shop.store.get("pricelists", str(CURRENCY_IDS[code]))
    exported = template["shippingTaxPercent"] == 0
    lines = picks(rng.choice([1, 1, 2, 2, 3]), lambda: _line(shop, rng, pricelist, exported))
    goods = sum((Decimal(line["unitPrice"]) * line["quantity"] for line in lines), Decimal(0))
    free = goods * seed.RATES_TO_SEK[code] >= seed.FREE_SHIPPING_FROM_SEK
    number = shop.last_order_number + 1
    created = stored_time(now())
    order = {
        **{
            key: template[key]
            for key in (
                "storeType",
                "customerId",
                "currency",
                "conversionRate",
                "shippingTaxPercent",
                "shippingAddress",
                "billingAddress",
            )
        },
        "id": hashlib.md5(f"order-{number - FIRST_ORDER_NUMBER}".encode()).hexdigest(),
        "number": number,
        "status": "PENDING",
        "createdAt": created,
        "updatedAt": created,
        "orderDate": created,
        "isOnHold": False,
        "shipping": Decimal(0) if free else seed.SHIPPING[code],
        "lines": lines,
        "shipments": [],
        "paymentHistory": [],
    }
    for line in lines:
        adjust(shop, line["productSize"]["id"], allocated=line["quantity"])
    shop.add_order(order)
    shop.changed("Order", "CREATED", order)
    return order


def _line(shop: Shop, rng: random.Random, pricelist: Document, exported: bool) -> Document | None:
    """A line for a random size, at the pricelist's price; None for a size without one."""
    store = shop.store
    size = store.get("productSizes", str(rng.randint(1, store.count("productSizes"))))
    variant = size and store.get("productVariants", str(size["productVariantId"]))
    price = variant and variant_price(pricelist, variant)
    if price is None:
        return None
    product = store.get("products", str(variant["productId"]))
    chart = store.get("sizeCharts", str(variant["sizeChartId"]))
    return {
        "id": shop.new_id("orderLines"),
        "productName": product["name"],
        "size": next(s["name"] for s in chart["sizes"] if s["id"] == size["sizeId"]),
        "quantity": rng.choice([1, 1, 1, 2, 3]),
        # Exports carry no VAT, as in the seed.
        "taxPercent": Decimal(0) if exported else Decimal(product["taxPercent"]),
        "unitPrice": cents(price),
        "unitOriginalPrice": cents(price),
        "discountPercent": Decimal("0.00"),
        "productSize": {key: size[key] for key in ("id", "SKU", "EAN", "description")},
        "shippedQuantity": 0,
        "returnedQuantity": 0,
    }


def _refund(shop: Shop, rng: random.Random) -> Document | None:
    """One unit of a shipped line returned to stock and refunded; None if the picked order
    has nothing left to return."""
    order = shop.order_by_number(rng.randint(FIRST_ORDER_NUMBER, shop.last_order_number))
    shipped = [s for s in fulfilment.shipments_of(shop, order) if s["shippedAt"] is not None]
    if not shipped:
        return None
    shipment = rng.choice(shipped)
    left = fulfilment.returnable(shop, shipment)
    open_lines = [item for item in shipment["lines"] if left[item["id"]] > 0]
    if not open_lines:
        return None
    item = rng.choice(open_lines)
    line = next(line for line in order["lines"] if line["id"] == item["orderLineId"])
    returned = fulfilment.create_return(shop, shipment, [(line, 1)], Decimal(0), True, None)
    fulfilment.complete_return(shop, returned)
    fulfilment.refund(shop, returned)
    return returned


def _stock_change(shop: Shop, rng: random.Random) -> Document | None:
    """Mostly deliveries; now and then a few units written off."""
    store = shop.store
    size = store.get("productSizes", str(rng.randint(1, store.count("productSizes"))))
    if size is None:
        return None
    on_shelf = physical(size, PRIMARY_WAREHOUSE)
    change = stock_movement(rng, on_shelf)
    kind = "Delivery" if change > 0 else "Adjustment"
    return record(shop, kind, [(size, PRIMARY_WAREHOUSE, change)])
