"""`/3/invoicepayments` (fact sheet §4.5): list, create, read, update, delete, bookkeep.

- `InvoiceNumber` is required and names an invoice that is not cancelled. `Currency`, when
  sent, must be the invoice's ("currency must match"); the payment date may not precede the
  invoice date.
- Amounts: `AmountCurrency` is in the invoice currency, `Amount` in SEK; whichever is missing is
  derived with `CurrencyRate`/`CurrencyUnit` (default: the invoice's rate). Each payment, with
  its write-offs, lowers the invoice's `Balance`, so `filter=fullypaid|unpaid` reflect it.
- A booked payment (voucher series C) no longer changes and cannot be deleted; booking one
  needs a booked invoice (inferred: the payment voucher settles the booked receivable).
- The list knows `invoicenumber`, `lastmodified` and `sortby=paymentdate`; `fromdate`/`todate`
  are refused with 2000588, as live.
- `ModeOfPayment` is a code of the company's modes of payment (§4.5, `MODES_OF_PAYMENT`, listed
  at `/3/modesofpayments` by `company.py`); an unknown code is refused. A payment
  with a mode and no `ModeOfPaymentAccount` is booked to the mode's account, one without either
  to the bank account 1930.
Deleted payments stay as tombstones, so their numbers are never reused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox import invoices
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import (
    DOCUMENT_LOCKED,
    INVALID_PARAMETER,
    INVOICE_NOT_FOUND,
    PAYMENT_NOT_FOUND,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    DAY,
    INTEGER,
    TEXT,
    Field,
    clean,
    plain,
    read_wrapped,
    text,
)
from brygga.sandbox.fortnox.lists import ListSpec, list_response, natural
from brygga.sandbox.fortnox.tenant import FINANCIAL_YEAR_ID, existing, timestamp, today
from brygga.sandbox.fortnox.totals import cents
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
WRITABLE: dict[str, Field] = {
    "Amount": AMOUNT, "AmountCurrency": AMOUNT, "Currency": text(3), "CurrencyRate": AMOUNT,
    "CurrencyUnit": AMOUNT, "InvoiceNumber": INTEGER, "ModeOfPayment": TEXT,
    "ModeOfPaymentAccount": INTEGER, "PaymentDate": DAY,
}  # fmt: skip
WRITE_OFF: dict[str, Field] = {
    "AccountNumber": INTEGER, "Amount": AMOUNT, "CostCenter": TEXT, "Currency": text(3),
    "Description": TEXT, "Project": TEXT, "TransactionInformation": TEXT,
}  # fmt: skip
READ_ONLY = frozenset({
    "@url", "Booked", "ExternalInvoiceReference1", "ExternalInvoiceReference2",
    "InvoiceCustomerName", "InvoiceCustomerNumber", "InvoiceDueDate", "InvoiceOCR",
    "InvoiceTotal", "Number", "Source", "VoucherNumber", "VoucherSeries", "VoucherYear",
})  # fmt: skip
VOUCHER_SERIES = "C"  # payments received, in the BAS default voucher series
BANK_ACCOUNT = 1930  # the default ModeOfPaymentAccount (företagskonto)
# The demo company's modes of payment: code → (description, account). A shop that sells gift
# cards books what they pay to the liability of unredeemed cards (BAS 2421).
MODES_OF_PAYMENT = {
    "BG": ("Bankgiro", 1930),
    "KORT": ("Kortbetalning", 1580),
    "PRESENTKORT": ("Presentkort", 2421),
}
# Sandbox-invented, like errors.py's 20034xx codes: Fortnox's code and wording are unconfirmed.
MODE_OF_PAYMENT_NOT_FOUND = 2003420


def _invoice(store: DocumentStore, number: Any) -> Record:
    invoice = store.get("invoices", str(number)) if number is not None else None
    if invoice is None:
        raise FortnoxError(400, INVOICE_NOT_FOUND, "Kan inte hitta fakturan.")
    if invoice["Cancelled"]:
        raise invalid_value("Fakturan är makulerad")
    return invoice


def write(store: DocumentStore, payment: Record | None, payload: Record) -> Record:
    """A new or updated payment, validated against its invoice; not yet stored."""
    write_offs = payload.pop("WriteOffs", None)
    changes = clean(payload, WRITABLE, READ_ONLY)
    if payment is not None:
        changes.pop("InvoiceNumber", None)  # a payment stays with its invoice
    invoice = _invoice(store, changes.get("InvoiceNumber", payment and payment["InvoiceNumber"]))
    if changes.get("Currency", invoice["Currency"]) != invoice["Currency"]:
        raise invalid_value(f"Valuta {changes['Currency']} och {invoice['Currency']} matchar inte")
    updated = (payment or _blank(invoice)) | changes
    if changes.get("ModeOfPayment"):
        _, account = _mode_of_payment(changes["ModeOfPayment"])
        updated["ModeOfPaymentAccount"] = changes.get("ModeOfPaymentAccount", account)
    updated["PaymentDate"] = updated["PaymentDate"] or today()
    if updated["PaymentDate"] < invoice["InvoiceDate"]:
        raise invalid_value("Betalningsdatum kan inte vara före fakturadatum")
    if write_offs is not None:
        if not isinstance(write_offs, list) or not all(isinstance(w, dict) for w in write_offs):
            raise invalid_value("Ogiltigt värde för WriteOffs")
        updated["WriteOffs"] = [clean(w, WRITE_OFF, frozenset()) for w in write_offs]
    updated = _amounts(updated, changes)
    if updated["Number"] is None:  # numbered only once the payment is valid
        updated["Number"] = str(store.next_number("invoicepayment"))
    return updated | {"_LastModified": timestamp()}


def _mode_of_payment(code: str) -> tuple[str, int]:
    if code not in MODES_OF_PAYMENT:
        raise FortnoxError(
            400, MODE_OF_PAYMENT_NOT_FOUND, f'Kunde inte hitta betalningssätt "{code}"'
        )
    return MODES_OF_PAYMENT[code]


def _blank(invoice: Record) -> Record:
    return {
        "Amount": None, "AmountCurrency": None, "Booked": False, "Currency": invoice["Currency"],
        "CurrencyRate": invoice["CurrencyRate"], "CurrencyUnit": invoice["CurrencyUnit"],
        "ExternalInvoiceReference1": invoice["ExternalInvoiceReference1"],
        "ExternalInvoiceReference2": invoice["ExternalInvoiceReference2"],
        "InvoiceCustomerName": invoice["CustomerName"],
        "InvoiceCustomerNumber": invoice["CustomerNumber"], "InvoiceDueDate": invoice["DueDate"],
        "InvoiceNumber": int(invoice["DocumentNumber"]), "InvoiceOCR": invoice["OCR"],
        "InvoiceTotal": str(invoice["Total"]), "ModeOfPayment": "",
        "ModeOfPaymentAccount": BANK_ACCOUNT, "Number": None,
        "PaymentDate": None, "Source": "manual", "VoucherNumber": None, "VoucherSeries": None,
        "VoucherYear": None, "WriteOffs": [],
    }  # fmt: skip


def _amounts(payment: Record, changes: Record) -> Record:
    """Derive the missing one of Amount (SEK) and AmountCurrency (invoice currency)."""
    rate = Decimal(payment["CurrencyRate"] or 0) / Decimal(payment["CurrencyUnit"] or 1)
    if not rate:
        raise invalid_value("CurrencyRate måste vara större än noll")
    given = changes.keys() & {"Amount", "AmountCurrency"}
    amount, in_currency = payment["Amount"], payment["AmountCurrency"]
    if given == {"Amount"}:
        in_currency = None if amount is None else cents(Decimal(amount) / rate)
    elif given == {"AmountCurrency"} or (
        not given and {"CurrencyRate", "CurrencyUnit"} & changes.keys()
    ):
        amount = None if in_currency is None else cents(Decimal(in_currency) * rate)
    if amount is None or in_currency is None:
        raise invalid_value("Amount eller AmountCurrency måste anges")
    return payment | {
        "Amount": plain(Decimal(amount)),
        "AmountCurrency": plain(Decimal(in_currency)),
    }


def find(store: DocumentStore, number: str) -> Record:
    payment = existing(store, "invoicepayments", number)
    if payment is None:
        raise FortnoxError(404, PAYMENT_NOT_FOUND, "Kan inte hitta inbetalningen.")
    return payment


def _item(payment: Record, base: str) -> Record:
    names = ("Amount", "Booked", "Currency", "CurrencyRate", "CurrencyUnit", "InvoiceNumber",
             "Number", "PaymentDate", "Source")  # fmt: skip
    item = {"@url": f"{base}/3/invoicepayments/{payment['Number']}"}
    item |= {name: payment[name] for name in names}
    return item | {"WriteOffExist": bool(payment["WriteOffs"])}


def _query_checks(query: dict[str, str]) -> list[Any]:
    if {"fromdate", "todate"} & query.keys():
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
    if "invoicenumber" not in query:
        return []
    return [lambda payment: str(payment["InvoiceNumber"]) == query["invoicenumber"].strip()]


LIST = ListSpec(
    plural="InvoicePayments",
    item=_item,
    sort_keys={
        "number": lambda payment: natural(payment["Number"]),
        "paymentdate": lambda payment: (payment["PaymentDate"], natural(payment["Number"])),
    },
    default_sort="number",
    predicates=_query_checks,
)


def save(context: Context, payment: Record, kind: str | None = None) -> Record:
    """Store the payment and log it; a change of amounts also settles its invoice."""
    context.store.put("invoicepayments", payment["Number"], payment)
    if kind is not None:
        context.events.emit("invoices", kind, payment["Number"])
    if payment["Booked"]:
        return payment  # booking changes no amount
    invoice = context.store.get("invoices", str(payment["InvoiceNumber"]))
    numbers = [n for n in invoice["_Payments"] if n != payment["Number"]]
    if not payment.get("_Deleted"):
        numbers.append(payment["Number"])
    invoice = invoices.settle(context.store, invoice | {"_Payments": numbers})
    context.store.put(
        "invoices", invoice["DocumentNumber"], invoice | {"_LastModified": timestamp()}
    )
    context.events.emit("invoices", "invoice-updated-v1", invoice["DocumentNumber"])
    return payment


def router(context: Context) -> APIRouter:
    prefix = "/3/invoicepayments"
    routes = APIRouter(prefix=prefix, dependencies=[context.access.requires("payment")])
    store = context.store

    def respond(request: Request, payment: Record, status: int = 200) -> Response:
        path = f"{prefix}/{payment['Number']}"
        return context.reply(request, "InvoicePayment", path, payment, status)

    def saved(payment: Record, kind: str | None = None) -> Record:
        return save(context, payment, kind)

    def unbooked(number: str) -> Record:
        payment = find(store, number)
        if payment["Booked"]:
            raise FortnoxError(400, DOCUMENT_LOCKED, "Inbetalningen är bokförd")
        return payment

    @routes.get("")
    async def list_payments(request: Request) -> Response:
        return list_response(request, context.config, store.all("invoicepayments"), LIST)

    @routes.post("")
    async def create_payment(request: Request) -> Response:
        payment = write(store, None, await read_wrapped(request, "InvoicePayment"))
        return respond(request, saved(payment), 201)

    @routes.get("/{number}")
    async def get_payment(request: Request, number: str) -> Response:
        return respond(request, find(store, number))

    @routes.put("/{number}")
    async def update_payment(request: Request, number: str) -> Response:
        payload = await read_wrapped(request, "InvoicePayment")
        return respond(request, saved(write(store, unbooked(number), payload)))

    @routes.delete("/{number}", status_code=204)
    async def delete_payment(number: str) -> Response:
        saved(unbooked(number) | {"_Deleted": True}, "invoicepayment-deleted-v1")
        return Response(status_code=204)

    @routes.put("/{number}/bookkeep")
    async def bookkeep(request: Request, number: str) -> Response:
        payment = unbooked(number)
        if not store.get("invoices", str(payment["InvoiceNumber"]))["Booked"]:
            raise invalid_value("Fakturan måste vara bokförd innan inbetalningen bokförs")
        voucher = {
            "Booked": True,
            "VoucherNumber": store.next_number(f"voucher-{VOUCHER_SERIES}"),
            "VoucherSeries": VOUCHER_SERIES,
            "VoucherYear": FINANCIAL_YEAR_ID,
        }
        payment = payment | voucher | {"_LastModified": timestamp()}
        return respond(request, saved(payment, "invoicepayment-bookkeep-v1"))

    return routes
