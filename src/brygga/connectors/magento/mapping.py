"""Magento REST JSON ↔ the canonical model (field names from the 2.4.9 admin schema).

Amounts are read in the order currency (the unprefixed fields), gross: a line is what the buyer
paid for it, `row_total + tax_amount + discount_tax_compensation_amount - discount_amount`,
which holds whether the catalog prices include tax or not (magento.md §4.1, §4.8).

Gift cards and store credit (Adobe Commerce) pay a part of an order: Adobe's total collectors
take what they paid off `grand_total` (Magento_GiftCardAccount and Magento_CustomerBalance,
`Model/Total/{Quote,Invoice,Creditmemo}/*.php`: `setGrandTotal(getGrandTotal() - $used)`, in
the Adobe Commerce source as mirrored in github.com/magento-mpi/magento2; Adobe's storefront
docs: "the corresponding amount is subtracted from the total order value") and record it in
the document's `extension_attributes` (`gift_cards_amount`, `customer_balance_amount` and
`base_*` twins on orders, invoices and credit memos, in the 2.4.9 admin schema). The goods are
still sold at the full price, so Brygga adds it back.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from brygga.connectors.magento.search import parse_time
from brygga.engine.finance.shipping import shop_shipping
from brygga.model import (
    CENT,
    GIFT_CARD,
    Address,
    Customer,
    CustomerType,
    GiftCard,
    Money,
    Order,
    OrderLine,
    Payment,
    Product,
    Refund,
    RefundLine,
    Shipping,
    Variant,
)

Record = dict[str, Any]
RATE_PLACES = Decimal("0.0001")
# What paid a document besides its `grand_total` (module docstring).
PREPAID = ("gift_cards_amount", "customer_balance_amount")
STORE_CREDIT = "store credit"  # the GiftCard code of store credit, which has none of its own


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def gross(row: Record, prefix: str = "") -> Decimal:
    """What a line (`prefix=""`) or the shipping (`prefix="shipping_"`) cost the buyer."""
    amount = "row_total" if not prefix else "shipping_amount"
    return (
        dec(row.get(amount))
        + dec(row.get(f"{prefix}tax_amount"))
        + dec(row.get(f"{prefix}discount_tax_compensation_amount"))
        - dec(row.get(f"{prefix}discount_amount"))
    )


def visible_items(order: Record) -> list[Record]:
    """Lines without a parent: a configurable's child repeats its parent's SKU at price 0
    (§4.1), so only the parent counts."""
    return [item for item in order["items"] if not item.get("parent_item_id")]


def prepaid(document: Record, prefix: str = "") -> Decimal:
    """What gift cards and store credit paid of an order, invoice or credit memo (`prefix`
    "base_": in the base currency); not part of its `grand_total`."""
    extension = document.get("extension_attributes") or {}
    return sum((dec(extension.get(prefix + name)) for name in PREPAID), Decimal(0))


def worth(document: Record, prefix: str = "") -> Decimal:
    """What the document is worth: its `grand_total` with gift cards and store credit."""
    return dec(document.get(f"{prefix}grand_total")) + prepaid(document, prefix)


def exchange_rate(order: Record) -> Decimal:
    """Base-currency units per order-currency unit. `base_to_order_rate` is stored with four
    decimals (1 SEK = 0.0893 EUR), too coarse to invert; the two grand totals give the rate
    Magento converted with, unless the base total is missing (§6.4, #38330). The totals are
    taken with gift cards: a card's base amount is converted on its own, and the small rest
    left after it would give a skewed rate."""
    if order["order_currency_code"] == order["base_currency_code"]:
        return Decimal(1)
    total, base_total = worth(order), worth(order, "base_")
    missing = not dec(order.get("base_grand_total")) and dec(order.get("grand_total"))
    if total and base_total and not missing:
        return (base_total / total).quantize(RATE_PLACES, ROUND_HALF_UP).normalize()
    return (1 / dec(order["base_to_order_rate"])).quantize(RATE_PLACES, ROUND_HALF_UP).normalize()


def to_base(order: Record, amount: Decimal) -> Decimal:
    return (amount * exchange_rate(order)).quantize(CENT, ROUND_HALF_UP)


def order_from_magento(data: Record) -> Order:
    currency = data["order_currency_code"]
    assignments = (data.get("extension_attributes") or {}).get("shipping_assignments") or [{}]
    delivery = (assignments[0].get("shipping") or {}).get("address")  # only here (§4.1)
    return Order(
        source_id=data["increment_id"],
        number=data["increment_id"],
        created_at=parse_time(data["created_at"]),
        cancelled=data.get("status") == "canceled",
        currency=currency,
        exchange_rate=exchange_rate(data),
        base_currency=data["base_currency_code"],
        prices_include_tax=True,
        customer=_order_customer(data),
        billing_address=address_from_magento(data.get("billing_address")),
        shipping_address=address_from_magento(delivery),
        lines=[_line(item, currency) for item in visible_items(data)],
        shipping=_shipping(data, currency),
        grand_total=_money(worth(data), currency),
        gift_cards=gift_cards(data, currency),
    )


def gift_cards(order: Record, currency: str) -> list[GiftCard]:
    """The gift cards (`extension_attributes.gift_cards`, by code) and the store credit that
    paid a part of the order."""
    extension = order.get("extension_attributes") or {}
    cards = [
        GiftCard(code=str(card["code"]), amount=_money(card["amount"], currency))
        for card in extension.get("gift_cards") or []
        if dec(card.get("amount"))
    ]
    listed = sum((card.amount.amount for card in cards), Decimal(0))
    if listed != dec(extension.get("gift_cards_amount")):
        raise ValueError(
            f"its gift cards add up to {listed} {currency}, but its gift_cards_amount is "
            f"{dec(extension.get('gift_cards_amount'))}"
        )
    credit = dec(extension.get("customer_balance_amount"))
    if credit:
        cards.append(GiftCard(code=STORE_CREDIT, amount=_money(credit, currency)))
    return cards


def customer_from_magento(data: Record) -> Customer:
    addresses = data.get("addresses") or []
    default = str(data.get("default_billing") or "")
    billing = next(
        (a for a in addresses if str(a.get("id")) == default or a.get("default_billing")),
        addresses[0] if addresses else None,
    )
    billing = billing and {"email": data.get("email")} | billing
    return _customer(str(data["id"]), data, billing, data.get("taxvat"))


def address_from_magento(data: Record | None) -> Address | None:
    if not data or not data.get("country_id"):
        return None
    street = [line for line in data.get("street") or [] if line]
    region = data.get("region")  # a name on orders, an object on customers
    if isinstance(region, dict):
        region = region.get("region") or region.get("region_code")
    return Address(
        name=f"{data.get('firstname') or ''} {data.get('lastname') or ''}".strip(),
        company=data.get("company") or "",
        line1=street[0] if street else "",
        line2=", ".join(street[1:]),
        postcode=data.get("postcode") or "",
        city=data.get("city") or "",
        region=region or "",
        country=data["country_id"],
        email=data.get("email") or "",
        phone=data.get("telephone") or "",
    )


def product_from_magento(
    data: Record, currency: str, tax_classes: dict[str, Any], ean_attribute: str
) -> Product:
    """A simple product as one variant. `price` is in the base currency, as the catalog keeps
    it; the tax class becomes a rate only through the `tax_classes` setting (the rate depends
    on tax rules per country, §4.8)."""
    attributes = {a["attribute_code"]: a.get("value") for a in data.get("custom_attributes") or []}
    rate = tax_classes.get(str(attributes.get("tax_class_id")))
    name = data.get("name") or data["sku"]
    prices = [_money(data["price"], currency)] if data.get("price") is not None else []
    variant = Variant(
        sku=data["sku"],
        name=name,
        ean=str(attributes.get(ean_attribute) or ""),
        prices=prices,
        tax_rate=Decimal(str(rate)) if rate is not None else None,
    )
    return Product(
        source_id=data["sku"],
        product_number=data["sku"],
        name=name,
        variants=[variant],
        active=data.get("status") == 1,
    )


def refund_from_magento(memo: Record, order: Record) -> Refund:
    """A credit memo: its lines by SKU (children of configurables left out), shipping, total."""
    currency = memo["order_currency_code"]
    children = {item["item_id"] for item in order["items"] if item.get("parent_item_id")}
    lines = [
        RefundLine(sku=item["sku"], quantity=dec(item["qty"]), amount=_money(gross(item), currency))
        for item in memo.get("items") or []
        if item.get("order_item_id") not in children and dec(item.get("qty")) > 0
    ]
    shipping = gross(memo, "shipping_")
    return Refund(
        source_id=str(memo["entity_id"]),
        order_reference=order["increment_id"],
        created_at=parse_time(memo["created_at"]),
        lines=lines,
        shipping=_money(shipping, currency) if shipping else None,
        # What is credited, also where the money goes back to a gift card or store credit.
        total=_money(worth(memo), currency),
    )


def payments_from_magento(invoice: Record, order: Record) -> list[Payment]:
    """A paid invoice is money captured (§4.8), the capture under the invoice's id. What gift
    cards and store credit paid of it is a payment of its own, first (method GIFT_CARD, id
    "<invoice id>:gift_card"); an invoice they paid in full has no capture."""
    currency = invoice["order_currency_code"]
    captured = Payment(
        source_id=str(invoice["entity_id"]),
        order_reference=order["increment_id"],
        amount=_money(invoice["grand_total"], currency),
        paid_at=parse_time(invoice["created_at"]),
        method=(order.get("payment") or {}).get("method") or "",
    )
    if not prepaid(invoice):
        return [captured]
    by_card = captured.model_copy(
        update={
            "source_id": f"{captured.source_id}:{GIFT_CARD}",
            "amount": _money(prepaid(invoice), currency),
            "method": GIFT_CARD,
        }
    )
    return [by_card, captured] if captured.amount.amount else [by_card]


def _order_customer(data: Record) -> Customer:
    billing = data.get("billing_address") or {}
    email = data.get("customer_email") or billing.get("email")
    # A guest has no customer id; the e-mail is what identifies them (§4.2).
    guest = data.get("customer_is_guest") or data.get("customer_id") is None
    source_id = f"guest:{email}" if guest else str(data["customer_id"])
    names = {
        "email": email,
        "firstname": data.get("customer_firstname") or billing.get("firstname"),
        "lastname": data.get("customer_lastname") or billing.get("lastname"),
    }
    return _customer(source_id, names, billing, data.get("customer_taxvat"))


def _customer(source_id: str, person: Record, billing: Record | None, taxvat: Any) -> Customer:
    address = address_from_magento(billing)
    company = address.company if address else ""
    return Customer(
        source_id=source_id,
        email=person.get("email") or None,
        first_name=person.get("firstname") or "",
        last_name=person.get("lastname") or "",
        phone=address.phone if address else "",
        company=company,
        type=CustomerType.COMPANY if company else CustomerType.PRIVATE,
        vat_number=taxvat or (billing or {}).get("vat_id") or "",
        address=address,
    )


def _line(item: Record, currency: str) -> OrderLine:
    quantity = dec(item["qty_ordered"])
    return OrderLine(
        source_id=str(item["item_id"]),
        sku=item["sku"],
        description=item.get("name") or item["sku"],
        quantity=quantity,
        unit_price=_money(gross(item) / quantity, currency),
        unit_list_price=_money(item.get("price_incl_tax"), currency),
        tax_rate=dec(item.get("tax_percent")),
        tax=_money(item.get("tax_amount"), currency),
    )


def _shipping(order: Record, currency: str) -> Shipping | None:
    """The shipping at the VAT Magento charged: one rate (the shipping tax class), or split
    over the goods' rates; the order gives the shipping's tax as an amount only."""
    amount = gross(order, "shipping_")
    if not amount:
        return None
    return shop_shipping(
        _money(amount, currency),
        _money(order.get("shipping_tax_amount"), currency),
        [_line(item, currency) for item in visible_items(order)],
        prices_include_tax=True,
        description=order.get("shipping_description") or "Shipping",
    )


def _money(value: Any, currency: str) -> Money:
    return Money(amount=dec(value), currency=currency)
