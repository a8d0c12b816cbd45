"""`/3/invoices` (fact sheet §4.3, §4.4): list, create, read, partial update, and the document
state machine (§7.5).

- `bookkeep` books the invoice (voucher series B); a booked invoice no longer changes.
- `cancel` voids an unbooked invoice without payments.
- `credit` creates a full credit invoice (negated rows, freight and fee; `Credit` "true", its
  `CreditInvoiceReference` pointing back) and answers with the ORIGINAL, whose
  `CreditInvoiceReference` now holds the credit's number. The credit settles what was still
  open on the original: the original's balance becomes 0 and the credit's balance is minus what
  had been paid, i.e. the refund due (inferred from Fortnox's "krediterad" status).
- A partial credit is a POST with negative quantities and `CreditInvoiceReference`; it is linked
  the same way but settles nothing (§4.4, behaviour unconfirmed).
- Only one credit invoice per invoice, and credit invoices are not credited again (§4.4).
- `externalprint` marks the invoice sent, `warehouseready` marks it ready for the warehouse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import ALREADY_CREDITED, DOCUMENT_LOCKED, FortnoxError
from brygga.sandbox.fortnox.fields import plain, quantity_text, read_wrapped
from brygga.sandbox.fortnox.invoices import LIST, WRITABLE, find, save, settle
from brygga.sandbox.fortnox.lists import list_response
from brygga.sandbox.fortnox.rows import INVOICE_ROW
from brygga.sandbox.fortnox.tenant import FINANCIAL_YEAR_ID, timestamp
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
VOUCHER_SERIES = "B"  # customer invoices in the BAS default voucher series
NOT_COPIED = frozenset({"CreditInvoiceReference", "DueDate", "InvoiceDate", "OCR",
                        "PrintTemplate", "Remarks"})  # fmt: skip


def respond(context: Context, request: Request, invoice: Record, status: int = 200) -> Response:
    number = invoice["DocumentNumber"]
    tax = f"/3/taxreductions?filter=invoices&referencenumber={number}"
    path = f"/3/invoices/{number}"
    return context.reply(request, "Invoice", path, invoice, status, {"@urlTaxReductionList": tax})


def stored(context: Context, invoice: Record, kind: str) -> Record:
    """Store the invoice and log the change as an event of type `kind`."""
    context.store.put("invoices", invoice["DocumentNumber"], invoice)
    context.events.emit("invoices", kind, invoice["DocumentNumber"])
    return invoice


def _copy(document: Record, rows_key: str, sign: int) -> Record:
    """An invoice payload from an order or invoice; `sign` -1 negates every amount."""
    payload = {name: document[name] for name in WRITABLE.keys() - NOT_COPIED if name in document}
    for name in ("Freight", "AdministrationFee"):
        payload[name] = plain(sign * Decimal(document[name] or 0))
    rows = []
    for row in document[rows_key]:
        copied = {name: row[name] for name in INVOICE_ROW if name in row and name != "RowId"}
        copied["DeliveredQuantity"] = quantity_text(sign * Decimal(row["DeliveredQuantity"]))
        rows.append(copied)
    return payload | {"InvoiceRows": rows}


def from_order(context: Context, order: Record) -> Record:
    """`PUT /3/orders/{n}/createinvoice`: the invoice of an order, stored."""
    payload = _copy(order, "OrderRows", 1)
    if order["CopyRemarks"]:
        payload["Remarks"] = order["Remarks"]
    invoice = save(context.store, None, payload) | {"OrderReference": order["DocumentNumber"]}
    return stored(context, invoice, "invoice-created-v1")


def _credit_target(store: DocumentStore, number: str) -> Record:
    original = find(store, number)
    if original["Cancelled"] or original["Credit"] == "true":
        raise FortnoxError(400, DOCUMENT_LOCKED, "Fakturan kan inte krediteras")
    if original["CreditInvoiceReference"] not in ("", "0"):
        raise FortnoxError(400, ALREADY_CREDITED, "Fakturan är redan krediterad")
    return original


def full_credit(context: Context, number: str) -> Record:
    """`PUT /3/invoices/{n}/credit`: the original, now linked to its new full credit invoice."""
    original = _credit_target(context.store, number)
    payload = _copy(original, "InvoiceRows", -1)
    payload["CreditInvoiceReference"] = original["DocumentNumber"]
    credit = save(context.store, None, payload)
    open_amount = Decimal(original["Balance"])
    credit = settle(context.store, credit | {"Credit": "true", "_Credited": -open_amount})
    stored(context, credit, "invoice-created-v1")
    linked = original | {"CreditInvoiceReference": credit["DocumentNumber"],
                         "_Credited": Decimal(original["_Credited"]) + open_amount}  # fmt: skip
    return stored(context, settle(context.store, linked) | _touched(), "invoice-updated-v1")


def _touched() -> Record:
    return {"_LastModified": timestamp()}


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3/invoices", dependencies=[context.access.requires("invoice")])
    store = context.store

    def unlocked(number: str) -> Record:
        invoice = find(store, number)
        if invoice["Booked"] or invoice["Cancelled"]:
            state = "bokförd" if invoice["Booked"] else "makulerad"
            raise FortnoxError(400, DOCUMENT_LOCKED, f"Fakturan är {state} och kan inte ändras")
        return invoice

    @routes.get("")
    async def list_invoices(request: Request) -> Response:
        return list_response(request, context.config, store.all("invoices"), LIST)

    @routes.post("")
    async def create_invoice(request: Request) -> Response:
        payload = await read_wrapped(request, "Invoice")
        reference = str(payload.get("CreditInvoiceReference") or "0")
        original = None if reference == "0" else _credit_target(store, reference)
        invoice = save(store, None, payload)
        if original is not None:
            invoice["Credit"] = "true"
            linked = original | {"CreditInvoiceReference": invoice["DocumentNumber"]}
            stored(context, linked | _touched(), "invoice-updated-v1")
        return respond(context, request, stored(context, invoice, "invoice-created-v1"), 201)

    @routes.get("/{number}")
    async def get_invoice(request: Request, number: str) -> Response:
        return respond(context, request, find(store, number))

    @routes.put("/{number}")
    async def update_invoice(request: Request, number: str) -> Response:
        payload = await read_wrapped(request, "Invoice")
        payload.pop("CreditInvoiceReference", None)  # the credit link is set once, on create
        invoice = save(store, unlocked(number), payload)
        return respond(context, request, stored(context, invoice, "invoice-updated-v1"))

    @routes.put("/{number}/bookkeep")
    async def bookkeep(request: Request, number: str) -> Response:
        invoice = unlocked(number)
        voucher = {
            "Booked": True,
            "VoucherNumber": store.next_number(f"voucher-{VOUCHER_SERIES}"),
            "VoucherSeries": VOUCHER_SERIES,
            "VoucherYear": FINANCIAL_YEAR_ID,
        }
        booked = invoice | voucher | _touched()
        return respond(context, request, stored(context, booked, "invoice-bookkeep-v1"))

    @routes.put("/{number}/cancel")
    async def cancel(request: Request, number: str) -> Response:
        invoice = unlocked(number)
        if invoice["_Payments"]:
            raise FortnoxError(400, DOCUMENT_LOCKED, "Fakturan har inbetalningar")
        if invoice["Credit"] == "true" and invoice["CreditInvoiceReference"] not in ("", "0"):
            original = find(store, invoice["CreditInvoiceReference"])
            credited = Decimal(original["_Credited"]) + Decimal(invoice["_Credited"])
            unlinked = original | {"CreditInvoiceReference": "0", "_Credited": credited}
            stored(context, settle(store, unlinked) | _touched(), "invoice-updated-v1")
        invoice = invoice | {"Cancelled": True} | _touched()
        return respond(context, request, stored(context, invoice, "invoice-cancelled-v1"))

    @routes.put("/{number}/credit")
    async def credit(request: Request, number: str) -> Response:
        return respond(context, request, full_credit(context, number))

    @routes.put("/{number}/externalprint")
    async def external_print(request: Request, number: str) -> Response:
        invoice = find(store, number) | {"Sent": True} | _touched()
        return respond(context, request, stored(context, invoice, "invoice-updated-v1"))

    @routes.put("/{number}/warehouseready")
    async def warehouse_ready(request: Request, number: str) -> Response:
        invoice = find(store, number) | {"WarehouseReady": True} | _touched()
        return respond(context, request, stored(context, invoice, "invoice-updated-v1"))

    return routes
