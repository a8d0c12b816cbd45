"""Invoices (fact sheet §4.5): `POST /V1/order/{orderId}/invoice`, `GET /V1/invoices[/{id}]`.

Invoicing follows Magento's InvoiceOrder service: no `items` invoices everything left; a child
line's id stands for its configurable parent; unknown ids are ignored. The CanInvoice and
InvoiceQuantity validators refuse with one 400 "Invoice Document Validation Error(s):\\n..." (the
wording from Magento 2.4's source, not captured live, §8). The payment methods are offline, so
an invoice is paid at once (state 2): `total_invoiced`, `total_paid`, item `qty_invoiced` grow
and the order moves to `processing`, or `complete` if nothing is left to invoice or ship. The
first invoice takes all of the shipping. An invoice takes the order's gift cards and store credit
left before anything else, and its grand total is what the payment method paid (`prepaid`). The
result is the new id as a JSON string (§3.2).
`POST /V1/invoices/comments` adds a comment to an existing invoice (InvoiceCommentRepository::save,
per the admin schema): the saved comment comes back, an unknown `parent_id` is refused with
"Could not save the invoice comment." (wording from Magento's source), `updated_at` stays.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.magento import deviations, prepaid
from brygga.sandbox.magento.auth import Access
from brygga.sandbox.magento.data import ArrayOf, DataType, read_body
from brygga.sandbox.magento.documents import (
    PREFIXES,
    book,
    comment,
    document_item,
    header,
    lines,
    totals,
    wanted,
)
from brygga.sandbox.magento.errors import bad_request
from brygga.sandbox.magento.orders import load
from brygga.sandbox.magento.sales import dec, settle, visible_items
from brygga.sandbox.magento.search import Listing, search
from brygga.sandbox.magento.shop import now
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
Ids = Callable[[str], int]
INVOICES = "Magento_Sales::sales_invoice"
PARAMS = {
    "capture": "bool",
    "items": ArrayOf(
        DataType(
            "Magento\\Sales\\Api\\Data\\InvoiceItemCreationInterface",
            {"order_item_id": "int", "qty": "float", "extension_attributes": "mixed"},
        )
    ),
    "notify": "bool",
    "appendComment": "bool",
    "comment": DataType(
        "Magento\\Sales\\Api\\Data\\InvoiceCommentCreationInterface",
        {"comment": "string", "is_visible_on_front": "int", "extension_attributes": "mixed"},
    ),
    "arguments": "mixed",
}
COUNTERS = {
    "row_total": ("row_total", "row_invoiced"),
    "tax_amount": ("tax_amount", "tax_invoiced"),
    "discount_amount": ("discount_amount", "discount_invoiced"),
    "discount_tax_compensation_amount": (
        "discount_tax_compensation_amount",
        "discount_tax_compensation_invoiced",
    ),
}
# Order totals that grow by the invoice's total of the same name.
ORDER_TOTALS = {
    "subtotal_invoiced": "subtotal", "tax_invoiced": "tax_amount",
    "shipping_invoiced": "shipping_amount", "discount_invoiced": "discount_amount",
    "discount_tax_compensation_invoiced": "discount_tax_compensation_amount",
    "total_invoiced": "grand_total", "total_paid": "grand_total",
}  # fmt: skip
REFUSING_STATES = ("payment_review", "holded", "canceled", "complete", "closed")
INVOICE_COMMENT = DataType(
    "Magento\\Sales\\Api\\Data\\InvoiceCommentInterface",
    {
        "comment": "string", "created_at": "string", "entity_id": "int",
        "is_customer_notified": "int", "is_visible_on_front": "int", "parent_id": "int",
        "extension_attributes": "mixed",
    },
)  # fmt: skip


def to_invoice(item: Record) -> Decimal:
    return dec(item["qty_ordered"]) - dec(item["qty_invoiced"]) - dec(item["qty_canceled"])


def create(
    order: Record,
    requested: list[Record] | None,
    ids: Ids,
    stamp: str,
    note: Record | None = None,
    notify: bool = False,
) -> Record:
    """Invoice `order` (changed in place); the new invoice."""
    quantities = wanted(order, requested, to_invoice)
    problems = _problems(order, quantities)
    if problems:
        raise bad_request("Invoice Document Validation Error(s):\n" + "\n".join(problems))
    invoice_id = ids("invoice")
    shares = lines(order, quantities, COUNTERS, ("qty_ordered", "qty_invoiced"))
    first = order.get("shipping_invoiced") is None
    shipping = {
        prefix + name: dec(order[prefix + name]) if first else Decimal(0)
        for prefix in PREFIXES
        for name in ("shipping_amount", "shipping_tax_amount", "shipping_incl_tax")
    }
    amounts = totals(shares, shipping)
    paid_before = prepaid.take(order, amounts, "amount", "invoiced")
    book(shares, COUNTERS, "qty_invoiced")
    for prefix in PREFIXES:
        for field, name in ORDER_TOTALS.items():
            order[prefix + field] = dec(order.get(prefix + field)) + amounts[prefix + name]
        order[prefix + "total_due"] = (
            dec(order[prefix + "grand_total"]) - order[prefix + "total_paid"]
        )
        payment = order["payment"]
        payment[prefix + "amount_paid"] = (
            dec(payment.get(prefix + "amount_paid")) + amounts[prefix + "grand_total"]
        )
        payment[prefix + "shipping_captured"] = (
            dec(payment.get(prefix + "shipping_captured")) + amounts[prefix + "shipping_amount"]
        )
    order["updated_at"] = stamp
    settle(order, in_progress=True)
    notes = [comment(note, ids("invoice_comment"), invoice_id, notify, stamp)] if note else []
    return (
        header(order, invoice_id, f"{invoice_id:09d}", stamp)
        | amounts
        | {
            "can_void_flag": 0,
            "shipping_discount_tax_compensation_amount": Decimal(0),
            "base_shipping_discount_tax_compensation_amnt": Decimal(0),
            "state": 2,  # paid
            "total_qty": sum(
                share["qty"] for share in shares if not share["_item"].get("parent_item_id")
            ),
            "items": [document_item(share, ids("invoice_item"), invoice_id) for share in shares],
            "comments": notes,
        }
        | ({"extension_attributes": paid_before} if paid_before else {})
    )


def _problems(order: Record, quantities: dict[int, Decimal]) -> list[str]:
    """CanInvoice, then InvoiceQuantityValidator."""
    if order["state"] in REFUSING_STATES:
        return [f"An invoice cannot be created when an order has a status of {order['status']}"]
    items = visible_items(order)
    if not any(to_invoice(item) > 0 for item in items):
        return ["The order does not allow an invoice to be created."]
    problems = [
        "The quantity to invoice must not be greater than the uninvoiced quantity for product "
        f'SKU "{item["sku"]}".'
        for item in items
        if quantities.get(item["item_id"], 0) > to_invoice(item)
    ]
    if not quantities:
        problems.append("You can't create an invoice without products.")
    return problems


LISTING = Listing(
    key=lambda invoice: invoice["entity_id"],
    row=lambda invoice: {k: v for k, v in invoice.items() if not isinstance(v, dict | list)},
    item=lambda invoice: invoice,
    nullable=frozenset({"transaction_id", "email_sent", "discount_description"}),
)


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1", dependencies=[access.requires(INVOICES)])

    @routes.post("/order/{order_id}/invoice")
    async def invoice_order(request: Request, order_id: str) -> Response:
        order = load(store, "orders", order_id)
        body = await read_body(request, PARAMS)
        note = body.get("comment") if body.get("appendComment") else None
        invoice = create(
            order, body.get("items"), store.next_number, now(), note, bool(body.get("notify"))
        )
        store.put("invoices", str(invoice["entity_id"]), invoice)
        store.put("orders", str(order["entity_id"]), order)
        return MagentoResponse(deviations.scalar_id(invoice["entity_id"]))

    @routes.post("/invoices/comments")
    async def add_comment(request: Request) -> Response:
        given = (await read_body(request, {"entity": INVOICE_COMMENT}, "entity"))["entity"]
        invoice = store.get("invoices", str(given.get("parent_id") or 0))
        if invoice is None:  # the comment's foreign key fails: CouldNotSaveException
            raise bad_request("Could not save the invoice comment.")
        note = comment(
            given,
            store.next_number("invoice_comment"),
            invoice["entity_id"],
            bool(given.get("is_customer_notified")),
            now(),
        )
        invoice["comments"].append(note)
        store.put("invoices", str(invoice["entity_id"]), invoice)
        return MagentoResponse(note)

    @routes.get("/invoices")
    async def list_invoices(request: Request) -> Response:
        return search(request, store.all("invoices"), LISTING)

    @routes.get("/invoices/{invoice_id}")
    async def get_invoice(invoice_id: str) -> Response:
        return MagentoResponse(load(store, "invoices", invoice_id))

    return routes
