"""The one emulated Fortnox company: its identity, clock and reference data (fact sheet §7.7).

Reference data lives in the store (`currencies`, `articles`, `pricelists` and the `tenant` meta
document with VAT rates); these helpers read it.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pycountry

from brygga.sandbox.fortnox.errors import (
    CURRENCY_NOT_FOUND,
    VAT_NOT_FOUND,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.storage import DocumentStore

CLIENT_ID = "brygga-demo-client"
CLIENT_SECRET = "brygga-demo-secret"
TENANT_ID = 1234567  # the company's DatabaseNumber, sent as the `TenantId` header
# What the demo consent grants (§1.5); each scope reads and writes.
SCOPES = (
    "article bookkeeping companyinformation currency customer invoice order payment price settings"
    " warehouse"  # the warehouse scope's name is unconfirmed (§1.5)
)

FINANCIAL_YEAR_ID = 1  # the one seeded financial year, as vouchers' `VoucherYear` (§7.7)
# Time zone of `lastmodified` and dates is not stated; presumably Swedish local time (§3.5).
STOCKHOLM = ZoneInfo("Europe/Stockholm")
_SWEDISH = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sv"])


def now() -> datetime:
    return datetime.now(STOCKHOLM).replace(tzinfo=None, microsecond=0)


def timestamp() -> str:
    """The hidden `_LastModified` of a record, compared by the `lastmodified` list parameter."""
    return now().isoformat(sep=" ")


def today() -> str:
    return now().date().isoformat()


def settings(store: DocumentStore) -> dict[str, Any]:
    return store.get_meta("tenant")


def existing(store: DocumentStore, collection: str, key: str) -> dict[str, Any] | None:
    """A stored record, or None when there is none or it was deleted (kept as a tombstone)."""
    record = store.get(collection, key)
    return None if record is None or record.get("_Deleted") else record


def currency(store: DocumentStore, code: str) -> dict[str, Any]:
    found = existing(store, "currencies", code)
    if found is None:
        raise FortnoxError(400, CURRENCY_NOT_FOUND, f"Kunde inte hämta/hitta valuta ({code})")
    return found


def vat_rate(store: DocumentStore, rate: Decimal) -> Decimal:
    """A row's VAT rate, which must be one of the company's rates (§4.10)."""
    if rate not in {Decimal(r) for r in settings(store)["VATRates"]}:
        raise FortnoxError(400, VAT_NOT_FOUND, f"Kunde inte hämta/hitta moms ({rate})")
    return rate


def country_name(code: str | None) -> str | None:
    """The Swedish country name Fortnox derives from a country code ("SE" → "Sverige")."""
    if not code:
        return None if code is None else ""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        raise invalid_value(f"Ogiltig landskod ({code})")
    return _SWEDISH.gettext(country.name)


def sales_account(vat_type: str, rate: Decimal) -> int:
    """The BAS sales account for a row without `AccountNumber` (inferred from the article's
    account fields, §4.10): export 3105, EU reverse charge 3106, otherwise by VAT rate."""
    if vat_type == "EXPORT":
        return 3105
    if vat_type == "EUREVERSEDVAT":
        return 3106
    return {Decimal(25): 3001, Decimal(12): 3002, Decimal(6): 3003}.get(rate, 3004)
