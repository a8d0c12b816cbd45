"""Seeding: demo tokens, plus the shared demo data turned into Centra-shaped documents.

Collections: `tokens` (keyed by the token), `orders` (by the 32-hex order id), `customers` (by
id). Documents keep what Centra stores, in its field names and with Decimal amounts; totals and
net values are derived when read (see `orders.py`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pycountry

from brygga.sandbox import seed
from brygga.sandbox.centra.scalars import stored_time
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.storage import DocumentStore

DEMO_TOKEN = "centra-demo-token"
NO_ORDERS_TOKEN = "centra-demo-token-no-orders"
EXPIRED_TOKEN = "centra-demo-token-expired"
INTEGRATION_NAME = "brygga-demo"

# Brygga's minimal permission set (fact sheet §1), reads and the writes it performs.
FULL_PERMISSIONS = [
    "Order:read", "Order.shippingAddress:read", "Order.billingAddress:read",
    "Order.attributes:read", "PaymentHistory:read", "Shipment:read", "Return:read",
    "Customer:read", "Invoice:read", "Product:read", "ProductVariant:read", "ProductSize:read",
    "ProductVariant.stock:read", "ProductSize.stockTotals:read", "Warehouse:read",
    "Pricelist:read", "Market:read", "Store:read", "Event:read", "Event:write", "Product:write",
    "Price:write", "Order:write",
]  # fmt: skip
NO_ORDER_PERMISSIONS = [p for p in FULL_PERMISSIONS if not p.startswith("Order")]

# Tokens never expire here unless seeded so (real ones default to 30 days, §1), so a demo data
# directory keeps working; the expired token lets clients exercise that failure.
TOKENS: dict[str, dict[str, Any]] = {
    DEMO_TOKEN: {"permissions": FULL_PERMISSIONS, "expiresAt": None},
    NO_ORDERS_TOKEN: {"permissions": NO_ORDER_PERMISSIONS, "expiresAt": None},
    EXPIRED_TOKEN: {"permissions": FULL_PERMISSIONS, "expiresAt": "2026-01-01T00:00:00+00:00"},
}

CURRENCY_IDS = {"SEK": 1, "EUR": 2, "NOK": 3, "DKK": 4, "USD": 5}


def seed_store(store: DocumentStore, config: SandboxConfig) -> None:
    """Fill an empty store; a store that holds data is left as it is (restart)."""
    if not store.is_empty:
        return
    demo = config.demo_data()
    sizes = _product_sizes(demo.products)
    store.put_many(
        "tokens",
        {
            token: {"token": token, "integrationName": INTEGRATION_NAME, **details}
            for token, details in TOKENS.items()
        },
    )
    store.put_many("customers", {str(c.id): _customer(c) for c in demo.customers})
    store.put_many("orders", {o.id: _order(o, sizes) for o in demo.orders})


def _product_sizes(products: list[seed.Product]) -> dict[str, dict[str, Any]]:
    """Centra's ProductSize per SKU; ids are integers in catalogue order."""
    sizes: dict[str, dict[str, Any]] = {}
    for product in products:
        for variant in product.variants:
            for size in variant.sizes:
                sizes[size.sku] = {
                    "id": len(sizes) + 1,
                    "SKU": size.sku,
                    "EAN": size.ean,
                    "description": f"{product.name}, {variant.name}, {size.name}",
                }
    return sizes


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
        "currency": _currency(order.currency),
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


def _currency(code: str) -> dict[str, Any]:
    return {
        "id": CURRENCY_IDS[code],
        "code": code,
        "name": pycountry.currencies.get(alpha_3=code).name,
    }


def _country_name(code: str) -> str:
    return pycountry.countries.get(alpha_2=code).name
