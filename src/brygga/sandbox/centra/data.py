"""Seeding: demo tokens, plus the shared demo data turned into Centra-shaped documents.

Collections: `tokens` (keyed by the token), `orders` (by the 32-hex order id), `customers`,
the catalogue (`seed_catalogue.py`), `shipments` and `returns` (`seed_fulfilment.py`), all by
id. Documents keep what Centra stores, in its field names and with Decimal amounts; totals and
net values are derived when read (see `orders.py`).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import cache
from typing import Any

import pycountry

from brygga.sandbox import seed
from brygga.sandbox.centra.idconversions import IdConversions
from brygga.sandbox.centra.money import currency
from brygga.sandbox.centra.scalars import stored_time
from brygga.sandbox.centra.seed_catalogue import catalogue
from brygga.sandbox.centra.seed_fulfilment import fulfilment
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.storage import DocumentStore

DEMO_TOKEN = "centra-demo-token"
NO_ORDERS_TOKEN = "centra-demo-token-no-orders"
READ_ONLY_TOKEN = "centra-demo-token-read-only"
OTHER_INTEGRATION_TOKEN = "centra-demo-token-other-integration"
EXPIRED_TOKEN = "centra-demo-token-expired"
INTEGRATION_NAME = "brygga-demo"
OTHER_INTEGRATION_NAME = "other-system"  # its own event queue and ID conversions (§1)

# Brygga's minimal permission set (fact sheet §1), reads and the writes it performs, plus the
# writes of the guides' examples whose names the fact sheet leaves open (unconfirmed).
FULL_PERMISSIONS = [
    "Order:read", "Order.shippingAddress:read", "Order.billingAddress:read",
    "Order.attributes:read", "PaymentHistory:read", "Shipment:read", "Return:read",
    "Customer:read", "Invoice:read", "Product:read", "ProductVariant:read", "ProductSize:read",
    "ProductVariant.stock:read", "ProductSize.stockTotals:read", "Warehouse:read",
    "Pricelist:read", "Market:read", "Store:read", "Event:read", "Event:write", "Product:write",
    "Price:write", "Order:write",
    "ProductVariant:write", "StockChange:read", "StockChange:write", "Shipment:write",
    "Shipment.shippingAddress:read", "Return:write",
]  # fmt: skip
NO_ORDER_PERMISSIONS = [p for p in FULL_PERMISSIONS if not p.startswith("Order")]
READ_PERMISSIONS = [p for p in FULL_PERMISSIONS if not p.endswith(":write")]

# Tokens never expire here unless seeded so (real ones default to 30 days, §1), so a demo data
# directory keeps working; the expired token lets clients exercise that failure.
TOKENS: dict[str, dict[str, Any]] = {
    DEMO_TOKEN: {"permissions": FULL_PERMISSIONS, "expiresAt": None},
    NO_ORDERS_TOKEN: {"permissions": NO_ORDER_PERMISSIONS, "expiresAt": None},
    READ_ONLY_TOKEN: {"permissions": READ_PERMISSIONS, "expiresAt": None},
    OTHER_INTEGRATION_TOKEN: {
        "permissions": FULL_PERMISSIONS,
        "expiresAt": None,
        "integrationName": OTHER_INTEGRATION_NAME,
    },
    EXPIRED_TOKEN: {"permissions": FULL_PERMISSIONS, "expiresAt": "2026-01-01T00:00:00+00:00"},
}
OPEN_STATUSES = ("PENDING", "CONFIRMED", "PROCESSING")  # ordered, not yet shipped


def seed_store(store: DocumentStore, config: SandboxConfig) -> None:
    """Fill an empty store; a store that holds data is left as it is (restart)."""
    if not store.is_empty:
        return
    demo = config.demo_data()
    tokens = {
        token: {"token": token, "integrationName": INTEGRATION_NAME, **details}
        for token, details in TOKENS.items()
    }
    store.put_many("tokens", tokens)
    store.put_many("customers", {str(c.id): _customer(c) for c in demo.customers})
    allocated: Counter[str] = Counter()
    for order in demo.orders:
        if order.status in OPEN_STATUSES:
            allocated.update({line.sku: line.quantity for line in order.lines})
    collections = catalogue(demo.products, allocated, config.seed)
    sizes = {
        size["SKU"]: {key: size[key] for key in ("id", "SKU", "EAN", "description")}
        for size in collections["productSizes"].values()
    }
    orders = [_order(order, sizes) for order in demo.orders]
    collections.update(fulfilment(orders, demo.refunds))
    collections["orders"] = {order["id"]: order for order in orders}
    for name, documents in collections.items():
        if documents:  # an empty collection would exist in memory only, not after a restart
            store.put_many(name, documents)
    _size_conversions(store, {token["integrationName"] for token in tokens.values()})


def _size_conversions(store: DocumentStore, integrations: set[str]) -> None:
    """Centra creates `"<SizeChart.name>|<Size.name>"` entries for every integration (§4.10)."""
    conversions = IdConversions(store)
    for integration in sorted(integrations):
        for chart in store.all("sizeCharts"):
            for size in chart["sizes"]:
                conversions.set(integration, "Size", size["id"], f"{chart['name']}|{size['name']}")


def _customer(customer: seed.Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "phoneNumber": customer.phone,
        "createdAt": stored_time(customer.created_at),
    }


def _order(order: seed.Order, sizes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    created = stored_time(order.created_at)
    return {
        "id": order.id,
        "number": order.number,
        "storeType": "DIRECT_TO_CONSUMER",
        "status": order.status,
        "createdAt": created,
        "updatedAt": created,
        "orderDate": created,
        "isOnHold": order.is_on_hold,
        "customerId": order.customer_id,
        "currency": currency(order.currency),
        "conversionRate": order.conversion_rate,
        "shipping": order.shipping,
        "shippingTaxPercent": order.shipping_tax_percent,
        "lines": [_line(line, sizes[line.sku]) for line in order.lines],
        "shippingAddress": _address(order.shipping_address),
        "billingAddress": _address(order.billing_address),
    }


def _line(line: seed.OrderLine, size: dict[str, Any]) -> dict[str, Any]:
    discount = (1 - line.unit_price / line.unit_original_price) * 100
    return {
        "id": line.id,
        "productName": line.product_name,
        "size": line.size,
        "quantity": line.quantity,
        "taxPercent": line.tax_percent,
        "unitPrice": line.unit_price,
        "unitOriginalPrice": line.unit_original_price,
        "discountPercent": discount.quantize(Decimal("0.01")),
        "productSize": size,
    }


def _address(address: seed.Address) -> dict[str, Any]:
    return {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "companyName": address.company,
        "address1": address.line1,
        "address2": address.line2,
        "city": address.city,
        "zipCode": address.postcode,
        "country": {"code": address.country, "name": _country_name(address.country)},
        "email": address.email,
        "phoneNumber": address.phone,
        "vatNumber": address.vat_number,
    }


@cache  # pycountry's lookup is slow, and a large seed asks for 200,000 addresses
def _country_name(code: str) -> str:
    return pycountry.countries.get(alpha_2=code).name
