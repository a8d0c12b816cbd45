"""The canonical model: every connector maps its API to and from these records."""

from brygga.model.account import AccountFacts
from brygga.model.address import EU_COUNTRIES, Address
from brygga.model.customer import Customer, CustomerCard, CustomerType
from brygga.model.documents import CreditNote, Invoice
from brygga.model.money import CENT, Money
from brygga.model.order import (
    Discount,
    GiftCard,
    Order,
    OrderLine,
    Shipping,
    ShippingPart,
    TaxLine,
)
from brygga.model.payments import GIFT_CARD, Payment, PaymentStatus, Refund, RefundLine
from brygga.model.product import Product, StockLevel, Variant

__all__ = [
    "CENT",
    "EU_COUNTRIES",
    "GIFT_CARD",
    "AccountFacts",
    "Address",
    "CreditNote",
    "Customer",
    "CustomerCard",
    "CustomerType",
    "Discount",
    "GiftCard",
    "Invoice",
    "Money",
    "Order",
    "OrderLine",
    "Payment",
    "PaymentStatus",
    "Product",
    "Refund",
    "RefundLine",
    "Shipping",
    "ShippingPart",
    "StockLevel",
    "TaxLine",
    "Variant",
]
