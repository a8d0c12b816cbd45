"""The exchange rate an order in a foreign currency is booked at, and where it came from.

The order keeps the currency the customer paid in; the ERP books it in its own currency at a
rate chosen by the flow setting `exchange_rate_source`:

- "shop" (default): the rate the shop recorded on the order (`Order.exchange_rate`);
- "erp": the ERP's own rate for the order date (the connector looks it up, e.g. Fortnox
  `/3/currencies`, Visma.net `/v2/currencyrate`);
- "table": the setting `exchange_rates`, e.g. `{"EUR": "11.37", "NOK": "0.98"}`.

Every rate is in base-currency units per one unit of the order currency. An order in the ERP's
base currency is always at rate 1. Settings that cannot give a rate raise FinanceError, which
the runner parks as a data error on the record, with the message below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import pycountry

from brygga.engine.finance.booking import FinanceError
from brygga.engine.protocols import Written
from brygga.model import Order

SOURCE_SETTING = "exchange_rate_source"
TABLE_SETTING = "exchange_rates"
NOTE = "_brygga"  # Brygga's own notes beside the ERP's record in the stored outcome


class RateSource(StrEnum):
    SHOP = "shop"
    ERP = "erp"
    TABLE = "table"


@dataclass(frozen=True)
class ExchangeRate:
    """`rate` base-currency units per unit of `currency`. `day` is the day the rate is the rate
    of: the ERP's date for an ERP rate, else the order date."""

    currency: str
    base_currency: str
    rate: Decimal
    source: RateSource
    day: date

    def note(self) -> dict[str, Any]:
        """The rate as stored with the record (JSON: the store writes Decimals exactly)."""
        return {
            "currency": self.currency,
            "base_currency": self.base_currency,
            "rate": self.rate,
            "source": self.source.value,
            "date": self.day.isoformat(),
        }


# The connector's lookup of its ERP's rate: (currency, order date) → rate.
ErpRate = Callable[[str, date], Awaitable[ExchangeRate]]


def rate_source(settings: Mapping[str, Any]) -> RateSource:
    value = settings.get(SOURCE_SETTING) or RateSource.SHOP.value
    try:
        return RateSource(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(f'"{source.value}"' for source in RateSource)
        raise FinanceError(
            f"the setting {SOURCE_SETTING} is {value!r}; it must be one of {allowed}"
        ) from None


def rate_table(settings: Mapping[str, Any]) -> dict[str, Decimal]:
    """The setting `exchange_rates` as ISO 4217 code → positive Decimal. Floats are refused,
    as everywhere in Brygga: `11.37` as a float is not the rate the merchant typed."""
    table = settings.get(TABLE_SETTING) or {}
    if not isinstance(table, Mapping):
        raise FinanceError(
            f'the setting {TABLE_SETTING} must map currency codes to rates, e.g. {{"EUR": "11.37"}}'
        )
    rates: dict[str, Decimal] = {}
    for key, value in table.items():
        code = str(key).strip().upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            raise FinanceError(
                f"the setting {TABLE_SETTING} names {key!r}, which is not an ISO 4217 currency code"
            )
        rate = _decimal(value)
        if rate is None or rate <= 0:
            raise FinanceError(
                f"the setting {TABLE_SETTING} gives {code} the rate {value!r}; give a positive "
                f'number as text, e.g. "11.37"'
            )
        rates[code] = rate
    return rates


async def exchange_rate(
    order: Order, settings: Mapping[str, Any], *, base_currency: str, day: date, erp: ErpRate
) -> ExchangeRate:
    """The rate `order` is booked at in an ERP keeping its books in `base_currency`. `day` is
    the order date as the ERP sees it; `erp` is only called for the source "erp"."""
    source = rate_source(settings)
    if order.currency == base_currency:
        return ExchangeRate(order.currency, base_currency, Decimal(1), source, day)
    if source is RateSource.ERP:
        return await erp(order.currency, day)
    if source is RateSource.TABLE:
        table = rate_table(settings)
        if order.currency not in table:
            raise FinanceError(
                f"order {order.number} is in {order.currency}, which the setting {TABLE_SETTING} "
                f"has no rate for; add {order.currency} (in {base_currency} per "
                f"{order.currency}) to {TABLE_SETTING}"
            )
        return ExchangeRate(order.currency, base_currency, table[order.currency], source, day)
    if order.base_currency != base_currency:
        raise FinanceError(
            f"order {order.number}: the shop's rate converts {order.currency} to "
            f"{order.base_currency}, but the ERP keeps its books in {base_currency}; set "
            f'{SOURCE_SETTING} to "erp" or "table"'
        )
    return ExchangeRate(order.currency, base_currency, order.exchange_rate, source, day)


def rated(order: Order, rate: ExchangeRate) -> Order:
    """The order with the rate it is booked at, for the ERP mapping."""
    return order.model_copy(
        update={"exchange_rate": rate.rate, "base_currency": rate.base_currency}
    )


def stamped(written: Written, rate: ExchangeRate | None, *, applied: bool = True) -> Written:
    """`written` with the rate beside the ERP's record, under `_brygga.exchange_rate`: the
    runner stores `Written.payload` as the outcome's `target_payload`, so the rate used stays
    with the record. `applied` False: the ERP converts the document at a rate of its own, not
    this one (Visma.net without `record_exchange_rates`)."""
    if rate is None or not isinstance(written.payload, dict):
        return written
    note = rate.note() | {"applied_in_erp": applied}
    return Written(written.target_id, written.payload | {NOTE: {"exchange_rate": note}})


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, float | bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
