"""Shipping VAT as the shop charged it (one rate, or split over the goods' rates) and the
`shipping_vat` setting's check. The worked figures are in the comments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from brygga.engine.finance import FinanceError, TaxPolicy, book, decide
from brygga.engine.finance.shipping import shop_shipping
from brygga.model import Customer, Money, Order, OrderLine, Shipping, ShippingPart


def sek(amount: str) -> Money:
    return Money.of(amount, "SEK")


def line(sku: str, price: str, rate: str) -> OrderLine:
    return OrderLine(source_id=sku, sku=sku, description=sku, quantity=Decimal(1),
                     unit_price=sek(price), tax_rate=Decimal(rate))  # fmt: skip


MIXED = [line("SHIRT", "100.00", "25"), line("FOOD", "112.00", "12")]


def order(lines: list[OrderLine], shipping: Shipping) -> Order:
    total = sum((item.total.amount for item in lines), shipping.amount.amount)
    return Order(source_id="1", number="1", created_at=datetime(2026, 12, 1, tzinfo=UTC),
                 currency="SEK", exchange_rate=Decimal(1), customer=Customer(source_id="c"),
                 lines=lines, shipping=shipping, grand_total=sek(str(total)))  # fmt: skip


def test_shipping_split_over_the_goods_rates_is_read_as_a_part_per_rate():
    """50.00 of shipping on goods of 100.00 at 25 % and 112.00 at 12 %, split by gross:
    50 × 100/212 = 23.584… and 50 × 112/212 = 26.415…, in cents 23.58 and 26.42 (the odd cent to
    the larger remainder). VAT 23.58 × 25/125 = 4.716 → 4.72 and 26.42 × 12/112 = 2.830… →
    2.83: the shop's blended 7.55 (Centra gives only that figure)."""
    shipping = shop_shipping(sek("50.00"), sek("7.55"), MIXED, prices_include_tax=True)
    assert [(p.tax_rate, p.amount.amount, p.tax.amount) for p in shipping.parts] == [
        (Decimal(25), Decimal("23.58"), Decimal("4.72")),
        (Decimal(12), Decimal("26.42"), Decimal("2.83")),
    ]
    assert shipping.tax_rate == 12  # the largest part's
    booked = order(MIXED, shipping)
    # VAT per rate: 20.00 + 4.72 at 25 %, 12.00 + 2.83 at 12 %.
    assert booked.totals().tax == {Decimal(12): Decimal("14.83"), Decimal(25): Decimal("24.72")}
    assert [(b.rate, b.net) for b in book(booked).shipping()] == [
        (Decimal(25), Decimal("18.86")),  # 23.58 - 4.72
        (Decimal(12), Decimal("23.59")),  # 26.42 - 2.83
    ]


def test_shipping_at_one_rate_stays_one_rate():
    # 50.00 at 25 % holds 10.00 of VAT: the goods' 25 %, not a split.
    shipping = shop_shipping(sek("50.00"), sek("10.00"), MIXED, prices_include_tax=True)
    assert (shipping.tax_rate, shipping.parts) == (Decimal(25), [])
    # A shop VAT a cent off (rounded on the net: 40.01 × 25 % = 10.0025 → 10.00 in 50.01).
    shipping = shop_shipping(sek("50.01"), sek("10.00"), MIXED, prices_include_tax=True)
    assert (shipping.tax_rate, shipping.parts) == (Decimal(25), [])


def test_a_rate_no_split_explains_is_the_nearest_whole_percent():
    # 25 % on books at 6 %: 10.00 of VAT in 50.00 is 25 % of 40.00.
    books = [line("BOOK", "106.00", "6")]
    shipping = shop_shipping(sek("50.00"), sek("10.00"), books, prices_include_tax=True)
    assert (shipping.tax_rate, shipping.parts) == (Decimal(25), [])


def test_the_goods_setting_refuses_shipping_vat_that_does_not_follow_the_goods():
    books = [line("BOOK", "106.00", "6")]
    at_25 = shop_shipping(sek("50.00"), sek("10.00"), books, prices_include_tax=True)
    policy = TaxPolicy.of({"shipping_vat": "goods"})
    with pytest.raises(FinanceError, match="shipping VAT at 25 % on goods at 6 %") as refused:
        decide(order(books, at_25), policy)
    assert "shipping_vat to 'shop'" in str(refused.value)
    decide(order(books, at_25), TaxPolicy.of({}))  # the default books it as the shop did

    one_rate = shop_shipping(sek("50.00"), sek("10.00"), MIXED, prices_include_tax=True)
    with pytest.raises(FinanceError, match="must be split over the goods' rates"):
        decide(order(MIXED, one_rate), policy)
    split = shop_shipping(sek("50.00"), sek("7.55"), MIXED, prices_include_tax=True)
    decide(order(MIXED, split), policy)


def test_an_unknown_shipping_vat_setting_is_named():
    split = shop_shipping(sek("50.00"), sek("7.55"), MIXED, prices_include_tax=True)
    with pytest.raises(FinanceError, match="shipping_vat setting is 'proportional'"):
        decide(order(MIXED, split), TaxPolicy.of({"shipping_vat": "proportional"}))


def test_parts_must_add_up_to_the_shipping():
    part = ShippingPart(tax_rate=Decimal(25), amount=sek("20.00"), tax=sek("4.00"))
    with pytest.raises(ValidationError, match=r"parts add up to 20\.00"):
        Shipping(amount=sek("50.00"), tax_rate=Decimal(25), tax=sek("4.00"), parts=[part])
