"""The booking rule: the ERP's own VAT arithmetic on Brygga's lines gives the shop's figures.

Property-based over 10,000 generated orders, then hand-worked examples with the numbers
written out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brygga.engine.finance import FinanceError, Kind, book, erp_vat, nearest_net_with_vat
from brygga.engine.finance.booking import erp_vat_in
from brygga.model import Customer, Discount, Money, Order, OrderLine, Shipping
from tests.support.orders import orders

ZERO = Decimal(0)


@settings(max_examples=10_000, deadline=None, database=None)
@given(orders(tax_cases=True))
def test_the_erps_vat_on_the_booked_lines_is_the_shops_to_the_cent(order: Order) -> None:
    booking = book(order)
    shop = order.totals()
    assert shop.differences(booking.totals()) == []
    assert booking.gross == order.grand_total.amount
    nets: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in booking.lines:
        nets[line.rate] += line.net
    for rate, net in nets.items():
        # What Fortnox and Visma.net will compute from the lines they are sent.
        assert erp_vat(net, rate) == booking.tax.get(rate, ZERO), rate
        # A rate's net moves off the shop's only where the ERP could not book the shop's VAT.
        shop_net = {t.rate: t.taxable.amount for t in order.tax_lines}.get(rate, ZERO)
        booked_net = net - (booking.rounding if rate == 0 else 0)
        if booked_net != shop_net:
            assert erp_vat(shop_net, rate) != booking.tax[rate], rate
            step = Decimal("0.01") if booked_net < shop_net else Decimal("-0.01")
            assert erp_vat(booked_net + step, rate) != booking.tax[rate], "not the nearest"
    assert [line.line for line in booking.goods()] == list(order.lines)


@settings(max_examples=2_000, deadline=None, database=None)
@given(orders(tax_cases=True), st.booleans())
def test_gross_priced_erps_take_the_shops_vat_out_of_each_rates_gross(
    order: Order, shipping_apart: bool
) -> None:
    """Fortnox with `VATIncluded`: goods rows and discounts as the shop sold them, shipping
    as `Freight` (VAT of its own) or as a row, plus the booking's rounding rows."""
    booking = book(order, gross_prices=True, shipping_apart=shipping_apart)
    assert order.totals().differences(booking.totals()) == []
    gross: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in order.lines:
        gross[line.tax_rate] += line.total.amount
    for discount in order.discounts:
        gross[discount.tax_rate] -= discount.amount.amount
    freight_vat = ZERO
    if order.shipping is not None:
        if shipping_apart:
            freight_vat = erp_vat_in(order.shipping.amount.amount, order.shipping.tax_rate)
        else:
            gross[order.shipping.tax_rate] += order.shipping.amount.amount
    for line in booking.lines:
        if line.kind is Kind.ROUNDING:
            gross[line.rate] += line.net
    for rate, amount in gross.items():
        apart = freight_vat if order.shipping and order.shipping.tax_rate == rate else ZERO
        assert erp_vat_in(amount, rate) + apart == booking.tax.get(rate, ZERO), rate
    # Goods stay as the shop sold them; the rounding rows cancel out in the total.
    assert [line.line for line in booking.goods()] == list(order.lines)
    assert booking.rounding == 0


def sek(amount: str) -> Money:
    return Money.of(amount, "SEK")


def line(number: int, price: str, rate: int, quantity: int = 1, tax: str | None = None):
    return OrderLine(
        source_id=str(number),
        sku=f"SKU-{number}",
        description=f"Item {number}",
        quantity=Decimal(quantity),
        unit_price=sek(price),
        tax_rate=Decimal(rate),
        tax=sek(tax) if tax is not None else None,
    )


def order(lines, total: str, shipping=None, discounts=()) -> Order:
    return Order(
        source_id="1",
        number="1001",
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
        currency="SEK",
        exchange_rate=Decimal(1),
        customer=Customer(source_id="c", email="a@example.se"),
        lines=lines,
        shipping=shipping,
        discounts=list(discounts),
        grand_total=sek(total),
    )


