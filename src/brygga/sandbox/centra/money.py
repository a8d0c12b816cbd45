"""Money as Centra shows it: `MonetaryValue{value currency conversionRate ...}` (fact sheet §3.3).

Amounts stay Decimal to the end. GraphQL `Float` turns a Decimal into the float parsed from the
Decimal's own digits, whose shortest repr (what the JSON carries) gives those digits back for
any amount of at most 15 significant digits: 85.56 goes out as 85.56, as PHP (Centra) does.
Stored whole numbers come back from JSON as int, so every helper takes `Decimal | int`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import pycountry

from brygga.sandbox import seed

Document = dict[str, Any]
Amount = Decimal | int
CENT = Decimal("0.01")
CURRENCY_IDS = {"SEK": 1, "EUR": 2, "NOK": 3, "DKK": 4, "USD": 5}
BASE_CURRENCY = "SEK"  # what `conversionRate` converts to


def cents(value: Amount) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def net(gross: Amount, tax_percent: Amount) -> Decimal:
    """The amount without the VAT contained in it."""
    return cents(Decimal(gross) / (1 + Decimal(tax_percent) / 100))


def vat(gross: Amount, tax_percent: Amount) -> Decimal:
    """The VAT contained in a price that includes it."""
    return Decimal(gross) - net(gross, tax_percent)


@cache
def currency(code: str) -> Document:
    """`Currency{id code name}`; ids are the demo tenant's."""
    return {
        "id": CURRENCY_IDS[code],
        "code": code,
        "name": pycountry.currencies.get(alpha_3=code).name,
    }


def monetary(value: Amount, currency_doc: Document, conversion_rate: Amount) -> Document:
    value = cents(value)
    return {
        "value": value,
        "currency": currency_doc,
        # Centra formats per currency settings in the admin; this is one plain format.
        "formattedValue": f"{value:.2f} {currency_doc['code']}",
        "conversionRate": conversion_rate,
        "valueInCents": int(value * 100),
    }


def order_money(value: Amount, order: Document) -> Document:
    """An amount in an order's currency, at the rate the order was placed with."""
    return monetary(value, order["currency"], order["conversionRate"])


def catalogue_money(value: Amount, code: str) -> Document:
    """A catalogue amount (price, unit cost) at today's rate to the base currency."""
    return monetary(value, currency(code), seed.RATES_TO_SEK[code])


def money_input(value: Document) -> tuple[Decimal, str]:
    """`MonetaryValueInput{value currencyIsoCode}` as (amount, currency code)."""
    return cents(Decimal(str(value["value"]))), value["currencyIsoCode"].upper()
