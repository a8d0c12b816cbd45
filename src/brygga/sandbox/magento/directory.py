"""`GET /V1/directory/currency` (fact sheet §4.8): the store's base and display currency and its
exchange rates, from base to each allowed currency.

Anonymous, as in Magento_Directory's webapi.xml. Rates are stored with 12 decimals
(directory_currency_rate); an order keeps its own 4-decimal copy in `base_to_order_rate`.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter
from fastapi.responses import Response

from brygga.sandbox import seed as demo
from brygga.sandbox.magento.shop import BASE_CURRENCY, rate_to_base
from brygga.sandbox.magento.wire import MagentoResponse

RATE_PLACES = Decimal("0.000000000001")
SYMBOLS = {"SEK": "kr", "EUR": "€", "NOK": "kr", "DKK": "kr.", "USD": "$"}


def currency_information() -> dict[str, object]:
    codes = list(demo.RATES_TO_SEK)
    return {
        "base_currency_code": BASE_CURRENCY,
        "base_currency_symbol": SYMBOLS[BASE_CURRENCY],
        "default_display_currency_code": BASE_CURRENCY,
        "default_display_currency_symbol": SYMBOLS[BASE_CURRENCY],
        "available_currency_codes": codes,
        "exchange_rates": [
            {"currency_to": code, "rate": (1 / rate_to_base(code)).quantize(RATE_PLACES)}
            for code in codes
        ],
    }


def router() -> APIRouter:
    routes = APIRouter(prefix="/rest/V1/directory")

    @routes.get("/currency")
    async def get_currency() -> Response:
        return MagentoResponse(currency_information())

    return routes
