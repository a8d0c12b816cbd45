"""`/3/orders` (fact sheet §4.2): list, create, read, partial update and the actions `cancel`,
`createinvoice` and `externalprint`.

Writes go through `documents.write`, shared with invoices. `createinvoice` turns the order into
an invoice (rows by `DeliveredQuantity`, references, currency and rate; §4.3), links both ways
(`OrderReference` / `InvoiceReference`) and answers `{"Invoice": ...}`; an order is invoiced
once, and a cancelled one not at all.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox import invoicing
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.documents import EMAIL, DocumentKind, from_customer, write
from brygga.sandbox.fortnox.errors import (
    DOCUMENT_LOCKED,
    ORDER_NOT_FOUND,
    FortnoxError,
)
from brygga.sandbox.fortnox.fields import AMOUNT, DAY, FLAG, TEXT, Field, read_wrapped, text
from brygga.sandbox.fortnox.lists import ListSpec, date_range, flags, list_response, natural
from brygga.sandbox.fortnox.rows import ORDER_ROWS
from brygga.sandbox.fortnox.tenant import timestamp, today
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
WRITABLE: dict[str, Field] = {
    "Address1": TEXT, "Address2": TEXT, "AdministrationFee": AMOUNT, "City": TEXT,
    "Comments": TEXT, "CopyRemarks": FLAG, "CostCenter": TEXT, "Country": TEXT,
    "Currency": text(3), "CurrencyRate": AMOUNT, "CurrencyUnit": AMOUNT, "CustomerName": TEXT,
    "CustomerNumber": TEXT, "DeliveryAddress1": TEXT, "DeliveryAddress2": TEXT,
    "DeliveryCity": TEXT, "DeliveryCountry": TEXT, "DeliveryDate": DAY, "DeliveryName": TEXT,
    "DeliveryZipCode": TEXT, "ExternalInvoiceReference1": text(80),
    "ExternalInvoiceReference2": text(80), "Freight": AMOUNT, "Language": text(None, "SV", "EN"),
    "NotCompleted": FLAG, "OrderDate": DAY, "OrganisationNumber": TEXT,
    "OurReference": text(50), "OutboundDate": DAY, "Phone1": TEXT, "Phone2": TEXT,
    "PriceList": TEXT, "PrintTemplate": TEXT, "Project": TEXT, "Remarks": text(1024),
    "StockPointCode": TEXT, "StockPointId": TEXT,
    "TaxReductionType": text(None, "none", "rot", "rut", "green"), "TermsOfDelivery": TEXT,
    "TermsOfPayment": TEXT, "VATIncluded": FLAG, "WayOfDelivery": TEXT,
    "YourOrderNumber": text(75), "YourReference": text(50), "ZipCode": TEXT,
}  # fmt: skip
READ_ONLY = frozenset({
    "@url", "@urlTaxReductionList", "AdministrationFeeVAT", "BasisTaxReduction", "Cancelled",
    "ContributionPercent", "ContributionValue", "DeliveryState", "DocumentNumber", "FreightVAT",
    "Gross", "HouseWork", "InvoiceReference", "Net", "OfferReference", "OrderType", "RoundOff",
    "Sent", "TaxReduction", "TimeBasisReference", "Total", "TotalToPay", "TotalVAT",
    "WarehouseReady",
})  # fmt: skip


def _new_order(customer: Record) -> Record:
    email = {
        "EmailAddressFrom": None,
        "EmailAddressTo": customer["EmailOrder"] or customer["Email"],
        "EmailAddressCC": customer["EmailOrderCC"],
        "EmailAddressBCC": customer["EmailOrderBCC"],
        "EmailSubject": "Order {no}",
        "EmailBody": "",
    }
    return from_customer(customer) | {
        "AdministrationFee": Decimal(0), "BasisTaxReduction": 0, "Cancelled": False,
        "Comments": "", "CopyRemarks": False, "CustomerNumber": customer["CustomerNumber"],
        "DeliveryDate": None, "DeliveryState": "delivery", "DocumentNumber": None,
        "EmailInformation": email, "ExternalInvoiceReference1": "",
        "ExternalInvoiceReference2": "", "Freight": Decimal(0), "InvoiceReference": "0",
        "Labels": [], "Language": "SV", "NotCompleted": False, "OfferReference": "0",
        "OrderDate": today(), "OrderRows": [], "OrderType": "Order", "OutboundDate": None,
        "PrintTemplate": "oc", "Remarks": "", "Sent": False, "StockPointCode": None,
        "StockPointId": None, "TaxReduction": None, "TaxReductionType": "none",
        "TimeBasisReference": None, "VATIncluded": customer["ShowPriceVATIncluded"],
        "WarehouseReady": False, "YourOrderNumber": "",
    }  # fmt: skip


ORDER = DocumentKind(
    counter="order",
    date="OrderDate",
    rows=ORDER_ROWS,
    writable=WRITABLE,
    read_only=READ_ONLY,
    nested={"EmailInformation": EMAIL},
    blank=_new_order,
)


def find(store: DocumentStore, number: str) -> Record:
    record = store.get("orders", number)
    if record is None:
        raise FortnoxError(404, ORDER_NOT_FOUND, "Kan inte hitta ordern.")
    return record


def _invoiced(order: Record) -> bool:
    return order["InvoiceReference"] not in ("", "0")


def _item(order: Record, base: str) -> Record:
    names = ("Cancelled", "Currency", "CustomerName", "CustomerNumber", "DeliveryDate",
             "DocumentNumber", "ExternalInvoiceReference1", "ExternalInvoiceReference2",
             "OrderDate", "OrderType", "Project", "Sent", "Total")  # fmt: skip
    url = f"{base}/3/orders/{order['DocumentNumber']}"
    return {"@url": url} | {name: order[name] for name in names}


SEARCH = {
    "customername": "CustomerName", "customernumber": "CustomerNumber",
    "documentnumber": "DocumentNumber", "costcenter": "CostCenter", "project": "Project",
    "externalinvoicereference1": "ExternalInvoiceReference1",
    "externalinvoicereference2": "ExternalInvoiceReference2", "ourreference": "OurReference",
    "yourreference": "YourReference", "ordertype": "OrderType",
}  # fmt: skip


LIST = ListSpec(
    plural="Orders",
    item=_item,
    sort_keys={
        "customername": lambda order: order["CustomerName"].lower(),
        "customernumber": lambda order: natural(order["CustomerNumber"]),
        "orderdate": lambda order: order["OrderDate"],
        "documentnumber": lambda order: natural(order["DocumentNumber"]),
        "total": lambda order: Decimal(order["Total"]),
    },
    default_sort="documentnumber",
    search=SEARCH,
    filters={
        "cancelled": lambda order: order["Cancelled"],
        "invoicecreated": _invoiced,
        "invoicenotcreated": lambda order: not _invoiced(order) and not order["Cancelled"],
        # Inferred: open orders whose delivery date has passed.
        "expired": lambda order: (
            not _invoiced(order)
            and not order["Cancelled"]
            and bool(order["DeliveryDate"])
            and order["DeliveryDate"] < today()
        ),
    },
    predicates=lambda query: (
        date_range(query, "OrderDate")
        + flags(query, {"sent": "Sent", "notcompleted": "NotCompleted"})
    ),
)


def open_for_invoicing(order: Record) -> bool:
    return not order["Cancelled"] and not _invoiced(order)


def create_invoice_of(context: Context, number: str) -> Record:
    """`PUT /3/orders/{n}/createinvoice`: the order's invoice, stored, and the order linked."""
    order = find(context.store, number)
    if not open_for_invoicing(order):
        state = "makulerad" if order["Cancelled"] else "redan fakturerad"
        raise FortnoxError(400, DOCUMENT_LOCKED, f"Ordern är {state}")
    invoice = invoicing.from_order(context, order)
    linked = order | {"InvoiceReference": invoice["DocumentNumber"], "_LastModified": timestamp()}
    context.store.put("orders", number, linked)
    context.events.emit("orders", "order-updated-v1", number)
    return invoice


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3/orders", dependencies=[context.access.requires("order")])
    store, events = context.store, context.events

    def respond(request: Request, order: Record, status: int = 200) -> Response:
        number = order["DocumentNumber"]
        tax = f"/3/taxreductions?filter=orders&referencenumber={number}"
        path = f"/3/orders/{number}"
        return context.reply(request, "Order", path, order, status, {"@urlTaxReductionList": tax})

    def saved(order: Record, kind: str) -> Record:
        store.put("orders", order["DocumentNumber"], order)
        events.emit("orders", kind, order["DocumentNumber"])
        return order

    @routes.get("")
    async def list_orders(request: Request) -> Response:
        return list_response(request, context.config, store.all("orders"), LIST)

    @routes.post("")
    async def create_order(request: Request) -> Response:
        order = write(store, ORDER, None, await read_wrapped(request, "Order"))
        return respond(request, saved(order, "order-created-v1"), 201)

    @routes.get("/{number}")
    async def get_order(request: Request, number: str) -> Response:
        return respond(request, find(store, number))

    @routes.put("/{number}")
    async def update_order(request: Request, number: str) -> Response:
        order = find(store, number)
        payload = await read_wrapped(request, "Order")
        if order["Cancelled"]:
            raise FortnoxError(400, DOCUMENT_LOCKED, "Ordern är makulerad och kan inte ändras")
        return respond(request, saved(write(store, ORDER, order, payload), "order-updated-v1"))

    @routes.put("/{number}/cancel")
    async def cancel_order(request: Request, number: str) -> Response:
        order = find(store, number) | {"Cancelled": True, "_LastModified": timestamp()}
        return respond(request, saved(order, "order-cancelled-v1"))

    @routes.put("/{number}/externalprint")
    async def print_order(request: Request, number: str) -> Response:
        order = find(store, number) | {"Sent": True, "_LastModified": timestamp()}
        return respond(request, saved(order, "order-updated-v1"))

    @routes.put("/{number}/createinvoice")
    async def create_invoice(request: Request, number: str) -> Response:
        return invoicing.respond(context, request, create_invoice_of(context, number))

    return routes
