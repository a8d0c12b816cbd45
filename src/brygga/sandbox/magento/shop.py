"""The one emulated Magento installation: its website, store view, currencies, sources, clock.

One website (`base`, id 1) with one store view (`default`, id 1); `all` is the admin scope
(store 0). The base currency is SEK, the brand's own; orders in other currencies carry
`base_to_order_rate` and `base_*` twins of every amount (fact sheet §4.8).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from brygga.sandbox import seed as demo

WEBSITE_ID = 1
WEBSITE_NAME = "Main Website"
STORE_ID = 1
STORE_CODES = {"default": STORE_ID, "all": 0}
STORE_NAME = f"{WEBSITE_NAME}\nMain Website Store\nDefault Store View"
BASE_CURRENCY = "SEK"
CUSTOMER_GROUP = 1  # General; guests are group 0 (NOT LOGGED IN)
ATTRIBUTE_SET = 4  # Default
# MSI sources (§4.4); the legacy stockItems API reaches only `default`.
SOURCES = {"default": "Default Source", "sthlm": "Stockholm Warehouse"}
DEFAULT_SOURCE = "default"
# Product tax classes by Swedish VAT rate (catalog prices include tax, §4.8).
TAX_CLASSES = {Decimal(25): "2", Decimal(12): "10", Decimal(6): "11"}
CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_to_base(currency: str) -> Decimal:
    """Units of base currency per unit of `currency` (the demo brand's SEK rates)."""
    return demo.RATES_TO_SEK[currency]


def timestamp(moment: datetime) -> str:
    """Magento's wire format for dates: `YYYY-MM-DD HH:MM:SS`, no zone, always UTC (§3.2)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def now() -> str:
    return timestamp(datetime.now(UTC))


def format_price(amount: Decimal) -> str:
    """A base-currency amount as Magento's formatTxt writes it in messages (en_US)."""
    return f"{BASE_CURRENCY} {amount:,.2f}"
