from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from brygga.model import Address, Customer, Money, Order, OrderLine, Shipping, Variant


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def order(**overrides) -> Order:
    fields = {
        "source_id": "1001",
        "number": "1001",
        "created_at": datetime(2026, 9, 1, 8, tzinfo=UTC),
        "currency": "EUR",
        "exchange_rate": Decimal("11.2"),
        "customer": Customer(source_id="7", email="anna@example.fi"),
        "lines": [
            OrderLine(
                source_id="1",
                sku="NB001-01-01",
                description="Wool Sweater XS",
                quantity=Decimal(3),
                unit_price=eur("33.33"),
                unit_list_price=eur("41.66"),
                tax_rate=Decimal(25),
            )
        ],
        "shipping": Shipping(amount=eur("5.00"), tax_rate=Decimal(25)),
        "grand_total": eur("104.99"),
    }
    return Order(**(fields | overrides))


def test_money_refuses_floats_with_a_clear_message():
    with pytest.raises(ValidationError, match="is a float; pass a Decimal or a string"):
        Money(amount=0.1, currency="EUR")
    with pytest.raises(TypeError):
        eur("1") * 1.5


def test_money_needs_an_iso_currency_and_keeps_cents_exact():
    with pytest.raises(ValidationError, match="not an ISO 4217 currency code"):
        Money.of("1", "EUO")
    assert Money.of("0.10", "sek").currency == "SEK"
    assert (eur("0.10") + eur("0.20")).amount == Decimal("0.30")
    assert (eur("2.675") * 1).rounded().amount == Decimal("2.68")  # half-up, not banker's


def test_money_does_not_mix_currencies():
    with pytest.raises(ValueError, match="cannot combine EUR with SEK"):
        eur("1") + Money.of("1", "SEK")


def test_address_needs_an_iso_country():
    assert Address(country="fi").in_eu
    assert not Address(country="NO").in_eu
    with pytest.raises(ValidationError, match="not an ISO 3166-1 alpha-2 country code"):
        Address(country="XX")


def test_order_total_must_add_up_to_the_cent():
    assert order().computed_total() == eur("104.99")
    assert order().lines[0].discount == eur("24.99")
    with pytest.raises(ValidationError, match=r"add up to 104\.99 EUR, but the shop's total is"):
        order(grand_total=eur("105.00"))


def test_order_amounts_share_the_order_currency():
    with pytest.raises(ValidationError, match="is in EUR but has an amount in SEK"):
        order(shipping=Shipping(amount=Money.of("49", "SEK"), tax_rate=Decimal(25)))


def test_order_needs_lines_and_positive_quantities():
    with pytest.raises(ValidationError):
        order(lines=[])
    line = order().lines[0]
    with pytest.raises(ValidationError):
        OrderLine(**(line.model_dump() | {"quantity": Decimal(0)}))


def test_customer_name_prefers_company_and_blank_email_is_none():
    assert Customer(source_id="1", first_name="Åsa", last_name="Öberg").name == "Åsa Öberg"
    assert Customer(source_id="1", first_name="Åsa", company="Nordljus AB").name == "Nordljus AB"
    assert Customer(source_id="1", email="").email is None
    with pytest.raises(ValidationError):
        Customer(source_id="1", email="not-an-email")


def test_variant_checks_the_ean_check_digit():
    assert Variant(sku="A", name="A", ean="7350001101057").ean
    with pytest.raises(ValidationError, match="not a valid EAN"):
        Variant(sku="A", name="A", ean="7350001101058")


def test_tax_lines_sum_each_lines_vat_per_rate_preferring_the_shops_own():
    book = OrderLine(
        source_id="2",
        sku="NB013-01-01",
        description="Lookbook",
        quantity=Decimal(1),
        unit_price=eur("17.95"),
        tax_rate=Decimal(6),
    )
    tax_lines = order(lines=[*order().lines, book], grand_total=eur("122.94")).tax_lines
    assert [(t.rate, t.taxable.amount, t.tax.amount) for t in tax_lines] == [
        (Decimal(6), Decimal("16.93"), Decimal("1.02")),
        (Decimal(25), Decimal("83.99"), Decimal("21.00")),
    ]
    net = order(prices_include_tax=False).tax_lines
    assert [(t.taxable.amount, t.tax.amount) for t in net] == [
        (Decimal("104.99"), Decimal("26.25"))
    ]
    # Two lines of 1.03 at 25 %: 0.21 VAT each, rounded per line, not 0.41 on 2.06.
    pair = [book.model_copy(update={"source_id": n, "unit_price": eur("1.03"),
                                    "tax_rate": Decimal(25)}) for n in "ab"]  # fmt: skip
    per_line = order(lines=pair, shipping=None, grand_total=eur("2.06")).tax_lines
    assert [(t.taxable.amount, t.tax.amount) for t in per_line] == [
        (Decimal("1.64"), Decimal("0.42"))
    ]
    # The shop's own figure wins over Brygga's arithmetic.
    told = [pair[0].model_copy(update={"tax": eur("0.20")}), pair[1]]
    shop = order(lines=told, shipping=None, grand_total=eur("2.06")).totals()
    assert (shop.net, shop.tax, shop.gross) == (
        Decimal("1.65"),
        {Decimal(25): Decimal("0.41")},
        Decimal("2.06"),
    )
