"""Credit memos (fact sheet §4.6): offline refunds of an order or of one invoice, and reading.

`POST /V1/order/{orderId}/refund` and `POST /V1/invoice/{invoiceId}/refund` follow Magento's
RefundOrder / RefundInvoice services: no `items` refunds everything invoiced and not refunded
(of that invoice), and the shipping left is refunded unless `arguments.shipping_amount` says
otherwise. `shipping_amount` (including tax, as this store's shipping prices are) and the
adjustments are in the base currency (CreditmemoFactory sets the base amounts). The CanRefund,
quantity and totals validators refuse with one 400 "Creditmemo Document Validation Error(s):\\n..."
(Magento 2.4 source wording, §8); more than was paid is refused with "The most money available
to refund is %1.". The order's `total_refunded` and items' `qty_refunded` grow; a fully refunded
order is `closed`. `return_to_stock_items` puts the quantities back on the default source. A memo
takes back the order's invoiced gift cards and store credit before anything else, so its grand
total is what goes back to the payment method (`prepaid`). The result is the new id as a JSON
string (§3.2).
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
from brygga.sandbox.magento.sales import dec, from_base, settle, visible_items
from brygga.sandbox.magento.search import Listing, search
from brygga.sandbox.magento.shop import format_price, money, now
from brygga.sandbox.magento.stock import return_to_stock
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
CREDIT_MEMOS = "Magento_Sales::sales_creditmemo"
PARAMS = {
    "items": ArrayOf(
        DataType(
            "Magento\\Sales\\Api\\Data\\CreditmemoItemCreationInterface",
            {"order_item_id": "int", "qty": "float", "extension_attributes": "mixed"},
        )
    ),
    "notify": "bool",
    "appendComment": "bool",
    "comment": DataType(
        "Magento\\Sales\\Api\\Data\\CreditmemoCommentCreationInterface",
        {"comment": "string", "is_visible_on_front": "int", "extension_attributes": "mixed"},
    ),
    "arguments": DataType(
        "Magento\\Sales\\Api\\Data\\CreditmemoCreationArgumentsInterface",
        {
            "shipping_amount": "float",
            "adjustment_positive": "float",
            "adjustment_negative": "float",
            "extension_attributes": DataType(
                "Magento\\Sales\\Api\\Data\\CreditmemoCreationArgumentsExtensionInterface",
                {"return_to_stock_items": ArrayOf("int")},
            ),
        },
    ),
}
COUNTERS = {
    "row_total": ("row_invoiced", "amount_refunded"),
    "tax_amount": ("tax_invoiced", "tax_refunded"),
    "discount_amount": ("discount_invoiced", "discount_refunded"),
    "discount_tax_compensation_amount": (
        "discount_tax_compensation_invoiced",
        "discount_tax_compensation_refunded",
    ),
}
ORDER_TOTALS = {
    "subtotal_refunded": "subtotal", "tax_refunded": "tax_amount",
    "shipping_refunded": "shipping_amount", "shipping_tax_refunded": "shipping_tax_amount",
    "discount_refunded": "discount_amount",
    "discount_tax_compensation_refunded": "discount_tax_compensation_amount",
    "adjustment_positive": "adjustment_positive", "adjustment_negative": "adjustment_negative",
    "total_refunded": "grand_total", "total_offline_refunded": "grand_total",
}  # fmt: skip
REFUSING_STATES = ("payment_review", "holded", "canceled", "closed")


def create(
    order: Record,
    invoice: Record | None,
    body: Record,
    ids: Callable[[str], int],
    stamp: str,
) -> tuple[Record, list[tuple[str, Decimal]]]:
    """Refund `order` (and `invoice`), both changed in place; the credit memo and the
    (sku, qty) pairs to return to stock."""
    refundable = _refundable(invoice)
    quantities = wanted(order, body.get("items"), refundable)
    arguments = body.get("arguments") or {}
    shipping = _shipping(order, arguments.get("shipping_amount"))
    shares = lines(order, quantities, COUNTERS, ("qty_invoiced", "qty_refunded"))
    amounts = totals(shares, shipping)
    for name in ("adjustment_positive", "adjustment_negative"):
        base = money(dec(arguments.get(name)))
        amounts |= {f"base_{name}": base, name: from_base(order, base)}
    for prefix in PREFIXES:
        amounts[prefix + "adjustment"] = (
            amounts[prefix + "adjustment_positive"] - amounts[prefix + "adjustment_negative"]
        )
        amounts[prefix + "grand_total"] += amounts[prefix + "adjustment"]
    paid_before = prepaid.take(order, amounts, "invoiced", "refunded")
    problems = _problems(order, quantities, refundable, amounts["grand_total"], bool(paid_before))
    if problems:
        raise bad_request("Creditmemo Document Validation Error(s):\n" + "\n".join(problems))
    available = dec(order.get("base_total_paid")) - dec(order.get("base_total_refunded"))
    if amounts["base_grand_total"] > available:
        raise bad_request("The most money available to refund is %1.", [format_price(available)])
    memo_id = ids("creditmemo")
    book(shares, COUNTERS, "qty_refunded")
    for prefix in PREFIXES:
        for field, name in ORDER_TOTALS.items():
            order[prefix + field] = dec(order.get(prefix + field)) + amounts[prefix + name]
        payment = order["payment"]
        for field, name in (
            ("amount_refunded", "grand_total"),
            ("shipping_refunded", "shipping_amount"),
        ):
            payment[prefix + field] = dec(payment.get(prefix + field)) + amounts[prefix + name]
    order["updated_at"] = stamp
    settle(order)
    if invoice is not None:
        refunded = invoice.setdefault("_refunded", {})
        for share in shares:
            key = str(share["_item"]["item_id"])
            refunded[key] = dec(refunded.get(key)) + share["qty"]
        invoice["base_total_refunded"] = (
            dec(invoice.get("base_total_refunded")) + amounts["base_grand_total"]
        )
        invoice["is_used_for_refund"] = 1
    note = body.get("comment") if body.get("appendComment") else None
    notes = [comment(note, ids("creditmemo_comment"), memo_id, bool(body.get("notify")), stamp)]
    memo = (
        header(order, memo_id, f"{memo_id:09d}", stamp)
        | amounts
        | {
            "invoice_id": invoice["entity_id"] if invoice else None,
            "shipping_discount_tax_compensation_amount": Decimal(0),
            "base_shipping_discount_tax_compensation_amnt": Decimal(0),
            "state": 2,  # refunded
            "items": [document_item(share, ids("creditmemo_item"), memo_id) for share in shares],
            "comments": notes if note else [],
        }
        | ({"extension_attributes": paid_before} if paid_before else {})
    )
    back = set((arguments.get("extension_attributes") or {}).get("return_to_stock_items") or [])
    restock = [
        (share["_item"]["sku"], share["qty"])
        for share in shares
        if share["_item"]["item_id"] in back and not share["_item"].get("parent_item_id")
    ]
    return memo, restock


def _refundable(invoice: Record | None) -> Callable[[Record], Decimal]:
    def refundable(item: Record) -> Decimal:
        left = dec(item["qty_invoiced"]) - dec(item["qty_refunded"])
        if invoice is None:
            return left
        invoiced = sum(
            (
                dec(line["qty"])
                for line in invoice["items"]
                if line["order_item_id"] == item["item_id"]
            ),
            Decimal(0),
        )
        taken = dec(invoice.get("_refunded", {}).get(str(item["item_id"])))
        return min(left, invoiced - taken)

    return refundable


def _shipping(order: Record, wanted_base: Decimal | None) -> Record:
    """The shipping to refund, in both currencies: what is left, or `wanted_base` incl. tax."""
    invoiced = order.get("shipping_invoiced") is not None
    left = {}
    for prefix in PREFIXES:
        for name in ("shipping_amount", "shipping_tax_amount"):
            done = "shipping_refunded" if name == "shipping_amount" else "shipping_tax_refunded"
            whole = dec(order[prefix + name]) if invoiced else Decimal(0)
            left[prefix + name] = whole - dec(order.get(prefix + done))
        left[prefix + "shipping_incl_tax"] = (
            left[prefix + "shipping_amount"] + left[prefix + "shipping_tax_amount"]
        )
    if wanted_base is None or money(wanted_base) == left["base_shipping_incl_tax"]:
        return left
    if money(wanted_base) > left["base_shipping_incl_tax"]:
        raise bad_request(
            "Maximum shipping amount allowed to refund is: %1",
            [format_price(left["base_shipping_incl_tax"])],
        )
    percent = dec(order["_shipping_tax_percent"])
    result = {}
    for prefix, incl in (("base_", money(wanted_base)), ("", from_base(order, money(wanted_base)))):
        tax = money(incl * percent / (100 + percent))
        result |= {
            prefix + "shipping_incl_tax": incl,
            prefix + "shipping_tax_amount": tax,
            prefix + "shipping_amount": incl - tax,
        }
    return result


def _problems(
    order: Record,
    quantities: dict[int, Decimal],
    refundable: Callable[[Record], Decimal],
    grand_total: Decimal,
    allow_zero: bool,
) -> list[str]:
    """CanRefund, then the credit memo's QuantityValidator and TotalsValidator. A memo that
    gift cards or store credit take in full may total zero (`setAllowZeroGrandTotal`)."""
    if order["state"] in REFUSING_STATES:
        return [f"A creditmemo can not be created when an order has a status of {order['status']}"]
    if dec(order.get("total_paid")) <= dec(order.get("total_refunded")):
        return ["The order does not allow a creditmemo to be created."]
    problems = [
        "The quantity to creditmemo must not be greater than the unrefunded quantity for product "
        f'SKU "{item["sku"]}".'
        for item in visible_items(order)
        if quantities.get(item["item_id"], 0) > refundable(item)
    ]
    if grand_total < 0 or (grand_total == 0 and not allow_zero):
        problems.append("The credit memo's total must be positive.")
    return problems


LISTING = Listing(
    key=lambda memo: memo["entity_id"],
    row=lambda memo: {k: v for k, v in memo.items() if not isinstance(v, dict | list)},
    item=lambda memo: memo,
    # The table's columns exist before its first row (sales_creditmemo is flat).
    nullable=frozenset(
        {"invoice_id", "creditmemo_status", "transaction_id", "email_sent", "entity_id",
         "increment_id", "order_id", "store_id", "state", "created_at", "updated_at"}
    ),
)  # fmt: skip


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1", dependencies=[access.requires(CREDIT_MEMOS)])

    def refund(order: Record, invoice: Record | None, body: Record) -> Response:
        memo, restock = create(order, invoice, body, store.next_number, now())
        store.put("creditmemos", str(memo["entity_id"]), memo)
        store.put("orders", str(order["entity_id"]), order)
        if invoice is not None:
            store.put("invoices", str(invoice["entity_id"]), invoice)
        for sku, qty in restock:
            return_to_stock(store, sku, qty)
        return MagentoResponse(deviations.scalar_id(memo["entity_id"]))

    @routes.post("/order/{order_id}/refund")
    async def refund_order(request: Request, order_id: str) -> Response:
        order = load(store, "orders", order_id)
        return refund(order, None, await read_body(request, PARAMS))

    @routes.post("/invoice/{invoice_id}/refund")
    async def refund_invoice(request: Request, invoice_id: str) -> Response:
        invoice = load(store, "invoices", invoice_id)
        order = load(store, "orders", str(invoice["order_id"]))
        return refund(order, invoice, await read_body(request, PARAMS | {"isOnline": "bool"}))

    @routes.get("/creditmemos")
    async def list_creditmemos(request: Request) -> Response:
        return search(request, store.all("creditmemos"), LISTING)

    @routes.get("/creditmemo/{memo_id}")
    async def get_creditmemo(memo_id: str) -> Response:
        return MagentoResponse(load(store, "creditmemos", memo_id))

    return routes
