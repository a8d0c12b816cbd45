"""Deterministic demo data for the sandboxes: a Nordic fashion brand, its customers and orders.

One generator feeds every sandbox, so the shop and the ERP share SKUs and prices the way a
merchant's real systems do. Each sandbox turns these neutral records into its own API's shape.
The same seed always gives the same data.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from stdnum import ean, luhn

from brygga.sandbox.duplicates import NearDuplicate, near_duplicates
from brygga.sandbox.refunds import Refund, refunds_for
from brygga.sandbox.seed_records import (  # re-exported: sandboxes read them as `seed.X`
    Address,
    Customer,
    Order,
    OrderLine,
    Product,
    Size,
    Variant,
    ascii_text,
    money,
)

# Rates to SEK, the brand's base currency (Centra's `conversionRate`, Fortnox `SellRate`).
RATES_TO_SEK = {
    "SEK": Decimal("1"),
    "EUR": Decimal("11.2"),
    "NOK": Decimal("0.98"),
    "DKK": Decimal("1.5"),
    "USD": Decimal("10.4"),
}
SHIPPING = {
    "SEK": Decimal("49"),
    "EUR": Decimal("5"),
    "NOK": Decimal("59"),
    "DKK": Decimal("39"),
    "USD": Decimal("9"),
}
FREE_SHIPPING_FROM_SEK = Decimal("1500")

# Swedish VAT classes. Below the OSS threshold EU consumers pay Swedish VAT; exports carry none.
EU = {"SE", "DK", "FI", "DE", "NL"}
COUNTRIES = {
    # country: currency, cities with postcodes, first names, last names, phone prefix
    "SE": ("SEK", [("Stockholm", "114 35"), ("Göteborg", "411 05"), ("Malmö", "211 22")]),
    "NO": ("NOK", [("Oslo", "0150"), ("Bergen", "5003")]),
    "DK": ("DKK", [("København", "1050"), ("Aarhus", "8000")]),
    "FI": ("EUR", [("Helsinki", "00100"), ("Tampere", "33100")]),
    "DE": ("EUR", [("Berlin", "10115"), ("Hamburg", "20095")]),
    "NL": ("EUR", [("Amsterdam", "1012 AB"), ("Utrecht", "3511 AA")]),
    "GB": ("EUR", [("London", "SW1A 1AA"), ("Manchester", "M1 1AE")]),
    "US": ("USD", [("New York", "10001"), ("Seattle", "98101")]),
}
CALLING_CODES = {"SE": 46, "NO": 47, "DK": 45, "FI": 358, "DE": 49, "NL": 31, "GB": 44, "US": 1}
COUNTRY_WEIGHTS = {"SE": 40, "NO": 10, "DK": 10, "FI": 10, "DE": 12, "NL": 8, "GB": 5, "US": 5}
FIRST_NAMES = [
    "Åsa", "Björn", "Märta", "Erik", "Karin", "Lars", "Sofia", "Jonas", "Ingrid", "Mikael",
    "Sanna", "Øystein", "Mette", "Jukka", "Anna", "Lukas", "Emma", "Daan", "Olivia", "Noah",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Öberg", "Lindqvist", "Nilsson", "Hansen", "Sørensen",
    "Virtanen", "Müller", "de Vries", "Smith", "Bergström", "Ekström", "Åkesson", "Larsen",
]  # fmt: skip
STREETS = [
    "Storgatan", "Drottninggatan", "Kungsgatan", "Strandvägen", "Karl Johans gate",
    "Strøget", "Mannerheimintie", "Torstraße", "Prinsengracht", "Baker Street", "Main Street",
]  # fmt: skip
COMPANIES = ["Nordljus", "Fjällmode", "Skärgård Retail", "Hav & Sten", "Tallbacken"]

GARMENTS = [
    ("Wool Sweater", 1299), ("Linen Shirt", 899), ("Merino Cardigan", 1599),
    ("Rain Jacket", 2199), ("Chino Trousers", 999), ("Organic T-Shirt", 349),
    ("Down Vest", 1899), ("Knitted Beanie", 299), ("Denim Jacket", 1499),
    ("Cotton Hoodie", 799), ("Wrap Dress", 1199), ("Pleated Skirt", 899),
]  # fmt: skip
COLOURS = ["Black", "Navy", "Sand", "Forest", "Rust"]
SIZES = ["XS", "S", "M", "L", "XL"]
# Items with reduced Swedish VAT so orders carry more than one rate (Mervärdesskattelag 9 kap.).
REDUCED = [("Lookbook 2026", 199, Decimal("6")), ("Fika Chocolate", 59, Decimal("12"))]


@dataclass
class DemoData:
    products: list[Product]
    customers: list[Customer]
    orders: list[Order]
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)


# Volumes for `--scale`: (orders, SKUs); customers follow the orders.
SCALES = {"small": (150, None), "medium": (10_000, 5_000), "large": (100_000, 50_000)}


def generate(
    seed: int = 42, orders: int = 150, customers: int | None = None, skus: int | None = None
) -> DemoData:
    """The demo data set. `customers` defaults to two thirds of `orders` (repeat buyers), plus
    about 5 % near-duplicates of them; `skus` grows the catalogue beyond its base range."""
    rng = random.Random(seed)
    products = _catalogue(skus)
    customer_count = customers if customers is not None else max(1, orders * 2 // 3)
    all_customers = [_customer(rng, number) for number in range(1, customer_count + 1)]
    # Separate streams, so adding them leaves the base customers and orders unchanged.
    twins, labels = near_duplicates(random.Random(seed + 1), all_customers)
    all_customers += twins
    all_orders = list(_orders(rng, products, all_customers, orders))
    refunds = refunds_for(random.Random(seed + 2), all_orders)
    return DemoData(products, all_customers, all_orders, labels, refunds)


def _catalogue(skus: int | None = None) -> list[Product]:
    """The base range (12 garments and 2 reduced-VAT items), then numbered editions of the
    garments until there are at least `skus` SKUs."""
    products: list[Product] = []
    for index, (name, sek_price) in enumerate(GARMENTS, start=1):
        products.append(_garment(index, name, sek_price))
    for index, (name, sek_price, rate) in enumerate(REDUCED, start=len(GARMENTS) + 1):
        number = f"NB{index:03d}"
        variants = [Variant("01", "Standard", [_size(number, 1, 1, "One Size")])]
        products.append(Product(number, name, rate, _prices(sek_price), variants))
    count = sum(len(product.skus) for product in products)
    index = len(products)
    while skus is not None and count < skus:
        index += 1
        name, sek_price = GARMENTS[index % len(GARMENTS)]
        product = _garment(index, f"{name} {index // len(GARMENTS)}", sek_price)
        products.append(product)
        count += len(product.skus)
    return products


def _garment(index: int, name: str, sek_price: int) -> Product:
    number = f"NB{index:03d}"
    variants = [
        Variant(
            variant_number=f"{vi:02d}",
            name=colour,
            sizes=[_size(number, vi, si, size) for si, size in enumerate(SIZES, start=1)],
        )
        for vi, colour in enumerate(COLOURS[: 2 + index % 3], start=1)
    ]
    return Product(number, name, Decimal(25), _prices(sek_price), variants)


def _size(product_number: str, variant: int, size: int, name: str) -> Size:
    code = f"7350{int(product_number[2:]):04d}{variant:02d}{size:02d}"
    sku = f"{product_number}-{variant:02d}-{size:02d}"
    return Size(sku, code + ean.calc_check_digit(code), name)


def _prices(sek: int) -> dict[str, Decimal]:
    prices = {"SEK": Decimal(sek)}
    for currency, rate in RATES_TO_SEK.items():
        if currency != "SEK":
            prices[currency] = Decimal(round(Decimal(sek) / rate)) - Decimal("0.05")
    return prices


def _customer(rng: random.Random, number: int) -> Customer:
    country = rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    city, postcode = rng.choice(COUNTRIES[country][1])
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{ascii_text(first)}.{ascii_text(last)}{number}@example.{country.lower()}".lower()
    phone = f"+{CALLING_CODES[country]} 70 {rng.randint(100, 999)} {rng.randint(10, 99)}"
    phone += f" {rng.randint(10, 99)}"
    company = organisation_number = vat_number = ""
    if country == "SE" and rng.random() < 0.15:
        company = f"{rng.choice(COMPANIES)} AB"
        organisation_number = _swedish_organisation_number(rng)
        vat_number = "SE" + organisation_number.replace("-", "") + "01"
    address = Address(
        first_name=first,
        last_name=last,
        company=company,
        line1=f"{rng.choice(STREETS)} {rng.randint(1, 80)}",
        line2=rng.choice(["", "", "", f"lgh {rng.randint(1001, 1400)}"]),
        postcode=postcode,
        city=city,
        country=country,
        email=email,
        phone=phone,
        vat_number=vat_number,
    )
    created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 240))
    return Customer(number, email, first, last, phone, address, organisation_number, created)


def _swedish_organisation_number(rng: random.Random) -> str:
    body = f"55{rng.randint(0, 9999999):07d}"
    digits = body + luhn.calc_check_digit(body)
    return f"{digits[:6]}-{digits[6:]}"


def _orders(
    rng: random.Random, products: list[Product], customers: list[Customer], count: int
) -> Iterator[Order]:
    start = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    step = timedelta(days=60) / max(count, 1)
    line_id = 0
    for index in range(count):
        customer = customers[index % len(customers)] if index < len(customers) else None
        customer = customer or rng.choice(customers)
        country = customer.address.country
        currency = COUNTRIES[country][0]
        lines = []
        for product in rng.sample(products, rng.choice([1, 1, 2, 2, 3])):
            size = rng.choice(product.skus)
            line_id += 1
            original = product.prices[currency]
            discount = rng.choice([0, 0, 0, 0, 10, 20])
            price = money(original * (100 - discount) / 100)
            rate = product.tax_percent if country in EU else Decimal(0)
            lines.append(
                OrderLine(line_id, size.sku, size.ean, product.name, size.name,
                          rng.choice([1, 1, 1, 2, 3]), original, price, rate)
            )  # fmt: skip
        goods = sum((line.line_value for line in lines), Decimal(0))
        free = goods * RATES_TO_SEK[currency] >= FREE_SHIPPING_FROM_SEK
        shipping = Decimal(0) if free else SHIPPING[currency]
        created = start + step * index + timedelta(minutes=rng.randint(0, 30))
        yield Order(
            id=hashlib.md5(f"order-{index}".encode()).hexdigest(),
            number=1001 + index,
            status=rng.choice(["CONFIRMED", "CONFIRMED", "PROCESSING", "SHIPPED"]),
            created_at=created,
            customer_id=customer.id,
            currency=currency,
            conversion_rate=RATES_TO_SEK[currency],
            lines=lines,
            shipping=money(shipping),
            shipping_tax_percent=Decimal(25) if country in EU else Decimal(0),
            billing_address=customer.address,
            shipping_address=customer.address,
            is_on_hold=rng.random() < 0.02,
        )
