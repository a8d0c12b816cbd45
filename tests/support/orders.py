"""Hypothesis strategies for shop orders across tax cases, VAT rates, currencies, discounts and
shipping.

Shops round VAT per line; some give their figure (Magento, Centra), and a shop's figure may
sit a cent off Brygga's own arithmetic, as delta rounding does (Magento's total method).

Each tax case is a buyer and the rates a Swedish seller charges them: domestic, an EU business
(reverse charge, no VAT), an EU consumer (Swedish VAT), an EU consumer under OSS (German VAT:
`case_settings` turns OSS on for those orders), and export (no VAT).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import strategies as st

from brygga.model import (
    CENT,
    Address,
    Customer,
    CustomerType,
    Discount,
    Money,
    Order,
    OrderLine,
    Shipping,
)

RATES = [Decimal(25), Decimal(12), Decimal(6), Decimal(0)]
GERMAN_VAT_NUMBER = "DE136695976"  # a valid check digit (python-stdnum)


@dataclass(frozen=True)
class Buyer:
    case: str
    country: str
    rates: list[Decimal]
    vat_number: str = ""


BUYERS = [
    Buyer("domestic", "SE", RATES),
    Buyer("eu_b2b", "DE", [Decimal(0)], GERMAN_VAT_NUMBER),
    Buyer("eu_b2c", "FI", RATES[:3]),
    Buyer("eu_b2c_oss", "DE", [Decimal(19), Decimal(7)]),
    Buyer("export", "US", [Decimal(0)]),
]
# What the sandbox companies need for German OSS sales (Fortnox account, Visma.net zone and
# categories); see case_settings.
OSS_SETTINGS = {
    "oss_accounts": {"DE": 3011},
    "oss_vat_zones": {"DE": "11"},
    "oss_vat_categories": {"DE": {"19": "11", "7": "12"}},
}


def case_settings(order: Order) -> dict[str, object]:
    """The flow settings an order of `orders(tax_cases=True)` is booked with: OSS on for a
    German consumer charged German VAT."""
    country = order.customer.address.country if order.customer.address else "SE"
    return OSS_SETTINGS | {"oss": country == "DE" and not order.customer.vat_number}


CURRENCIES = {"SEK": Decimal(1), "EUR": Decimal("11.37"), "NOK": Decimal("0.98"),
              "USD": Decimal("10.42")}  # fmt: skip


def vat_in(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


cents = st.integers(min_value=1, max_value=500_000).map(lambda n: Decimal(n) / 100)


@st.composite
def orders(draw: st.DrawFn, currency: str | None = None, tax_cases: bool = False) -> Order:
    """A VAT-inclusive shop order with 1-8 lines, maybe shipping and order discounts; a
    domestic one, or with `tax_cases` one of any tax case (BUYERS)."""
    currency = currency or draw(st.sampled_from(sorted(CURRENCIES)))
    buyer = draw(st.sampled_from(BUYERS)) if tax_cases else BUYERS[0]
    lines = []
    for index in range(draw(st.integers(1, 8))):
        rate = draw(st.sampled_from(buyer.rates))
        quantity = Decimal(draw(st.integers(1, 5)))
        unit = draw(cents)
        gross = (unit * quantity).quantize(CENT)
        shop_tax = None
        if draw(st.booleans()):  # the shop gives its figure, maybe a cent off ours
            nudge = draw(st.sampled_from([0, 0, 0, 1, -1])) * CENT if rate else Decimal(0)
            told = vat_in(gross, rate) + nudge
            shop_tax = Money(amount=told if 0 <= told < gross else vat_in(gross, rate),
                             currency=currency)  # fmt: skip
        lines.append(
            OrderLine(
                source_id=str(index),
                sku=f"SKU-{index}",
                description=f"Item {index}",
                quantity=quantity,
                unit_price=Money(amount=unit, currency=currency),
                tax_rate=rate,
                tax=shop_tax,
            )
        )
    shipping = None
    if draw(st.booleans()):
        amount = draw(st.integers(1, 20_000).map(lambda n: Decimal(n) / 100))
        rate = draw(st.sampled_from([line.tax_rate for line in lines] + buyer.rates[:1]))
        shipping = Shipping(amount=Money(amount=amount, currency=currency), tax_rate=rate)
    discounts = []
    if draw(st.booleans()):
        rate = draw(st.sampled_from([line.tax_rate for line in lines]))
        at_rate = sum((line.total.amount for line in lines if line.tax_rate == rate), Decimal(0))
        share = Decimal(draw(st.integers(1, 100))) / 100
        amount = (at_rate * share).quantize(CENT, ROUND_HALF_UP)
        if amount > 0:
            discounts.append(
                Discount(
                    description="Voucher",
                    amount=Money(amount=amount, currency=currency),
                    tax_rate=rate,
                )
            )
    total = sum((line.total.amount for line in lines), Decimal(0))
    total += shipping.amount.amount if shipping else 0
    total -= sum((discount.amount.amount for discount in discounts), Decimal(0))
    return Order(
        source_id="1",
        number=str(draw(st.integers(1000, 999_999))),
        created_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        currency=currency,
        exchange_rate=CURRENCIES[currency],
        customer=Customer(
            source_id=f"c-{buyer.case}",
            email=f"{buyer.case.replace('_', '-')}@example.com",
            first_name="Elsa",
            last_name="Berg",
            company="Handel GmbH" if buyer.vat_number else "",
            type=CustomerType.COMPANY if buyer.vat_number else CustomerType.PRIVATE,
            vat_number=buyer.vat_number,
            address=Address(
                name="Elsa Berg",
                line1="Storgatan 1",
                postcode="111 22",
                city="Stockholm",
                country=buyer.country,
            ),
        ),
        lines=lines,
        shipping=shipping,
        discounts=discounts,
        grand_total=Money(amount=total, currency=currency),
    )


def sample_order(number: str, buyer: Customer, currency: str = "EUR", **fields: object) -> Order:
    """The connector tests' hand-made order: 2 × 103.95 at 25 %, 17.95 at 6 %, shipping 5.00
    at 25 %, VAT included, 230.85 in all; `fields` replace any of its values."""
    money = lambda amount: Money.of(amount, currency)  # noqa: E731
    values: dict[str, object] = dict(
        source_id=number,
        number=number,
        created_at=datetime(2026, 9, 1, 22, 30, tzinfo=UTC),  # 00:30 on 2 Sept in Stockholm
        currency=currency,
        exchange_rate=Decimal("11.2"),
        customer=buyer,
        lines=[
            OrderLine(
                source_id="1",
                sku="NB001-01-01",
                description="Wool Sweater XS",
                quantity=Decimal(2),
                unit_price=money("103.95"),
                tax_rate=Decimal(25),
            ),
            OrderLine(
                source_id="2",
                sku="NB013-01-01",
                description="Lookbook 2026",
                quantity=Decimal(1),
                unit_price=money("17.95"),
                tax_rate=Decimal(6),
            ),
        ],
        shipping=Shipping(amount=money("5.00"), tax_rate=Decimal(25)),
        grand_total=money("230.85"),
    )
    return Order(**(values | fields))
