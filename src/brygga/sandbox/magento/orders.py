"""`/V1/orders` (fact sheet §4.1): search, read, and status-history comments.

`id` is `entity_id`, not `increment_id`. Comments are listed newest first, as the order's
history collection is sorted. A comment records the status it names (or the order's) but does
not change the order's status: 2.4.7+ ignores status changes through comments (§6.8, #38723);
state moves with invoices and refunds.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.magento.auth import Access
from brygga.sandbox.magento.data import DataType, path_int, read_body
from brygga.sandbox.magento.errors import entity_not_found
from brygga.sandbox.magento.sales import render
from brygga.sandbox.magento.search import Listing, search
from brygga.sandbox.magento.shop import now
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
VIEW = "Magento_Sales::actions_view"
STATUS_HISTORY = DataType(
    "Magento\\Sales\\Api\\Data\\OrderStatusHistoryInterface",
    {
        "comment": "string", "created_at": "string", "entity_id": "int", "entity_name": "string",
        "is_customer_notified": "int", "is_visible_on_front": "int", "parent_id": "int",
        "status": "string", "extension_attributes": "mixed",
    },
)  # fmt: skip


def load(store: DocumentStore, collection: str, raw_id: str) -> Record:
    """A sales document to change: a copy, so that a refused change leaves the store as it was."""
    found = store.get(collection, str(path_int(raw_id)))
    if found is None:
        raise entity_not_found()
    return copy.deepcopy(found)


def _row(order: Record) -> Record:
    return {k: v for k, v in order.items() if not isinstance(v, dict | list) and k[0] != "_"}


LISTING = Listing(
    key=lambda order: order["entity_id"],
    row=_row,
    item=render,
    nullable=frozenset(
        {"customer_id", "customer_taxvat", "customer_dob", "customer_middlename", "coupon_code",
         "ext_order_id", "hold_before_state", "hold_before_status", "total_invoiced",
         "total_paid", "total_refunded", "total_offline_refunded", "discount_description"}
    ),
)  # fmt: skip


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1/orders")

    @routes.get("", dependencies=[access.requires(VIEW)])
    async def list_orders(request: Request) -> Response:
        return search(request, store.all("orders"), LISTING)

    @routes.get("/{order_id}", dependencies=[access.requires(VIEW)])
    async def get_order(order_id: str) -> Response:
        return MagentoResponse(render(load(store, "orders", order_id)))

    @routes.get("/{order_id}/comments", dependencies=[access.requires(VIEW)])
    async def list_comments(order_id: str) -> Response:
        order = load(store, "orders", order_id)
        parent = {"field": "parent_id", "value": str(order["entity_id"]), "condition_type": "eq"}
        body = {
            "items": order["status_histories"],
            "search_criteria": {"filter_groups": [{"filters": [parent]}]},
            "total_count": len(order["status_histories"]),
        }
        return MagentoResponse(body)

    @routes.post("/{order_id}/comments", dependencies=[access.requires("Magento_Sales::comment")])
    async def add_comment(request: Request, order_id: str) -> Response:
        order = load(store, "orders", order_id)
        given = (await read_body(request, {"statusHistory": STATUS_HISTORY}, "statusHistory"))[
            "statusHistory"
        ]
        stamp = now()
        history = {
            "comment": given.get("comment"),
            "created_at": stamp,
            "entity_id": store.next_number("order_status_history"),
            "entity_name": "order",
            "is_customer_notified": given.get("is_customer_notified") or 0,
            "is_visible_on_front": given.get("is_visible_on_front") or 0,
            "parent_id": order["entity_id"],
            "status": given.get("status") or order["status"],
        }
        order["status_histories"].insert(0, history)
        order["updated_at"] = stamp
        store.put("orders", str(order["entity_id"]), order)
        return MagentoResponse(True)

    return routes
