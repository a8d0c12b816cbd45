"""The exchange rate of a Visma.net sales order (brygga.engine.finance.rates), and Visma.net's
own rates: `GET /v2/currencyrate` (there is no `/v1/currencyrate`), vismanet.md §4.8.

A SalesOrders V3 order carries no rate: Visma.net converts it at its SPOT rate to the base
currency effective on the order date, the latest rate dated on or before it (as the sandbox's
`reference.rate_to_base`). So with `exchange_rate_source` "erp" Brygga reads that same rate;
with "shop" or "table" the rate reaches Visma.net only through `record_exchange_rates`, which
posts it as the day's SPOT rate. "erp" with `record_exchange_rates` is refused: posting a rate
read from Visma.net back to it is meaningless, and the merchant meant one of the two.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.client import VismanetClient
from brygga.connectors.vismanet.mapping import filter_stamp, parse_stamp
from brygga.connectors.vismanet.options import Options
from brygga.engine.finance import FinanceError
from brygga.engine.finance.rates import (
    SOURCE_SETTING,
    ExchangeRate,
    RateSource,
    exchange_rate,
    rate_source,
    stamped,
)
from brygga.engine.protocols import Settings, Written
from brygga.model import Order

RATES = "/v2/currencyrate"
RATE_TYPE = "SPOT"  # the type `record_exchange_rates` posts and the sandbox converts with
# First look this far back; only when that finds nothing, read the whole history (a merchant
# may enter rates monthly, and "no rate at all" is how an unknown currency shows).
LOOKBACK = timedelta(days=31)


class VismanetRates:
    """The rate of each order, by the flow's settings. Visma.net's rate of a currency on a day
    is read once per writer, that is once per run: orders of the same day and currency cost
    no request."""

    def __init__(self, client: VismanetClient, settings: Settings, options: Options) -> None:
        self.client = client
        self.settings = settings
        self.options = options
        self._read: dict[tuple[str, date], ExchangeRate] = {}

    async def of(self, order: Order) -> ExchangeRate:
        source, posting = rate_source(self.settings), self.options.record_exchange_rates
        if posting and source is RateSource.ERP:
            raise FinanceError(
                f'the settings {SOURCE_SETTING} "erp" and record_exchange_rates contradict each '
                "other: Brygga would post Visma.net's own rate back to it; turn "
                f'record_exchange_rates off, or set {SOURCE_SETTING} to "shop" or "table"'
            )
        day = order.created_at.astimezone(self.options.zone).date()
        if source is RateSource.SHOP and not posting:
            # Nothing sends the shop's rate to Visma.net: keep it as the shop gave it, even to
            # another base currency, rather than refuse an order Visma.net converts itself.
            return ExchangeRate(
                order.currency, order.base_currency, order.exchange_rate, source, day
            )
        base = self.options.base_currency
        return await exchange_rate(
            order, self.settings, base_currency=base, day=day, erp=self._visma_rate
        )

    def stamped(self, written: Written, rate: ExchangeRate | None) -> Written:
        """`written` with the rate used; whether Visma.net converts at it (see the module)."""
        applied = rate is not None and (
            rate.source is RateSource.ERP
            or self.options.record_exchange_rates
            or rate.currency == rate.base_currency == self.options.base_currency
        )
        return stamped(written, rate, applied=applied)

    async def _visma_rate(self, code: str, day: date) -> ExchangeRate:
        if (code, day) not in self._read:
            self._read[code, day] = await self._fetch(code, day)
        return self._read[code, day]

    async def _fetch(self, code: str, day: date) -> ExchangeRate:
        base = self.options.base_currency
        pair = {"fromCurrency": code, "toCurrency": base, "rateType": RATE_TYPE}
        recent = await self.client.get(
            RATES, fromDate=self._stamp(day - LOOKBACK), toDate=self._stamp(day), **pair
        )
        found = self._latest(recent or [], code, day)
        if found is not None:
            return found
        history = await self.client.get(RATES, **pair) or []
        found = self._latest(history, code, day)
        if found is not None:
            return found
        if not history and await self.client.get_or_none(f"/v1/currency/{code}") is None:
            raise ConnectorError(
                ErrorClass.DATA,
                f"currency {code} is not set up in Visma.net; add it, with its {RATE_TYPE} rates "
                f"to {base}, then the order goes through on the next run",
            )
        raise ConnectorError(
            ErrorClass.DATA,
            f"Visma.net has no {RATE_TYPE} rate from {code} to {base} effective on or before "
            f"{day.isoformat()}; enter a rate for {code} dated {day.isoformat()} or earlier in "
            "Visma.net's currency rates, then the order goes through on the next run",
        )

    def _latest(self, rates: list[dict[str, Any]], code: str, day: date) -> ExchangeRate | None:
        """The latest rate of the pair dated on or before `day`. Filters are compared here
        too: the API's filter semantics are unconfirmed (§8)."""
        base, zone = self.options.base_currency, self.options.zone
        dated = [
            (parse_stamp(rate["effectiveDate"], zone).astimezone(zone), int(rate["id"]), rate)
            for rate in rates
            if rate.get("fromCurrencyId") == code
            and rate.get("toCurrencyId") == base
            and rate.get("rateType") == RATE_TYPE
        ]
        usable = [entry for entry in dated if entry[0].date() <= day]
        if not usable:
            return None
        effective, _, latest = max(usable, key=lambda entry: entry[:2])
        value = Decimal(str(latest["rate"]))
        # multDiv says how the rate converts into the base currency: amount × rate or
        # amount / rate (CurrencyRateDto); Brygga's rate is always the multiplier.
        multiplier = Decimal(1) / value if latest.get("multDiv") == "Divide" else value
        return ExchangeRate(code, base, multiplier, RateSource.ERP, effective.date())

    def _stamp(self, day: date) -> str:
        """Midnight of `day` as a filter value: rates are dated by day (`effectiveDate`)."""
        zone = self.options.zone
        return filter_stamp(datetime.combine(day, time(), tzinfo=zone), zone)
