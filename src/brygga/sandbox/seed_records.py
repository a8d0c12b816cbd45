"""The neutral records of the demo data, before each sandbox turns them into its API's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Size:
    sku: str
    ean: str
    name: str


@dataclass
class Variant:
    variant_number: str
    name: str
    sizes: list[Size]


@dataclass
class Product:
    product_number: str
    name: str
    tax_percent: Decimal
    prices: dict[str, Decimal]  # per currency, including VAT for consumers
    variants: list[Variant]

    @property
    def skus(self) -> list[Size]:
        return [size for variant in self.variants for size in variant.sizes]


@dataclass
class Address:
    first_name: str
    last_name: str
    company: str
    line1: str
    line2: str
    postcode: str
    city: str
    country: str
    email: str
    phone: str
    vat_number: str


@dataclass
class Customer:
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    address: Address
    organisation_number: str = ""
    created_at: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))


@dataclass
class OrderLine:
    id: int
    sku: str
    ean: str
    product_name: str
    size: str
    quantity: int
    unit_original_price: Decimal  # including VAT
    unit_price: Decimal  # including VAT, after the line discount
    tax_percent: Decimal

    @property
    def line_value(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass
class Order:
    id: str
    number: int
    status: str
    created_at: datetime
    customer_id: int
    currency: str
    conversion_rate: Decimal
    lines: list[OrderLine]
    shipping: Decimal  # including VAT
    shipping_tax_percent: Decimal
    billing_address: Address
    shipping_address: Address
    is_on_hold: bool = False

    @property
    def grand_total(self) -> Decimal:
        return sum((line.line_value for line in self.lines), self.shipping)


def ascii_text(text: str) -> str:
    """Å→A, ö→o, ß→ss and no spaces: how names end up in e-mail addresses."""
    return text.translate(_ASCII)


_ASCII = str.maketrans(
    {"å": "a", "ä": "a", "ö": "o", "ø": "o", "æ": "ae", "ü": "u", "ß": "ss", " ": ""}
    | {"Å": "A", "Ä": "A", "Ö": "O", "Ø": "O", "Æ": "AE"}
)
