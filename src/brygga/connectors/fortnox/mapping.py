"""The canonical model → Fortnox JSON (field names from `fortnox-openapi-3.json`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from brygga.model import Customer, CustomerType, Order, OrderLine, Product

# Fortnox dates are Swedish local dates (fortnox.md §3.5, unconfirmed but the only sane reading).
FORTNOX_TIME_ZONE = ZoneInfo("Europe/Stockholm")


def vat_type(customer: Customer) -> str:
    """Fortnox `VATType` from where the customer is and whether they are a VAT-registered
    business (fortnox.md §4.1, §4.10)."""
    country = customer.address.country if customer.address else "SE"
    if country == "SE":
        return "SEVAT"
    if customer.address and customer.address.in_eu:
        business = customer.type is CustomerType.COMPANY and customer.vat_number
        return "EUREVERSEDVAT" if business else "EUVAT"
    return "EXPORT"


def customer_to_fortnox(customer: Customer) -> dict[str, Any]:
    address = customer.address
    fields: dict[str, Any] = {
        "Name": customer.name,
        "Type": "COMPANY" if customer.type is CustomerType.COMPANY else "PRIVATE",
        "Email": customer.email or "",
        "Phone1": customer.phone,
        "OrganisationNumber": customer.organisation_number,
        "VATNumber": customer.vat_number,
        "VATType": vat_type(customer),
        "YourReference": _person(customer)[:50],
    }
    if address is not None:
        fields |= {
            "Address1": address.line1,
            "Address2": address.line2,
            "ZipCode": address.postcode[:10],
            "City": address.city,
            "CountryCode": address.country,
        }
    # Fortnox rejects empty strings in several fields (e.g. Address1 has minLength 1).
    return {key: value for key, value in fields.items() if value != ""}


def order_to_fortnox(order: Order, customer_number: str) -> dict[str, Any]:
    delivery = order.shipping_address
    fields: dict[str, Any] = {
        "CustomerNumber": customer_number,
        "OrderDate": order.created_at.astimezone(FORTNOX_TIME_ZONE).date().isoformat(),
        "Currency": order.currency,
        "CurrencyRate": order.exchange_rate,
        "CurrencyUnit": 1,
        "VATIncluded": order.prices_include_tax,
        # The shop order number is how Brygga finds this order again after a crash (§4.2).
        "ExternalInvoiceReference1": order.number[:80],
        "YourOrderNumber": order.number[:75],
        "Freight": order.shipping.amount.amount if order.shipping else Decimal(0),
        "OrderRows": [_row(line) for line in order.lines],
    }
    if delivery is not None:
        fields |= {
            "DeliveryName": (delivery.company or delivery.name)[:1024],
            "DeliveryAddress1": delivery.line1,
            "DeliveryAddress2": delivery.line2,
            "DeliveryZipCode": delivery.postcode[:10],
            "DeliveryCity": delivery.city,
            "DeliveryCountry": delivery.country_name,
        }
    return {key: value for key, value in fields.items() if value != ""}


def _row(line: OrderLine) -> dict[str, Any]:
    return {
        "ArticleNumber": line.sku,
        "Description": line.description,
        # Quantities are strings in Fortnox's spec (§3.5).
        "OrderedQuantity": str(line.quantity),
        "DeliveredQuantity": str(line.quantity),
        "Price": line.unit_price.amount,
        "VAT": line.tax_rate,
    }


def _person(customer: Customer) -> str:
    return f"{customer.first_name} {customer.last_name}".strip()


def article_to_fortnox(product: Product, settings: Mapping[str, Any]) -> dict[str, Any]:
    """An article from a product's one variant; the price goes to `/3/prices` (§4.6, §4.7)."""
    variant = product.variants[0]
    fields: dict[str, Any] = {
        "Description": variant.name[:200],
        "EAN": variant.ean,
        "Active": product.active,
        "WebshopArticle": True,
        "StockGoods": settings.get("stock_goods", True),
        "Type": "STOCK" if settings.get("stock_goods", True) else "SERVICE",
        "VAT": variant.tax_rate,
        "Unit": settings.get("unit") or None,
        "SalesAccount": settings.get("sales_account") or None,
    }
    # Fields left out take the company's predefined values (§3.5).
    return {key: value for key, value in fields.items() if value not in ("", None)}
