"""The canonical model → Fortnox JSON (field names from `fortnox-openapi-3.json`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from brygga.connectors.fortnox.accounts import account, sales_account
from brygga.engine.finance import (
    FinanceError,
    Kind,
    TaxCase,
    TaxDecision,
    TaxPolicy,
    book,
    customer_case,
    decide,
    erp_vat,
    erp_vat_in,
)
from brygga.engine.protocols import NO_SETTINGS
from brygga.model import Customer, CustomerType, Discount, Order, OrderLine, Product

# Fortnox dates are Swedish local dates (fortnox.md §3.5, unconfirmed but the only sane reading).
FORTNOX_TIME_ZONE = ZoneInfo("Europe/Stockholm")


# Fortnox `VATType` of a customer card by tax case (fortnox.md §4.10); OSS sales are EU
# sales with VAT, the destination's rather than Sweden's.
VAT_TYPES = {
    TaxCase.DOMESTIC: "SEVAT",
    TaxCase.EU_B2B: "EUREVERSEDVAT",
    TaxCase.EU_B2C: "EUVAT",
    TaxCase.EU_B2C_OSS: "EUVAT",
    TaxCase.EXPORT: "EXPORT",
}


def vat_type(customer: Customer, settings: Mapping[str, Any] = NO_SETTINGS) -> str:
    """Fortnox `VATType` from where the customer is and whether they have a valid EU VAT
    number (brygga.engine.finance.taxes)."""
    return VAT_TYPES[customer_case(customer, TaxPolicy.of(settings))]


def customer_to_fortnox(
    customer: Customer, settings: Mapping[str, Any] = NO_SETTINGS
) -> dict[str, Any]:
    address = customer.address
    fields: dict[str, Any] = {
        "Name": customer.name,
        "Type": "COMPANY" if customer.type is CustomerType.COMPANY else "PRIVATE",
        "Email": customer.email or "",
        "Phone1": customer.phone,
        "OrganisationNumber": customer.organisation_number,
        "VATNumber": customer.vat_number,
        "VATType": vat_type(customer, settings),
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


def order_to_fortnox(
    order: Order, customer_number: str, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The order with rows as the shop sold them and the booking's rounding rows, so that
    Fortnox's per-document VAT is the shop's VAT per rate (brygga.engine.finance.booking).
    Each goods and discount row goes to the sales account of the order's tax case and rate
    (brygga.connectors.fortnox.accounts). Shipping goes in `Freight` when Fortnox's freight
    VAT gives the shop's figure, else it is a row of its own at its own rate."""
    policy = TaxPolicy.of(settings)
    if policy.seller_country != "SE":
        raise FinanceError(
            f"Fortnox keeps the books of Swedish companies; the seller_country setting is "
            f"{policy.seller_country}, so this integration needs an ERP for that country"
        )
    decision = decide(order, policy)
    delivery = order.shipping_address
    freight = _freight(order, decision, settings)
    booking = book(
        order,
        gross_prices=order.prices_include_tax,
        rounding_pairs=True,
        shipping_apart=freight is not None,
    )
    rows = [_row(line, decision, settings) for line in order.lines]
    rows += [_discount_row(discount, decision, settings) for discount in order.discounts]
    shipping = order.shipping
    if shipping is not None and freight is None:  # a row per VAT rate of the shipping
        rows += [
            _account_row(
                shipping.description, amount, rate, _shipping_account(decision, rate, settings)
            )
            for amount, rate, _ in shipping.by_rate()
        ]
    rows += [
        _account_row("Öresutjämning", line.net, line.rate, account(settings, "rounding_account"))
        for line in booking.lines
        if line.kind is Kind.ROUNDING
    ]
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
        "Freight": freight or Decimal(0),
        "OrderRows": rows,
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


def freight_vat_rate(customer: Customer, settings: Mapping[str, Any]) -> Decimal:
    """The VAT Fortnox puts on `Freight`: the company's freight rate, 25 % in Sweden, and none
    for reverse-charge and export customers (fortnox.md §4.2; the sandbox's assumption)."""
    untaxed = vat_type(customer, settings) in ("EUREVERSEDVAT", "EXPORT")
    return Decimal(0) if untaxed else Decimal(25)


def _shipping_account(decision: TaxDecision, rate: Decimal, settings: Mapping[str, Any]) -> int:
    """Shipping is part of the sale: under OSS it is reported with the goods, on the
    destination's OSS account; otherwise on the freight account."""
    if decision.case is TaxCase.EU_B2C_OSS:
        return sales_account(decision, rate, settings)
    return account(settings, "freight_account")


def _freight(order: Order, decision: TaxDecision, settings: Mapping[str, Any]) -> Decimal | None:
    """The shipping amount for `Freight`, or None when Fortnox's freight VAT would not be the
    shop's: another rate, several rates, or a shop VAT figure off Fortnox's arithmetic."""
    shipping = order.shipping
    if shipping is None or shipping.parts or decision.case is TaxCase.EU_B2C_OSS:
        return None
    rate = freight_vat_rate(order.customer, settings)
    amount = shipping.amount.amount
    fortnox_vat = erp_vat_in(amount, rate) if order.prices_include_tax else erp_vat(amount, rate)
    shop_vat = shipping.tax.amount if shipping.tax is not None else None
    if shipping.tax_rate != rate or shop_vat not in (None, fortnox_vat):
        return None
    return amount


def _row(line: OrderLine, decision: TaxDecision, settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ArticleNumber": line.sku,
        "Description": line.description,
        # Quantities are strings in Fortnox's spec (§3.5).
        "OrderedQuantity": str(line.quantity),
        "DeliveredQuantity": str(line.quantity),
        "Price": line.unit_price.amount,
        "VAT": line.tax_rate,
        "AccountNumber": sales_account(decision, line.tax_rate, settings),
    }


def _discount_row(
    discount: Discount, decision: TaxDecision, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """An order-level discount as a negative row at its rate, on the sales account of the
    goods it discounts."""
    return {
        "Description": discount.description[:50],
        "OrderedQuantity": "1",
        "DeliveredQuantity": "1",
        "Price": -discount.amount.amount,
        "VAT": discount.tax_rate,
        "AccountNumber": sales_account(decision, discount.tax_rate, settings),
    }


def _account_row(text: str, amount: Decimal, rate: Decimal, number: int) -> dict[str, Any]:
    """A row without an article, booked to account `number`."""
    return {
        "Description": text[:50],
        "OrderedQuantity": "1",
        "DeliveredQuantity": "1",
        "Price": amount,
        "VAT": rate,
        "AccountNumber": number,
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
