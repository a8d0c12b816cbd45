"""The exchange rate an order is booked at: the setting `exchange_rate_source`, its table and
its errors (brygga.engine.finance.rates). The ERP lookups are in
tests/connectors/test_exchange_rates.py, against the sandboxes."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from brygga.engine.finance import FinanceError
from brygga.engine.finance.rates import (
    ExchangeRate,
    RateSource,
    exchange_rate,
    rate_source,
    rate_table,
    rated,
    stamped,
)
from brygga.engine.protocols import Written
from brygga.model import Customer, Money, Order, OrderLine

DAY = date(2026, 9, 2)


def order(currency: str = "EUR", rate: str = "11.2", base: str = "SEK") -> Order:
    price = Money.of("100.00", currency)
    line = OrderLine(source_id="1", sku="A", description="A", quantity=Decimal(1),
                     unit_price=price, tax_rate=Decimal(25))  # fmt: skip
    return Order(source_id="1", number="1001", created_at=datetime(2026, 9, 2, 8, tzinfo=UTC),
                 currency=currency, exchange_rate=Decimal(rate), base_currency=base,
                 customer=Customer(source_id="c"), lines=[line], grand_total=price)  # fmt: skip


class Erp:
    """An ERP lookup that counts its calls."""

    def __init__(self, rate: str = "11.45") -> None:
        self.rate = Decimal(rate)
        self.calls: list[tuple[str, date]] = []

    async def __call__(self, currency: str, day: date) -> ExchangeRate:
        self.calls.append((currency, day))
        return ExchangeRate(currency, "SEK", self.rate, RateSource.ERP, date(2026, 9, 1))


async def rate_of(record: Order, erp: Erp | None = None, **settings) -> ExchangeRate:
    return await exchange_rate(record, settings, base_currency="SEK", day=DAY, erp=erp or Erp())


async def test_the_shop_rate_is_the_default_and_asks_the_erp_nothing():
    erp = Erp()
    found = await rate_of(order(), erp)
    assert found == ExchangeRate("EUR", "SEK", Decimal("11.2"), RateSource.SHOP, DAY)
    assert erp.calls == []
    assert (await rate_of(order(), erp, exchange_rate_source="shop")).rate == Decimal("11.2")
    assert erp.calls == []


async def test_the_erp_source_asks_the_erp_for_the_order_date():
    erp = Erp("11.45")
    found = await rate_of(order(), erp, exchange_rate_source="erp")
    assert (found.rate, found.source, found.day) == (Decimal("11.45"), RateSource.ERP,
                                                      date(2026, 9, 1))  # fmt: skip
    assert erp.calls == [("EUR", DAY)]


async def test_the_table_gives_base_currency_units_per_unit():
    table = {"EUR": "11.37", "nok": "0.98", "DKK": 2}
    found = await rate_of(order(), exchange_rate_source="table", exchange_rates=table)
    assert found == ExchangeRate("EUR", "SEK", Decimal("11.37"), RateSource.TABLE, DAY)
    found = await rate_of(order("NOK"), exchange_rate_source="TABLE", exchange_rates=table)
    assert found.rate == Decimal("0.98")
    assert rate_table({"exchange_rates": table})["DKK"] == Decimal(2)


async def test_an_order_in_the_base_currency_is_always_at_rate_1():
    erp = Erp()
    for settings in ({}, {"exchange_rate_source": "erp"}, {"exchange_rate_source": "table"}):
        found = await rate_of(order("SEK", rate="1"), erp, **settings)
        assert (found.rate, found.currency, found.base_currency) == (Decimal(1), "SEK", "SEK")
    assert erp.calls == []
    # Even when the shop's base is another currency: the ERP books SEK as SEK.
    assert (await rate_of(order("SEK", rate="0.087", base="EUR"))).rate == Decimal(1)


async def test_a_currency_missing_from_the_table_names_the_setting():
    with pytest.raises(FinanceError) as raised:
        await rate_of(order("USD"), exchange_rate_source="table", exchange_rates={"EUR": "11.37"})
    message = str(raised.value)
    assert "order 1001 is in USD" in message and "exchange_rates" in message
    with pytest.raises(FinanceError, match="exchange_rates"):
        await rate_of(order(), exchange_rate_source="table")  # no table at all


async def test_an_unknown_source_names_the_setting_and_the_allowed_values():
    with pytest.raises(FinanceError) as raised:
        await rate_of(order(), exchange_rate_source="ecb")
    assert str(raised.value) == (
        'the setting exchange_rate_source is \'ecb\'; it must be one of "shop", "erp", "table"'
    )
    with pytest.raises(FinanceError, match="exchange_rate_source"):
        await rate_of(order("SEK", rate="1"), exchange_rate_source="ecb")  # even at rate 1
    assert rate_source({}) is RateSource.SHOP


@pytest.mark.parametrize(
    ("table", "wrong"),
    [
        ({"EURO": "11.37"}, "'EURO', which is not an ISO 4217 currency code"),
        ({"XXY": "1"}, "'XXY', which is not an ISO 4217 currency code"),
        ({"EUR": 11.37}, "gives EUR the rate 11.37"),  # a float lost the typed rate
        ({"EUR": "0"}, "gives EUR the rate '0'"),
        ({"EUR": "-1"}, "gives EUR the rate '-1'"),
        ({"EUR": "elva"}, "gives EUR the rate 'elva'"),
        ({"EUR": "NaN"}, "gives EUR the rate 'NaN'"),
        ({"EUR": True}, "gives EUR the rate True"),
        (["EUR", "11.37"], "must map currency codes to rates"),
    ],
)
def test_a_wrong_table_says_which_entry(table, wrong):
    with pytest.raises(FinanceError) as raised:
        rate_table({"exchange_rates": table})
    assert wrong in str(raised.value) and "exchange_rates" in str(raised.value)


async def test_the_shop_rate_to_another_base_currency_is_refused():
    with pytest.raises(FinanceError) as raised:
        await rate_of(order("EUR", rate="7.46", base="DKK"))
    assert "converts EUR to DKK" in str(raised.value) and "keeps its books in SEK" in str(
        raised.value
    )
    found = await rate_of(order("EUR", rate="7.46", base="DKK"), exchange_rate_source="erp")
    assert found.rate == Decimal("11.45")


def test_the_rated_order_and_the_stored_note():
    rate = ExchangeRate("EUR", "SEK", Decimal("11.37"), RateSource.TABLE, DAY)
    record = rated(order(base="DKK"), rate)
    assert (record.exchange_rate, record.base_currency) == (Decimal("11.37"), "SEK")
    written = stamped(Written("7", {"DocumentNumber": "7"}), rate)
    assert written.payload == {
        "DocumentNumber": "7",
        "_brygga": {
            "exchange_rate": {
                "currency": "EUR",
                "base_currency": "SEK",
                "rate": Decimal("11.37"),
                "source": "table",
                "date": "2026-09-02",
                "applied_in_erp": True,
            }
        },
    }
    assert stamped(Written("7", {"a": 1}), None).payload == {"a": 1}
    unapplied = stamped(Written("7", {}), rate, applied=False).payload
    assert unapplied["_brygga"]["exchange_rate"]["applied_in_erp"] is False
