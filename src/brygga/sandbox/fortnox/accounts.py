"""`/3/accounts` (fact sheet §4.10, scope `bookkeeping`): the chart of accounts; list, read and
partial update.

The chart is tenant data (a BAS subset, see `seeding.py`) in the seeded financial year
(`Year`). Rows may only be booked on accounts in it that are `Active` (2001304, §4.10), so
deactivating an account here makes documents that use it fail. Vouchers are not emulated, so
`BalanceCarriedForward` equals `BalanceBroughtForward`. Accounts cannot be created or deleted
(the spec's POST and DELETE are not served); the number of an account cannot change (spec).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import ACCOUNT_NOT_FOUND, FortnoxError, invalid_value
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    FLAG,
    INTEGER,
    TEXT,
    Field,
    clean,
    read_wrapped,
    text,
)
from brygga.sandbox.fortnox.lists import ListSpec, list_response
from brygga.sandbox.fortnox.tenant import FINANCIAL_YEAR_ID, existing, timestamp
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
_SETTING = text(None, "ALLOWED", "MANDATORY", "NOTALLOWED")
WRITABLE: dict[str, Field] = {
    "Active": FLAG, "BalanceBroughtForward": AMOUNT, "CostCenter": TEXT,
    "CostCenterSettings": _SETTING, "Description": text(200), "Number": INTEGER,
    "Project": TEXT, "ProjectSettings": _SETTING, "SRU": INTEGER, "TransactionInformation": TEXT,
    "TransactionInformationSettings": _SETTING, "VATCode": TEXT,
}  # fmt: skip
# Fields of `fortnox_AccountSingleItem` that `fortnox_AccountPayload` lacks, and the opening
# quantities (quantity accounting is not emulated).
READ_ONLY = frozenset({"@url", "BalanceCarriedForward", "OpeningQuantities", "QuantitySettings",
                       "QuantityUnit", "Year"})  # fmt: skip
# The fields of `fortnox_AccountListItem`.
LIST_FIELDS = ("Active", "BalanceBroughtForward", "CostCenter", "CostCenterSettings",
               "Description", "Number", "Project", "ProjectSettings", "SRU", "VATCode",
               "Year")  # fmt: skip


def defaults() -> Record:
    """An account before its chart entry is applied: everything allowed, no balance."""
    return {
        "Active": True, "BalanceBroughtForward": 0, "BalanceCarriedForward": 0, "CostCenter": "",
        "CostCenterSettings": "ALLOWED", "Description": "", "Number": None,
        "OpeningQuantities": [], "Project": "", "ProjectSettings": "ALLOWED",
        "QuantitySettings": "ALLOWED", "QuantityUnit": "", "SRU": None,
        "TransactionInformation": "", "TransactionInformationSettings": "ALLOWED", "VATCode": "",
        "Year": FINANCIAL_YEAR_ID,
    }  # fmt: skip


def apply(account: Record, changes: Record) -> Record:
    updated = account | changes
    if not updated["Description"]:
        raise invalid_value("Kontot måste ha en benämning (Description)")
    updated["BalanceCarriedForward"] = updated["BalanceBroughtForward"]
    return dict(sorted(updated.items())) | {"_LastModified": timestamp()}


def find(store: DocumentStore, number: str) -> Record:
    found = existing(store, "accounts", number)
    if found is None:
        raise FortnoxError(404, ACCOUNT_NOT_FOUND, "Kan inte hitta kontot.")
    return found


def _item(account: Record, base: str) -> Record:
    return {"@url": f"{base}/3/accounts/{account['Number']}"} | {
        name: account[name] for name in LIST_FIELDS
    }


LIST = ListSpec(
    plural="Accounts",
    item=_item,
    sort_keys={"number": lambda account: account["Number"]},  # the only `sortby` (spec)
    default_sort="number",
    search={"sru": "SRU"},
)


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3/accounts", dependencies=[context.access.requires("bookkeeping")])
    store, events = context.store, context.events

    def respond(request: Request, account: Record) -> Response:
        return context.reply(request, "Account", f"/3/accounts/{account['Number']}", account)

    @routes.get("")
    async def list_accounts(request: Request) -> Response:
        return list_response(request, context.config, store.all("accounts"), LIST)

    @routes.get("/{number}")
    async def get_account(request: Request, number: str) -> Response:
        return respond(request, find(store, number))

    @routes.put("/{number}")
    async def update_account(request: Request, number: str) -> Response:
        changes = clean(await read_wrapped(request, "Account"), WRITABLE, READ_ONLY)
        changes.pop("Number", None)  # writable in the spec, but it cannot change
        account = apply(find(store, number), changes)
        key = str(account["Number"])
        store.put("accounts", key, account)
        # The `accounts` topic is documented (§5.1); the type name follows the other topics'.
        events.emit("accounts", "account-updated-v1", key)
        return respond(request, account)

    return routes
