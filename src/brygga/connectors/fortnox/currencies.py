"""The exchange rate of a Fortnox order (brygga.engine.finance.rates), and Fortnox's own rates:
`GET /3/currencies/{Code}` → `SellRate`, `BuyRate`, `Unit`, `Date` (fortnox.md §4.9).

Fortnox keeps one current rate per currency, not a history: with `exchange_rate_source`
"erp" an order gets the rate Fortnox has when Brygga sends it, dated by its `Date`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.mapping import FORTNOX_TIME_ZONE
from brygga.connectors.fortnox.reading import BASE_CURRENCY
from brygga.engine.finance.rates import ExchangeRate, RateSource, exchange_rate
from brygga.engine.protocols import Settings
from brygga.model import Order

# How Fortnox refuses a document in a currency the company has not set up (§4.9).
CURRENCY_MISSING = "Kunde inte hämta/hitta valuta"


class FortnoxRates:
    """The rate of each order, by the flow's settings. Fortnox's rate of a currency is read
    once per writer, that is once per run: orders in the same currency cost no request."""

    def __init__(self, client: FortnoxClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._read: dict[str, ExchangeRate] = {}

    async def of(self, order: Order) -> ExchangeRate:
        day = order.created_at.astimezone(FORTNOX_TIME_ZONE).date()  # the order's OrderDate
        return await exchange_rate(
            order, self.settings, base_currency=BASE_CURRENCY, day=day, erp=self._fortnox_rate
        )

    async def _fortnox_rate(self, code: str, day: date) -> ExchangeRate:
        if code not in self._read:
            self._read[code] = await self._fetch(code)
        return self._read[code]

    async def _fetch(self, code: str) -> ExchangeRate:
        try:
            currency = (await self.client.get(f"/3/currencies/{code}"))["Currency"]
        except ConnectorError as error:
            if error.error_class is ErrorClass.NOT_FOUND:
                raise missing_currency(code, error) from None
            raise
        # SellRate, not BuyRate: customer documents convert at the sell rate, supplier invoices
        # at the buy rate, and the sell rate is what Fortnox puts on an order sent without one
        # (inferred: the spec describes neither field; the sandbox's documents.py does the
        # same). The rate is per `Unit` units of the currency (e.g. 100 JPY): divide by Unit.
        sell, unit = currency.get("SellRate"), currency.get("Unit")
        if not sell or not unit:
            raise ConnectorError(
                ErrorClass.DATA,
                f"Fortnox has no sell rate for {code}; enter the rate of {code} in Fortnox's "
                "currency settings",
                payload=currency,
            )
        rate = Decimal(str(sell)) / Decimal(str(unit))
        day = date.fromisoformat(str(currency.get("Date") or date.today())[:10])
        return ExchangeRate(code, BASE_CURRENCY, rate, RateSource.ERP, day)


def missing_currency(code: str, error: ConnectorError) -> ConnectorError:
    """Fortnox's refusal of a currency it lacks (a 404 on the currency, or its message on a
    document), said as what to do."""
    return ConnectorError(
        ErrorClass.DATA,
        f"currency {code} is not set up in Fortnox; add {code} to the currencies in Fortnox, "
        "then the order goes through on the next run",
        status=error.status,
        code=error.code,
        payload=error.payload,
    )
