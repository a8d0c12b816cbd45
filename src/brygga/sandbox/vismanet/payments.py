"""Customer payments: `/v1/customerPayment` (fact sheet §4.7, AR302000).

Writes are `PaymentUpdateDto` (DtoValue): `type, hold, applicationDate, paymentRef, customer,
paymentMethod, cashAccount, currency, paymentAmount, invoiceText, branch` and plain-`operation`
`paymentLines[{documentType, refNbr, amountPaid}]` naming open invoices of the same customer
and currency (a line's `amountPaid` defaults to what the invoice and the payment still allow).
Reads are the flat `PaymentDto` keyed by `refNbr`. A new payment is Balanced (Hold with
`hold`); `action/release` (`ReleasePaymentActionDto`) applies its lines, so invoice balances
fall and a settled invoice closes, and leaves it Open with `availableBalance` left, or Closed.
Payment methods and cash accounts are the sandbox's own Swedish setup; live ids differ per
company.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import reference
from brygga.sandbox.vismanet.company import base_url, day, now, stamp
from brygga.sandbox.vismanet.documents import INVOICE, money
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.paging import listing
from brygga.sandbox.vismanet.settlement import apply_amount
from brygga.sandbox.vismanet.wrapper import (
    DATE,
    DECIMAL,
    FLAG,
    TEXT,
    Field,
    choice,
    path_id,
    read_dto,
    unwrap,
    unwrap_lines,
)

Record = dict[str, Any]
DTO = "PaymentUpdateDto"
PATH = "/v1/customerPayment"
FIRST_NUMBER = 300001
# Gift cards redeemed in the shop are posted to the liability of unredeemed cards (BAS 2421).
PAYMENT_METHODS = {
    "KORT": ("Kortbetalning", "1580"),
    "BANKGIRO": ("Bankgiro", "1930"),
    "PRESENTKORT": ("Presentkort", "2421"),
}
CASH_ACCOUNTS = {
    "1930": "Företagskonto",
    "1580": "Fordran kortinlösen",
    "2421": "Ej inlösta presentkort",
}
HEADER: dict[str, Field] = {
    "type": choice("Payment", "Prepayment"),
    "hold": FLAG,
    "applicationDate": DATE,
    "paymentMethod": TEXT,
    "cashAccount": TEXT,
    "paymentAmount": DECIMAL,
    "branch": TEXT,
    **dict.fromkeys(("paymentRef", "customer", "currency", "invoiceText"), TEXT),
}
LINE: dict[str, Field] = {"documentType": choice("Invoice"), "refNbr": TEXT, "amountPaid": DECIMAL}
FILTERS = {
    "paymentNbr": "refNbr",
    "paymentType": "type",
    "customer": "customer.number",
    "status": "status",
}
MOMENTS = {"lastModifiedDateTime": "lastModifiedDateTime", "docDate": "applicationDate"}


def create(store: DocumentStore, payload: Record) -> Record:
    record: Record = {
        "type": "Payment",
        "refNbr": "",
        "status": "Balanced",
        "hold": False,
        "paymentRef": "",
        "invoiceText": "",
        "branch": "1",
        "paymentLines": [],
    }
    values = unwrap(payload, HEADER, DTO)
    values.setdefault("applicationDate", now())
    return _write(store, record, values, payload, "creating")


def update(store: DocumentStore, record: Record, payload: Record) -> Record:
    if record["status"] not in ("Hold", "Balanced"):
        raise _error("updating", "The payment is released and cannot be changed.")
    return _write(store, record, unwrap(payload, HEADER, DTO), payload, "updating")


def _write(
    store: DocumentStore, record: Record, values: Record, payload: Record, verb: str
) -> Record:
    record = dict(record)
    try:
        _header(store, record, values)
        changes = unwrap_lines(payload.get("paymentLines"), LINE, DTO)
        record["paymentLines"] = _lines(store, record, changes)
    except VismaError as error:
        raise _error(verb, error.text) from None
    _balances(record)
    record["status"] = "Hold" if record["hold"] else "Balanced"
    record["lastModifiedDateTime"] = stamp()
    if not record["refNbr"]:  # numbered last: a refused payment uses no number
        record["refNbr"] = str(store.next_number("customer_payments", FIRST_NUMBER))
    store.put("customer_payments", record["refNbr"], record)
    return record


def _header(store: DocumentStore, record: Record, values: Record) -> None:
    if "customer" in values:
        customer = store.get("customers", values["customer"] or "")
        if customer is None or customer.get("status") != "Active":
            raise VismaError(400, f"Customer '{values['customer']}' cannot be found.")
        record["customer"] = {"number": customer["number"], "name": customer["name"]}
        values.setdefault("currency", customer.get("currencyId"))
    if "customer" not in record:
        raise VismaError(400, "'Customer' cannot be empty.")
    for name in ("type", "paymentRef", "invoiceText", "branch", "hold"):
        if values.get(name) is not None:
            record[name] = values[name]
    if "applicationDate" in values:
        record["applicationDate"] = day(values["applicationDate"])
        record["applicationPeriod"] = values["applicationDate"].strftime("%Y%m")
    if "paymentMethod" in values:
        method = reference.pair(PAYMENT_METHODS, values["paymentMethod"], "Payment method")
        record["paymentMethod"] = method
        values.setdefault("cashAccount", PAYMENT_METHODS[method["id"]][1])
    if "paymentMethod" not in record:
        raise VismaError(400, "'Payment method' cannot be empty.")
    if "cashAccount" in values:
        record["cashAccount"] = reference.pair(
            CASH_ACCOUNTS, values["cashAccount"], "Cash account"
        )["id"]
    if values.get("currency"):
        if not reference.currency_known(store, values["currency"]):
            raise VismaError(400, f"Currency '{values['currency']}' cannot be found in the system.")
        record["currency"] = values["currency"]
    if "paymentAmount" in values:
        record["paymentAmount"] = money(Decimal(values["paymentAmount"] or 0))
    if Decimal(record.get("paymentAmount") or 0) <= 0:
        raise VismaError(400, "'Payment amount' must be greater than zero.")


def _lines(store: DocumentStore, record: Record, changes: list[tuple[str, Record]]) -> list[Record]:
    lines = {line["refNbr"]: dict(line) for line in record["paymentLines"]}
    for operation, values in changes:
        number = values.get("refNbr") or ""
        if operation == "Delete":
            lines.pop(number, None)
            continue
        invoice = _open_invoice(store, record, number)
        line = lines.get(number) or {
            "documentType": "Invoice",
            "refNbr": number,
            "cashDiscountTaken": Decimal(0),
            "balanceWriteOff": Decimal(0),
            "date": invoice["documentDate"],
            "dueDate": invoice.get("documentDueDate"),
            "description": invoice.get("invoiceText", ""),
            "currency": invoice["currencyId"],
            "postPeriod": invoice.get("postPeriod", ""),
        }
        balance = Decimal(invoice["balanceInCurrency"])
        others = sum(
            (Decimal(entry["amountPaid"]) for key, entry in lines.items() if key != number),
            Decimal(0),
        )
        wanted = values.get("amountPaid")
        if wanted is None:
            wanted = min(balance, Decimal(record["paymentAmount"]) - others)
        lines[number] = line | {"amountPaid": money(Decimal(wanted)), "balance": balance}
    applied = sum((Decimal(line["amountPaid"]) for line in lines.values()), Decimal(0))
    if applied > Decimal(record["paymentAmount"]):
        raise VismaError(400, "The amount applied exceeds the payment amount.")
    for line in lines.values():
        if Decimal(line["amountPaid"]) > Decimal(line["balance"]):
            raise VismaError(400, f"Amount paid exceeds the balance of invoice '{line['refNbr']}'.")
    return list(lines.values())


def _open_invoice(store: DocumentStore, record: Record, number: str) -> Record:
    invoice = store.get(INVOICE.collection, number)
    if invoice is None or invoice.get("_deleted") or invoice["status"] != "Open":
        raise VismaError(400, f"Invoice '{number}' cannot be found among open documents.")
    if invoice["customer"]["number"] != record["customer"]["number"]:
        raise VismaError(400, f"Invoice '{number}' belongs to another customer.")
    if invoice["currencyId"] != record.get("currency"):
        raise VismaError(400, f"Invoice '{number}' is in another currency.")
    return invoice


def _balances(record: Record) -> None:
    applied = sum((Decimal(line["amountPaid"]) for line in record["paymentLines"]), Decimal(0))
    amount = Decimal(record["paymentAmount"])
    record |= {
        "paymentAmountInCurrency": amount,
        "appliedToDocuments": money(applied),
        "availableBalance": money(amount - applied),
        "availableBalanceInCurrency": money(amount - applied),
    }


def release(store: DocumentStore, record: Record) -> Record:
    """The `release` action: apply every line to its invoice, all or nothing."""
    if record["status"] == "Hold":
        raise VismaError(400, "The payment is on hold and cannot be released.")
    if record["status"] != "Balanced":
        raise VismaError(400, "The payment is already released.")
    invoices = [
        (_open_invoice(store, record, line["refNbr"]), line) for line in record["paymentLines"]
    ]
    for invoice, line in invoices:
        if Decimal(line["amountPaid"]) > Decimal(invoice["balanceInCurrency"]):
            raise VismaError(400, f"Amount paid exceeds the balance of invoice '{line['refNbr']}'.")
    document = {
        "documentType": "Payment",
        "customer": record["customer"],
        "referenceNumber": record["refNbr"],
    }
    lines = []
    for invoice, line in invoices:
        settled = apply_amount(invoice, document, money(Decimal(line["amountPaid"])))
        store.put(INVOICE.collection, settled["referenceNumber"], settled)
        lines.append(line | {"balance": settled["balanceInCurrency"]})
    released = record | {"paymentLines": lines, "lastModifiedDateTime": stamp()}
    released["status"] = "Closed" if Decimal(record["availableBalance"]) == 0 else "Open"
    store.put("customer_payments", record["refNbr"], released)
    return {"actionId": str(uuid.uuid4()), "actionResult": "Done"}


def _error(verb: str, text: str) -> VismaError:
    return VismaError(400, f"Error {verb} payment. Error: {text}")


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter(prefix=PATH)

    def find(number: str) -> Record:
        record = store.get("customer_payments", path_id(number))
        if record is None:
            raise VismaError(404, f"Payment '{path_id(number)}' cannot be found in the system.")
        return record

    @routes.get("")
    async def list_payments(request: Request) -> Response:
        extra = []
        if invoice := request.query_params.get("invoiceRefNbr"):
            extra.append(
                lambda record: any(line["refNbr"] == invoice for line in record["paymentLines"])
            )
        return listing(request, store.all("customer_payments"), dict, FILTERS, MOMENTS, extra)

    @routes.post("")
    async def create_payment(request: Request) -> Response:
        record = create(store, await read_dto(request, DTO))
        location = f"{base_url(request, config)}{PATH}/{record['refNbr']}"
        return Response(status_code=201, headers={"Location": location})

    @routes.get("/{number}")
    async def get_payment(number: str) -> Response:
        return DecimalJSONResponse(find(number))

    @routes.put("/{number}")
    async def put_payment(request: Request, number: str) -> Response:
        update(store, find(number), await read_dto(request, DTO))
        return Response(status_code=204)

    @routes.post("/{number}/action/release")
    async def release_payment(request: Request, number: str) -> Response:
        # `ReleasePaymentActionDto` only names the type, which the payment already has.
        return DecimalJSONResponse(release(store, find(number)))

    return routes
