"""`/3/currencies` (fact sheet §4.9): list, create, read, partial update, delete.

Codes are ISO 4217 (`Code` and `Description` are required on create, as the spec marks them);
`Date` is the day of the last rate change. The company currency SEK and currencies still used
by customers or documents cannot be deleted (inferred; a document in a missing currency fails
with "Kunde inte hämta/hitta valuta").
"""

from __future__ import annotations

from typing import Any

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import (
    ALREADY_EXISTS,
    CURRENCY_NOT_FOUND,
    IN_USE,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import AMOUNT, DAY, FLAG, TEXT, Field, clean, read_wrapped
from brygga.sandbox.fortnox.lists import ListSpec, list_response, with_url
from brygga.sandbox.fortnox.tenant import existing, timestamp, today
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
WRITABLE: dict[str, Field] = {
    "BuyRate": AMOUNT, "Code": TEXT, "Date": DAY, "Description": TEXT, "IsAutomatic": FLAG,
    "SellRate": AMOUNT, "Unit": AMOUNT,
}  # fmt: skip
READ_ONLY = frozenset({"@url"})
COMPANY_CURRENCY = "SEK"


def _apply(currency: Record, changes: Record) -> Record:
    updated = currency | changes
    if not updated["Description"]:
        raise invalid_value("Valutan måste ha en benämning (Description)")
    if not updated["Unit"] or updated["SellRate"] is None or updated["BuyRate"] is None:
        raise invalid_value("Valutan måste ha kurs (SellRate, BuyRate) och enhet (Unit)")
    if {"BuyRate", "SellRate", "Unit"} & changes.keys() and "Date" not in changes:
        updated["Date"] = today()
    return dict(sorted(updated.items())) | {"_LastModified": timestamp()}


def find(store: DocumentStore, code: str) -> Record:
    found = existing(store, "currencies", code.upper())
    if found is None:
        raise FortnoxError(404, CURRENCY_NOT_FOUND, "Kan inte hitta valutan.")
    return found


def _in_use(store: DocumentStore, code: str) -> bool:
    collections = ("customers", "orders", "invoices")
    records = (record for name in collections for record in store.all(name))
    return any(record.get("Currency") == code and not record.get("_Deleted") for record in records)


LIST = ListSpec(
    plural="Currencies",
    item=lambda currency, base: with_url(currency, f"{base}/3/currencies/{currency['Code']}"),
    sort_keys={"code": lambda currency: currency["Code"]},
    default_sort="code",
)


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3/currencies", dependencies=[context.access.requires("currency")])
    store, events = context.store, context.events

    def respond(request: Request, currency: Record, status: int = 200) -> Response:
        path = f"/3/currencies/{currency['Code']}"
        return context.reply(request, "Currency", path, currency, status)

    def saved(currency: Record, kind: str) -> Record:
        store.put("currencies", currency["Code"], currency)
        events.emit("currencies", kind, currency["Code"])
        return currency

    @routes.get("")
    async def list_currencies(request: Request) -> Response:
        return list_response(request, context.config, store.all("currencies"), LIST)

    @routes.post("")
    async def create_currency(request: Request) -> Response:
        changes = clean(await read_wrapped(request, "Currency"), WRITABLE, READ_ONLY)
        code = str(changes.get("Code") or "").upper()
        if not code or pycountry.currencies.get(alpha_3=code) is None:
            raise invalid_value(f"Ogiltig valutakod ({code})")
        if existing(store, "currencies", code) is not None:
            raise FortnoxError(400, ALREADY_EXISTS, f"Valutan {code} finns redan")
        blank = {"BuyRate": None, "Date": today(), "Description": "", "IsAutomatic": False,
                 "SellRate": None, "Unit": 1}  # fmt: skip
        currency = _apply(blank, changes | {"Code": code})
        return respond(request, saved(currency, "currency-created-v1"), 201)

    @routes.get("/{code}")
    async def get_currency(request: Request, code: str) -> Response:
        return respond(request, find(store, code))

    @routes.put("/{code}")
    async def update_currency(request: Request, code: str) -> Response:
        changes = clean(await read_wrapped(request, "Currency"), WRITABLE, READ_ONLY)
        changes.pop("Code", None)  # the code is the identity
        currency = _apply(find(store, code), changes)
        return respond(request, saved(currency, "currency-updated-v1"))

    @routes.delete("/{code}", status_code=204)
    async def delete_currency(code: str) -> Response:
        currency = find(store, code)
        if currency["Code"] == COMPANY_CURRENCY or _in_use(store, currency["Code"]):
            raise FortnoxError(400, IN_USE, f"Valutan {currency['Code']} används")
        saved(currency | {"_Deleted": True, "_LastModified": timestamp()}, "currency-deleted-v1")
        return Response(status_code=204)

    return routes
