"""Hypothesis strategies for shop orders across VAT rates, currencies, discounts and shipping.

Shops round VAT per line; some give their figure (Magento, Centra), and a shop's figure may
sit a cent off Brygga's own arithmetic, as delta rounding does (Magento's total method).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import strategies as st

from brygga.model import CENT, Address, Customer, Discount, Money, Order, OrderLine, Shipping

RATES = [Decimal(25), Decimal(12), Decimal(6), Decimal(0)]
CURRENCIES = {"SEK": Decimal(1), "EUR": Decimal("11.37"), "NOK": Decimal("0.98"),
              "USD": Decimal("10.42")}  # fmt: skip


def vat_in(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


cents = st.integers(min_value=1, max_value=500_000).map(lambda n: Decimal(n) / 100)


@st.composite
def orders(draw: st.DrawFn, currency: str | None = None, country: str = "SE") -> Order:
    """A VAT-inclusive shop order with 1-8 lines, maybe shipping and order discounts."""
    currency = currency or draw(st.sampled_from(sorted(CURRENCIES)))
    lines = []
    for index in range(draw(st.integers(1, 8))):
        rate = draw(st.sampled_from(RATES))
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
        rate = draw(st.sampled_from([line.tax_rate for line in lines] + [Decimal(25)]))
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
            source_id="c1",
            email="buyer@example.se",
            first_name="Elsa",
            last_name="Berg",
            address=Address(
                name="Elsa Berg",
                line1="Storgatan 1",
                postcode="111 22",
                city="Stockholm",
                country=country,
            ),
        ),
        lines=lines,
        shipping=shipping,
        discounts=discounts,
        grand_total=Money(amount=total, currency=currency),
    )
