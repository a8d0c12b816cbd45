"""Centra GraphQL JSON → the canonical model."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from brygga.engine.finance.shipping import shop_shipping
from brygga.model import (
    Address,
    Customer,
    CustomerType,
    Money,
    Order,
    OrderLine,
    Payment,
    Refund,
    RefundLine,
    Shipping,
)


def order_from_centra(data: dict[str, Any]) -> Order:
    grand_total = data["grandTotal"]
    currency = grand_total["currency"]["code"]
    lines = [_line(line, currency) for line in data["lines"]]
    return Order(
        source_id=str(data["number"]),  # Centra keys orders by number in ID conversion (§4.10)
        number=str(data["number"]),
        created_at=datetime.fromisoformat(data["createdAt"]),
        cancelled=data.get("status") == "CANCELLED",
        currency=currency,
        exchange_rate=Decimal(grand_total["conversionRate"]),
        prices_include_tax=True,  # consumer prices; `grandTotal(includingTax: true)` default
        customer=_order_customer(data),
        billing_address=address_from_centra(data.get("billingAddress")),
        shipping_address=address_from_centra(data.get("shippingAddress")),
        lines=lines,
        shipping=_shipping(data["totals"], currency, lines),
        grand_total=_money(grand_total, currency),
    )


def customer_from_centra(data: dict[str, Any]) -> Customer:
    billing = (data.get("lastOrder") or {}).get("billingAddress")
    return _customer(
        str(data["id"]),
        data.get("email"),
        data.get("firstName") or "",
        data.get("lastName") or "",
        data.get("phoneNumber") or "",
        billing,
    )


def refund_from_centra(data: dict[str, Any]) -> Refund:
    """A completed return: what the customer gets back, lines by SKU plus shipping (§4.3)."""
    currency = data["grandTotal"]["currency"]["code"]
    shipping = Decimal(data["totals"]["shipping"]["value"])
    return Refund(
        source_id=str(data["id"]),
        order_reference=str(data["order"]["number"]),
        created_at=datetime.fromisoformat(data["createdAt"]),
        lines=[
            RefundLine(
                sku=(line["orderLine"].get("productSize") or {}).get("SKU") or "",
                quantity=Decimal(line["quantity"]),
                amount=_money(line["lineValue"], currency),
            )
            for line in data["lines"]
        ],
        shipping=Money(amount=shipping, currency=currency) if shipping else None,
        total=_money(data["grandTotal"], currency),
    )


def payment_from_centra(order_number: str, entry: dict[str, Any]) -> Payment:
    """A successful CAPTURE entry of an order's payment history (§4.2)."""
    value = entry["value"]
    return Payment(
        source_id=str(entry["id"]),
        order_reference=order_number,
        amount=_money(value, value["currency"]["code"]),
        paid_at=datetime.fromisoformat(entry["createdAt"]),
        method=entry.get("paymentMethod") or "",
    )


def address_from_centra(data: dict[str, Any] | None) -> Address | None:
    if not data or not (data.get("country") or {}).get("code"):
        return None
    name = f"{data.get('firstName') or ''} {data.get('lastName') or ''}".strip()
    return Address(
        name=name,
        company=data.get("companyName") or "",
        line1=data.get("address1") or "",
        line2=data.get("address2") or "",
        postcode=data.get("zipCode") or "",  # Centra says zipCode, never zip (§4.1)
        city=data.get("city") or "",
        country=data["country"]["code"],
        email=data.get("email") or "",
        phone=data.get("phoneNumber") or "",
    )


def _order_customer(data: dict[str, Any]) -> Customer:
    buyer = data.get("customer") or {}
    billing = data.get("billingAddress") or {}
    email = buyer.get("email") or billing.get("email")
    # A guest checkout has no customer id; the email is what identifies them (§4.5).
    source_id = str(buyer["id"]) if buyer.get("id") is not None else f"guest:{email}"
    return _customer(
        source_id,
        email,
        buyer.get("firstName") or billing.get("firstName") or "",
        buyer.get("lastName") or billing.get("lastName") or "",
        buyer.get("phoneNumber") or billing.get("phoneNumber") or "",
        billing,
    )


def _customer(
    source_id: str,
    email: str | None,
    first: str,
    last: str,
    phone: str,
    billing: dict[str, Any] | None,
) -> Customer:
    address = address_from_centra(billing)
    company = address.company if address else ""
    return Customer(
        source_id=source_id,
        email=email or None,
        first_name=first,
        last_name=last,
        phone=phone,
        company=company,
        type=CustomerType.COMPANY if company else CustomerType.PRIVATE,
        vat_number=(billing or {}).get("vatNumber") or "",
        address=address,
    )


def _line(data: dict[str, Any], currency: str) -> OrderLine:
    size = data.get("productSize") or {}
    description = " ".join(part for part in (data["productName"], data.get("size")) if part)
    return OrderLine(
        source_id=str(data["id"]),
        sku=size.get("SKU") or "",
        ean=size.get("EAN") or "",
        description=description,
        quantity=Decimal(data["quantity"]),
        unit_price=_money(data["unitPrice"], currency),
        unit_list_price=_money(data["unitOriginalPrice"], currency),
        tax_rate=Decimal(data["taxPercent"]),
        # The VAT Centra put in the line: its value with tax less its value without (§4.2).
        tax=_money(data["lineValue"], currency) - _money(data["netValue"], currency),
    )


def _shipping(totals: dict[str, Any], currency: str, lines: list[OrderLine]) -> Shipping | None:
    amount = Decimal(totals["shipping"]["value"])
    if amount == 0:
        return None
    # Centra gives the VAT inside the shipping price, not its rate: one rate's, or a blend of
    # the goods' rates where it splits shipping VAT over them (§4.9).
    return shop_shipping(
        Money(amount=amount, currency=currency),
        Money(amount=Decimal(totals["shippingTaxIncluded"]["value"]), currency=currency),
        lines,
        prices_include_tax=True,
    )


def _money(value: dict[str, Any], currency: str) -> Money:
    return Money(amount=Decimal(value["value"]), currency=currency)
