"""Reference data: currency rates, VAT, and the company's classes and terms (fact sheet §4.8, §4.9).

Currency rates (`/v2/currencyrate`; there is no `/v1/currencyrate`) and VAT categories and
zones live in the store. The VAT on a document line is the intersection of the customer's VAT
zone and the line's VAT category; an empty intersection or unknown category gives "TaxCategoryID
'<id>' cannot be found in the system." (§4.9, §6.6). The classes, terms and warehouses below are
the sandbox's own Swedish setup: live ids differ per company.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet.company import BASE_CURRENCY
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.paging import listing
from brygga.sandbox.vismanet.wrapper import (
    DATE,
    DECIMAL,
    TEXT,
    choice,
    parse_moment,
    read_wrapped,
)

Record = dict[str, Any]
RECIPROCAL = Decimal("0.00000001")

# VAT ids (taxes): id -> (description, rate, type)
VATS = {
    "MP1": ("Utgående moms 25 %", Decimal(25), "Vat"),
    "MP2": ("Utgående moms 12 %", Decimal(12), "Vat"),
    "MP3": ("Utgående moms 6 %", Decimal(6), "Vat"),
    "MF": ("Momsfri försäljning", Decimal(0), "ExemptVat"),
    "EUVF": ("Försäljning varor till annat EU-land", Decimal(0), "ReverseVat"),
    "EXP": ("Export utanför EU", Decimal(0), "ExemptVat"),
    # The demo company is registered for OSS in Germany and Finland: destination VAT.
    "OSSDE19": ("OSS Tyskland 19 %", Decimal(19), "Vat"),
    "OSSDE7": ("OSS Tyskland 7 %", Decimal(7), "Vat"),
    "OSSFI255": ("OSS Finland 25,5 %", Decimal("25.5"), "Vat"),
    "OSSFI135": ("OSS Finland 13,5 %", Decimal("13.5"), "Vat"),
}
# VAT categories (what a line is): id -> (description, VAT ids); one per Swedish rate.
VAT_CATEGORIES = {
    "1": ("Moms 25 %", ("MP1", "EUVF", "EXP")),
    "2": ("Moms 12 %", ("MP2", "EUVF", "EXP")),
    "3": ("Moms 6 %", ("MP3", "EUVF", "EXP")),
    "4": ("Momsfri", ("MF", "EUVF", "EXP")),
    "11": ("OSS Tyskland 19 %", ("OSSDE19",)),
    "12": ("OSS Tyskland 7 %", ("OSSDE7",)),
    "13": ("OSS Finland 25,5 %", ("OSSFI255",)),
    "14": ("OSS Finland 13,5 %", ("OSSFI135",)),
}
CATEGORY_BY_RATE = {Decimal(25): "1", Decimal(12): "2", Decimal(6): "3", Decimal(0): "4"}
# VAT zones (who buys): id -> (description, default category, VAT ids)
VAT_ZONES = {
    "01": ("Sverige", "1", ("MP1", "MP2", "MP3", "MF")),
    "02": ("EU företag", "4", ("EUVF",)),
    "03": ("Export", "4", ("EXP",)),
    # With the exempt VAT too, for what carries none (Brygga's rounding item).
    "11": ("Tyskland OSS", "11", ("OSSDE19", "OSSDE7", "MF")),
    "12": ("Finland OSS", "13", ("OSSFI255", "OSSFI135", "MF")),
}
CUSTOMER_CLASSES = {  # id -> (description, VAT zone); all with terms 30 and SEK by default
    "1": ("Kunder Sverige", "01"),
    "2": ("Kunder EU", "02"),
    "3": ("Kunder export", "03"),
}
DEFAULT_CUSTOMER_CLASS = "1"
CREDIT_TERMS = {"30": ("30 dagar netto", 30), "10": ("10 dagar netto", 10), "0": ("Kontant", 0)}
DEFAULT_CREDIT_TERMS = "30"
ITEM_CLASSES = {"1": ("Handelsvaror", "FinishedGoodItem"), "2": ("Tjänster", "ServiceItem")}
POSTING_CLASSES = {"1": "Standard"}
WAREHOUSES = {"1": "Huvudlager"}
DEFAULT_WAREHOUSE = "1"

RATE_FIELDS = {
    "fromCurrencyId": TEXT,
    "toCurrencyId": TEXT,
    "rateType": TEXT,
    "effectiveDate": DATE,
    "rate": DECIMAL,
    "multDiv": choice("Multiply", "Divide"),
}


def pair(table: dict[str, Any], key: str | None, what: str) -> dict[str, str]:
    """`{id, description}` of a reference, as reads show them; 400 for an unknown id."""
    entry = table.get(key or "")
    if entry is None:
        raise VismaError(400, f"{what} '{key}' cannot be found in the system.")
    return {"id": key or "", "description": entry[0] if isinstance(entry, tuple) else entry}


def country_name(code: str) -> str | None:
    """The English name of an ISO 3166 alpha-2 country, None when unknown."""
    country = pycountry.countries.get(alpha_2=code.upper())
    return None if country is None else country.name


def vat_for(store: DocumentStore, category: str, zone: str) -> Record | None:
    """The VAT a line of `category` gets for a customer in `zone`, or None (§4.9)."""
    found = store.get("vat_categories", category)
    zone_record = store.get("vat_zones", zone)
    if found is None or zone_record is None:
        return None
    ids = [line["vatId"] for line in found["vatCategoryLines"]]
    shared = [vat for vat in ids if vat in zone_record["_vatIds"]]
    if not shared:
        return None
    description, rate, _ = VATS[shared[0]]
    return {"vatId": shared[0], "description": description, "rate": rate}


def currency_known(store: DocumentStore, currency: str) -> bool:
    return currency == BASE_CURRENCY or any(
        rate["fromCurrencyId"] == currency for rate in store.all("currency_rates")
    )


def rate_to_base(store: DocumentStore, currency: str, on: datetime) -> Decimal:
    """The latest SPOT rate from `currency` to SEK effective on `on`."""
    if currency == BASE_CURRENCY:
        return Decimal(1)
    candidates = [
        rate
        for rate in store.all("currency_rates")
        if rate["fromCurrencyId"] == currency
        and rate["toCurrencyId"] == BASE_CURRENCY
        and rate["rateType"] == "SPOT"
        and datetime.fromisoformat(rate["effectiveDate"]) <= on
    ]
    if not candidates:
        raise VismaError(400, f"Currency rate for '{currency}' cannot be found in the system.")
    latest = max(candidates, key=lambda rate: rate["effectiveDate"])
    rate = Decimal(latest["rate"])
    return rate if latest["multDiv"] == "Multiply" else Decimal(1) / rate


def currency_rate(
    rate_id: int, source: str, target: str, rate: Decimal, effective: str, mult_div: str
) -> Record:
    return {
        "id": rate_id,
        "fromCurrencyId": source,
        "toCurrencyId": target,
        "rateType": "SPOT",
        "rate": rate,
        "effectiveDate": effective,
        "multDiv": mult_div,
        "rateReciprocal": (Decimal(1) / rate).quantize(RECIPROCAL),
    }


def vat_category(category: str, effective: str, modified: str) -> Record:
    description, vat_ids = VAT_CATEGORIES[category]
    lines = [
        {
            "vatId": vat,
            "description": VATS[vat][0],
            "type": VATS[vat][2],
            "calculateOn": "ItemAmount",
            "cashDiscount": "ToTaxableAmount",
            "vatRates": [{"revisionID": "1", "vatRate": VATS[vat][1], "startDate": effective}],
        }
        for vat in vat_ids
    ]
    return {
        "vatCategoryId": category,
        "description": description,
        "active": True,
        "excludeListedTaxes": False,
        "lastModifiedDateTime": modified,
        "vatCategoryLines": lines,
    }


def vat_zone(zone: str) -> Record:
    description, category, vat_ids = VAT_ZONES[zone]
    default = {"number": category, "description": VAT_CATEGORIES[category][0]}
    return {
        "id": zone,
        "description": description,
        "defaultVatCategory": category,
        "defaultTaxCategory": default,
        "_vatIds": list(vat_ids),
    }


def visible(record: Record) -> Record:
    """A stored record without its hidden bookkeeping (`_`-prefixed keys)."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter()

    @routes.get("/v2/currencyrate")
    async def list_rates(request: Request) -> Response:
        query = request.query_params
        wanted = {
            "fromCurrencyId": query.get("fromCurrency"),
            "toCurrencyId": query.get("toCurrency"),
            "rateType": query.get("rateType"),
        }
        low, high = _moment(query, "fromDate"), _moment(query, "toDate")
        rates = []
        for rate in store.all("currency_rates"):
            effective = datetime.fromisoformat(rate["effectiveDate"])
            if any(value and rate[key] != value for key, value in wanted.items()):
                continue
            if (low and effective < low) or (high and effective > high):
                continue
            rates.append(rate)
        return DecimalJSONResponse(rates)

    @routes.post("/v2/currencyrate")
    async def create_rate(request: Request) -> Response:
        values = await read_wrapped(request, RATE_FIELDS, "CreateCurrencyRateDto")
        source, target = values.get("fromCurrencyId"), values.get("toCurrencyId")
        rate, effective = values.get("rate"), values.get("effectiveDate")
        if not source or target != BASE_CURRENCY or not rate or rate <= 0 or not effective:
            raise VismaError(
                400,
                "Error creating currency rate: fromCurrencyId, toCurrencyId (the base currency),"
                " a positive rate and effectiveDate are required.",
            )
        rate_id = store.next_number("currency_rate")
        mult_div = values.get("multDiv") or "Multiply"
        record = currency_rate(rate_id, source, target, rate, effective.isoformat(), mult_div) | {
            "rateType": values.get("rateType") or "SPOT"
        }
        store.put("currency_rates", str(rate_id), record)
        return Response(status_code=200)  # §3.2: 200, no body

    @routes.put("/v2/currencyrate/{rate_id}")
    async def update_rate(request: Request, rate_id: str) -> Response:
        record = store.get("currency_rates", rate_id)
        if record is None:
            raise VismaError(404, f"Currency rate '{rate_id}' cannot be found in the system.")
        fields = {"rate": DECIMAL, "multDiv": RATE_FIELDS["multDiv"]}
        values = await read_wrapped(request, fields, "UpdateCurrencyRateDto")
        rate = Decimal(values.get("rate") or record["rate"])
        if rate <= 0:
            raise VismaError(400, "Error updating currency rate: the rate must be positive.")
        updated = record | {"rate": rate, "multDiv": values.get("multDiv") or record["multDiv"]}
        updated["rateReciprocal"] = (Decimal(1) / rate).quantize(RECIPROCAL)
        store.put("currency_rates", rate_id, updated)
        return Response(status_code=200)

    @routes.get("/v1/vatCategory")
    async def list_vat_categories(request: Request) -> Response:
        moments = {"lastModifiedDateTime": "lastModifiedDateTime"}
        return listing(request, store.all("vat_categories"), visible, moments=moments)

    @routes.get("/v1/vatCategory/{category}")
    async def get_vat_category(category: str) -> Response:
        return DecimalJSONResponse(visible(_find(store, "vat_categories", category, "VatCategory")))

    @routes.get("/v1/vatZone")
    async def list_vat_zones(request: Request) -> Response:
        return listing(request, store.all("vat_zones"), visible)

    @routes.get("/v1/vatZone/{zone}")
    async def get_vat_zone(zone: str) -> Response:
        return DecimalJSONResponse(visible(_find(store, "vat_zones", zone, "VatZone")))

    return routes


def _moment(query: Any, parameter: str) -> datetime | None:
    """A `date-time` query parameter (`fromDate`, `toDate`); an offset is dropped."""
    if parameter not in query:
        return None
    try:
        return parse_moment(query[parameter])
    except ValueError:
        raise VismaError(400, f"Invalid value '{query[parameter]}' for {parameter}.") from None


def _find(store: DocumentStore, collection: str, key: str, what: str) -> Record:
    record = store.get(collection, key)
    if record is None:
        raise VismaError(404, f"{what} '{key}' cannot be found in the system.")
    return record
