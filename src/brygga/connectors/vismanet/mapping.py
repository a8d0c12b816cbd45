"""The canonical model ↔ Visma.net JSON for customers, orders, items and stock.

Monolith writes are DtoValue-wrapped (§3.1), SalesOrders V3 bodies are plain JSON (§4.2).
Visma.net prices exclude VAT; the VAT is the intersection of the customer's VAT zone and the
line's VAT category (§4.9).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from stdnum import ean as ean_code

from brygga.connectors.vismanet.client import dto
from brygga.connectors.vismanet.options import Options
from brygga.engine.finance import TaxCase, book, decide
from brygga.model import CENT, Address, Customer, Money, Order, Product, StockLevel, Variant

UNIT = Decimal("0.0001")  # unit price precision sent to Visma.net


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def net(amount: Decimal, rate: Decimal, includes_tax: bool) -> Decimal:
    return amount / (1 + rate / 100) if includes_tax else amount


def gross(amount: Decimal, rate: Decimal) -> Decimal:
    return money(amount * (1 + rate / 100))


def parse_stamp(text: str, zone: ZoneInfo) -> datetime:
    """Response timestamps mix RFC 3339 with and without offsets (§3.5)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def filter_stamp(moment: datetime, zone: ZoneInfo) -> str:
    """A filter value: `yyyy-MM-ddTHH:mm:ss.FFF`, no `Z`, no offset (§3.5)."""
    local = moment.astimezone(zone).replace(tzinfo=None)
    return local.isoformat(timespec="milliseconds")


# --- customers (§4.1) -----------------------------------------------------------------------


def customer_to_visma(customer: Customer, options: Options, *, create: bool) -> dict[str, Any]:
    person = f"{customer.first_name} {customer.last_name}".strip()
    values: dict[str, Any] = {
        "name": customer.name[:255],
        "vatZoneId": options.vat_zone(customer),
        "corporateId": customer.organisation_number,
        "vatRegistrationId": customer.vat_number,
        "mainContact": {"name": person, "email": customer.email or "", "phone1": customer.phone},
    }
    if create:
        values["customerClassId"] = options.customer_class_of(customer)
    if customer.address is not None:
        address = customer.address
        values["mainAddress"] = {
            "addressLine1": address.line1,
            "addressLine2": address.line2,
            "postalCode": address.postcode,
            "city": address.city,
            "countryId": address.country,
        }
    return dto(values)


# --- sales orders, SalesOrders V3 (§4.2) ----------------------------------------------------


def order_to_v3(order: Order, customer_number: str, options: Options) -> dict[str, Any]:
    """The order at the VAT zone of its own tax case (brygga.engine.finance.taxes), which
    may differ from the customer card's (a parcel sent abroad, reverse charge)."""
    body: dict[str, Any] = {
        "type": options.order_type,
        "date": order.created_at.isoformat(),
        "currencyId": order.currency,
        "description": f"Shop order {order.number}"[:255],
        # The shop order number is how Brygga and invoices find this order again (§4.2).
        "customer": {"id": customer_number, "order": order.number, "refNo": order.number},
        "taxZoneId": options.order_zone(decide(order, options.tax_policy)),
        "orderLines": order_lines(order, options),
    }
    return body | order_header(order, options)


def order_header(order: Order, options: Options) -> dict[str, Any]:
    """What a PATCH may change as well as a create: addresses and freight."""
    header: dict[str, Any] = {}
    for part, address in (("billing", order.billing_address), ("shipping", order.shipping_address)):
        if address is not None:
            header[part] = {"address": _v3_address(address), "contact": _v3_contact(address)}
    shipping = book(order).shipping()
    if len(shipping) == 1:  # shipping split over several rates goes on lines instead
        oss_country = _oss_country(order, options)
        header["freight"] = {
            "cost": shipping[0].net,
            "premiumAmount": Decimal(0),
            "taxCategoryId": options.category(shipping[0].rate, oss_country),
        }
    return header


