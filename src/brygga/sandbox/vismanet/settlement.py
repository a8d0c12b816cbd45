"""Releasing invoices and credit notes, and settling credit notes against invoices (§4.5, §4.6).

`release` turns a Balanced document Open (posted; edits are refused from then on). Releasing a
credit note applies it to the invoices of its `applicationLines`: both balances fall by the
amount and each side lists the other in `applications` (`ArAdjustDto`); a document whose
balance reaches zero is Closed. The action's result is `Done` at once; live, the action may be
`Queued` and the status change later (§3.2).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet.company import day, now, stamp
from brygga.sandbox.vismanet.documents import INVOICE, Kind, money
from brygga.sandbox.vismanet.errors import VismaError

Record = dict[str, Any]


def release(store: DocumentStore, kind: Kind, record: Record) -> Record:
    """The `release` action; answers the action result."""
    if record["status"] == "Hold":
        raise VismaError(400, "The document is on hold and cannot be released.")
    if record["status"] != "Balanced":
        raise VismaError(400, "The document is already released.")
    # Check every application before changing any document.
    plan = []
    left = Decimal(record["balanceInCurrency"])
    for entry in record["_applications"]:
        invoice = store.get(INVOICE.collection, entry["refNbr"])
        amount = money(Decimal(entry["amountPaid"] or left))
        if invoice is None or invoice["status"] != "Open":
            raise VismaError(400, f"Invoice '{entry['refNbr']}' is not open.")
        if amount > Decimal(invoice["balanceInCurrency"]) or amount > left:
            raise VismaError(400, f"Amount {amount} exceeds the balance of the documents.")
        left -= amount
        plan.append((invoice, amount))
    record = dict(record) | {"status": "Open", "lastModifiedDateTime": stamp()}
    for invoice, amount in plan:
        settled = apply_amount(invoice, record, amount)
        store.put(INVOICE.collection, settled["referenceNumber"], settled)
        record = apply_amount(record, settled, amount)
    record["_applications"] = []
    record = _close_if_settled(record)
    store.put(kind.collection, record["referenceNumber"], record)
    return {"actionId": str(uuid.uuid4()), "actionResult": "Done"}


def apply_amount(document: Record, other: Record, amount: Decimal) -> Record:
    """`document` with `amount` of `other` applied: balance down, an `applications` entry."""
    rate = Decimal(document["exchangeRate"])
    balance = money(Decimal(document["balanceInCurrency"]) - amount)
    entry = {
        "docType": other["documentType"],
        "customerCD": other["customer"]["number"],
        "refNbr": other["referenceNumber"],
        "amountPaid": amount,
        "balance": balance,
        "released": True,
        "hold": False,
        "voided": False,
        "status": "Closed" if balance == 0 else "Open",
        "applicationDate": day(now()),
        "applicationPeriod": now().strftime("%Y%m"),
    }
    document = dict(document) | {"balanceInCurrency": balance, "balance": money(balance * rate)}
    document["applications"] = [*document["applications"], entry]
    document["lastModifiedDateTime"] = stamp()
    return _close_if_settled(document)


def _close_if_settled(document: Record) -> Record:
    if document["status"] == "Open" and Decimal(document["balanceInCurrency"]) == 0:
        return document | {"status": "Closed"}
    return document
