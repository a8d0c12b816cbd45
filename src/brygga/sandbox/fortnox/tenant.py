"""The one emulated Fortnox company: its identity, clock and reference data (fact sheet §7.7).

Reference data lives in the store (`accounts`, `currencies`, `articles`, `pricelists` and the
`tenant` meta document with VAT rates); these helpers read it.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pycountry

from brygga.sandbox.fortnox.errors import (
    ACCOUNT_NOT_IN_REQUEST,
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


def vat_rate(store: DocumentStore, rate: Decimal, *, oss: bool = False) -> Decimal:
    """A VAT rate of the company (§4.10): a Swedish rate, or with `oss` (document rows) also a
    rate of an EU country the company is registered in for OSS. OSS rates on rows are not in the
    fact sheet; modelled on Fortnox's OSS setting (unconfirmed)."""
    tenant = settings(store)
    allowed = list(tenant["VATRates"])
    if oss:
        allowed += [r for country_rates in tenant["OSSVATRates"].values() for r in country_rates]
    if rate not in {Decimal(r) for r in allowed}:
        raise FortnoxError(400, VAT_NOT_FOUND, f"Kunde inte hämta/hitta moms ({rate})")
    return rate


def account(store: DocumentStore, number: int | None) -> dict[str, Any]:
    """A row's account, which must be in the chart and active (§4.10)."""
    found = existing(store, "accounts", str(number))
    if found is None or not found["Active"]:
        raise FortnoxError(400, ACCOUNT_NOT_IN_REQUEST, "Kunde inte hitta konto")
    return found


def country_name(code: str | None) -> str | None:
    """The Swedish country name Fortnox derives from a country code ("SE" → "Sverige")."""
    if not code:
        return None if code is None else ""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        raise invalid_value(f"Ogiltig landskod ({code})")
    return _SWEDISH.gettext(country.name)


# BAS: 3105 export, 3106 EU momspliktig, 3108 EU momsfri; 3001-3004 Swedish sales by rate.
_SALES_BY_VAT_TYPE = {"EXPORT": 3105, "EUVAT": 3106, "EUREVERSEDVAT": 3108}
_SALES_BY_RATE = {Decimal(25): 3001, Decimal(12): 3002, Decimal(6): 3003, Decimal(0): 3004}


def sales_account(vat_type: str, rate: Decimal) -> int:
    """The BAS sales account for a row without `AccountNumber` (inferred from the article's
    account fields, §4.10): by the customer's VAT type, else by the row's Swedish rate. An OSS
    rate is another EU country's VAT, so such a row is an EU sale with VAT (inferred)."""
    if vat_type in _SALES_BY_VAT_TYPE:
        return _SALES_BY_VAT_TYPE[vat_type]
    return _SALES_BY_RATE.get(rate, _SALES_BY_VAT_TYPE["EUVAT"])