def order_lines(order: Order, options: Options) -> list[dict[str, Any]]:
    """The booked lines (brygga.engine.finance): each line's net after line and order
    discounts as a net unit (list) price less a manual discount amount; shipping split over
    several VAT rates as a line of the shipping item per rate; the booking's rounding, if
    any, on the rounding item at 0 %."""
    booking = book(order)
    includes = order.prices_include_tax
    oss_country = _oss_country(order, options)
    rows = []
    for booked in booking.goods():
        line = booked.line
        assert line is not None  # goods lines carry their shop line
        listed = (line.unit_list_price or line.unit_price).amount
        unit = net(listed, line.tax_rate, includes).quantize(UNIT, ROUND_HALF_UP)
        if money(unit * line.quantity) < booked.net:
            unit = (booked.net / line.quantity).quantize(UNIT, ROUND_UP)
        rows.append(
            _line(line.sku, line.description, line.quantity, unit, options)
            | {"taxCategoryId": options.category(booked.rate, oss_country)}
            | {"discountAmount": money(unit * line.quantity) - booked.net}
        )
    shipping = booking.shipping()
    if len(shipping) > 1:
        text = order.shipping.description if order.shipping else "Shipping"
        for part in shipping:
            row = _line(options.shipping_item, text, Decimal(1), part.net, options)
            category = options.category(part.rate, oss_country)
            rows.append(row | {"taxCategoryId": category, "discountAmount": Decimal(0)})
    if booking.rounding:
        row = _line(options.rounding_item, "Rounding", Decimal(1), booking.rounding, options)
        rows.append(
            row | {"taxCategoryId": options.category(Decimal(0)), "discountAmount": Decimal(0)}
        )
    return rows


def _oss_country(order: Order, options: Options) -> str:
    """Under OSS the destination country, whose VAT categories the lines take; else ""."""
    decision = decide(order, options.tax_policy)
    return decision.buyer_country if decision.case is TaxCase.EU_B2C_OSS else ""


def _line(
    sku: str, text: str, quantity: Decimal, unit: Decimal, options: Options
) -> dict[str, Any]:
    row = {
        "inventoryId": sku,
        "description": text[:255],
        "quantity": quantity,
        "unitPrice": unit,
        "hasManualPrice": True,
        "hasManualDiscount": True,
    }
    if options.warehouse:
        row["warehouseId"] = options.warehouse
    return row


def _v3_address(address: Address) -> dict[str, Any]:
    return {
        "line1": address.line1,
        "line2": address.line2,
        "postalCode": address.postcode,
        "city": address.city,
        "countryId": address.country,
    }


def _v3_contact(address: Address) -> dict[str, Any]:
    name = address.company or address.name
    return {
        "name": name,
        "attention": address.name,
        "email": address.email,
        "phone1": address.phone,
    }


# --- items and stock (§4.3, §4.4) -----------------------------------------------------------


def item_to_visma(product: Product, options: Options, *, create: bool) -> dict[str, Any]:
    variant = product.variants[0]
    values: dict[str, Any] = {
        "description": (variant.name or product.name)[:255],
        "status": "Active" if product.active else "Inactive",
    }
    if variant.tax_rate is not None:
        values["vatCode"] = options.category(variant.tax_rate)
    price = next((p for p in variant.prices if p.currency == options.base_currency), None)
    if price is not None:
        includes = options.prices_include_tax and variant.tax_rate is not None
        values["defaultPrice"] = money(net(price.amount, variant.tax_rate or Decimal(0), includes))
    if create:
        values = {"inventoryNumber": variant.sku} | values
        values |= {"itemClass": options.item_class, "postingClass": options.posting_class}
    return dto(values)


def product_from_visma(item: dict[str, Any], options: Options) -> Product:
    sku = item["inventoryNumber"]
    rate = options.rate_of(((item.get("vatCode") or {}).get("id")) or "")
    price = Decimal(item.get("defaultPrice") or 0)
    if options.prices_include_tax and rate is not None:
        price = gross(price, rate)
    variant = Variant(
        sku=sku,
        name=item.get("description") or sku,
        ean=next((code for code in barcodes(item) if ean_code.is_valid(code)), ""),
        prices=[Money(amount=price, currency=options.base_currency)],
        tax_rate=rate,
    )
    return Product(
        source_id=sku,
        product_number=sku,
        name=item.get("description") or sku,
        variants=[variant],
        active=item.get("status") == "Active",
    )


def barcodes(item: dict[str, Any]) -> list[str]:
    """The item's Barcode cross-references (read with the default `expandCrossReference`)."""
    return [
        str(ref.get("alternateID") or "")
        for ref in item.get("crossReferences") or []
        if ref.get("alternateType") == "Barcode"
    ]


def stock_from_visma(item: dict[str, Any], options: Options) -> StockLevel:
    """Absolute quantity of one item: the chosen warehouse's row, or all rows summed."""
    rows = [
        row
        for row in item.get("warehouseDetails") or []
        if not options.warehouse or str(row.get("warehouse")) == options.warehouse
    ]
    quantity = sum((Decimal(row.get(options.stock_quantity) or 0) for row in rows), Decimal(0))
    stamps = [
        parse_stamp(row["lastModifiedDateTime"], options.zone)
        for row in rows
        if row.get("lastModifiedDateTime")
    ]
    return StockLevel(
        sku=item["inventoryNumber"],
        quantity=quantity,
        warehouse=options.warehouse,
        updated_at=max(stamps, default=None),
    )