def test_per_line_vat_that_the_erp_would_round_differently_gets_a_rounding_line():
    # Two lines of 1.03 at 25 %: the shop books 0.21 + 0.21 = 0.42 VAT, net 1.64.
    # Sent 1.64 net, an ERP books round(1.64 * 0.25) = 0.41. The nearest net carrying 0.42
    # is 1.66 (0.415 rounds up; 1.65 gives 0.4125), so 1.66 at 25 % and -0.02 at 0 %; the
    # first of the largest lines takes the two cents.
    booking = book(order([line(1, "1.03", 25), line(2, "1.03", 25)], "2.06"))
    assert [(entry.kind, entry.net, entry.rate) for entry in booking.lines] == [
        (Kind.GOODS, Decimal("0.84"), Decimal(25)),
        (Kind.GOODS, Decimal("0.82"), Decimal(25)),
        (Kind.ROUNDING, Decimal("-0.02"), ZERO),
    ]
    assert booking.tax == {Decimal(25): Decimal("0.42")}
    assert (booking.net, booking.gross) == (Decimal("1.64"), Decimal("2.06"))


def test_exact_orders_need_no_rounding_line():
    # 499.00 at 25 %: VAT 99.80, net 399.20; 119.00 at 12 %: VAT 12.75, net 106.25;
    # shipping 49.00 at 25 %: VAT 9.80, net 39.20. At 25 %: net 438.40, VAT 109.60 exactly.
    shipping = Shipping(amount=sek("49.00"), tax_rate=Decimal(25))
    booking = book(order([line(1, "499.00", 25), line(2, "119.00", 12)], "667.00", shipping))
    assert booking.rounding == 0
    assert [(entry.kind, entry.net) for entry in booking.lines] == [
        (Kind.GOODS, Decimal("399.20")),
        (Kind.GOODS, Decimal("106.25")),
        (Kind.SHIPPING, Decimal("39.20")),
    ]
    assert booking.tax == {Decimal(12): Decimal("12.75"), Decimal(25): Decimal("109.60")}


def test_an_order_discount_comes_off_the_goods_of_its_rate_in_proportion():
    # 100 SEK off at 25 % (VAT 20.00) over 300.00 and 100.00 at 25 %: 75.00 and 25.00 gross,
    # VAT 15.00 and 5.00. Lines: 240.00 - 60.00 = 180.00 and 80.00 - 20.00 = 60.00 net.
    voucher = Discount(description="Voucher", amount=sek("100.00"), tax_rate=Decimal(25))
    lines = [line(1, "300.00", 25), line(2, "100.00", 25), line(3, "50.00", 6)]
    booking = book(order(lines, "350.00", discounts=[voucher]))
    assert [entry.net for entry in booking.goods()] == [
        Decimal("180.00"),
        Decimal("60.00"),
        Decimal("47.17"),
    ]
    assert booking.tax == {Decimal(6): Decimal("2.83"), Decimal(25): Decimal("60.00")}


def test_a_discount_at_a_rate_without_goods_is_refused_with_a_reason():
    voucher = Discount(description="Gift wrap off", amount=sek("10.00"), tax_rate=Decimal(12))
    with pytest.raises(FinanceError, match="no goods at that rate"):
        book(order([line(1, "100.00", 25)], "90.00", discounts=[voucher]))


def test_the_nearest_net_is_the_shops_when_it_already_fits():
    assert nearest_net_with_vat(Decimal("399.20"), Decimal("99.80"), Decimal(25)) == Decimal(
        "399.20"
    )
    assert nearest_net_with_vat(Decimal("17.83"), Decimal("2.15"), Decimal(12)) == Decimal(
        "17.88"
    )  # 2.15 needs at least 17.88 * 0.12 = 2.1456
    with pytest.raises(FinanceError, match="0 %"):
        nearest_net_with_vat(Decimal("10.00"), Decimal("0.01"), ZERO)
