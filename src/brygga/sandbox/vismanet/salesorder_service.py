"""The SalesOrders V3 routes: `/api/v3/SalesOrders` (fact sheet §4.2; model in `salesorders`).

Live, the service has its own host (`https://salesorder.visma.net`); the sandbox serves it
beside the monolith. `POST` answers 201 with `Location` (`.../SalesOrders/SO/000001`), an
`ETag` and no body; `GET /{type}/{orderId}?expand=` answers the order with its `ETag`; `PATCH`
needs `If-Match` with the current ETag (428 when missing, 412 when stale) and answers 202 with
the new ETag; `DELETE` answers 204. Lines are read at `/{type}/{orderId}/lines`.

Without `expand` an order carries no billing, shipping, payment, financial, note or freight
parts and only the customer's id and name; `expand` takes the names of `SalesOrderExpansions`
(repeated or comma-separated, `All` for everything). Lists are `{value, nextPage, totalCount}`
with a zero-based `pageIndex` (default page size 100, capped at 1000); `filter` matches order
id, customer order number or customer name (case-insensitive substring, so compare results
exactly); `modifiedSince` is UTC unless it has an offset.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import salesorders
from brygga.sandbox.vismanet.company import base_url
from brygga.sandbox.vismanet.errors import Problem, invalid
from brygga.sandbox.vismanet.orderlines import NEW_ORDER, PATCH_ORDER
from brygga.sandbox.vismanet.salesorders import PREFIX, compact, etag, list_item, matches, view
from brygga.sandbox.vismanet.wrapper import INSTANT, Field, convert, read_json, read_plain

Record = dict[str, Any]
SORT_KEYS = {"created": "_created", "lastmodified": "lastModified", "orderid": "orderId"}
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


async def read_body(request: Request, fields: dict[str, Field]) -> Record:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise invalid("body", "A non-empty request body is required.", "InvalidBody")
    try:
        return read_plain(body, fields)
    except ValueError as error:
        raise invalid(str(error), f"The value of '{error}' is invalid.", "InvalidValue") from None


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter(prefix=PREFIX)

    def find(order_type: str, order_id: str) -> Record:
        order = store.get("sales_orders", f"{order_type}/{order_id}")
        if order is None or order.get("_deleted"):
            raise Problem(404, f"Sales order {order_type} {order_id} was not found.")
        return order

    def orders(request: Request, order_type: str | None) -> Response:
        query = request.query_params
        chosen = [
            order
            for order in store.all("sales_orders")
            if not order.get("_deleted") and order_type in (None, order["type"])
        ]
        chosen = [order for order in chosen if _selected(order, query)]
        field, descending = _sort(query.get("orderBy", "created"))
        chosen.sort(key=lambda order: order[field], reverse=descending)
        try:
            index = int(query.get("pageIndex", 0))
            size = min(int(query.get("pageSize", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        except ValueError:
            raise invalid(
                "pageSize", "pageIndex and pageSize must be integers.", "InvalidPaging"
            ) from None
        if index < 0 or size < 1:
            raise invalid(
                "pageSize", "pageIndex must be 0 or more and pageSize 1 or more.", "InvalidPaging"
            )
        base = base_url(request, config)
        page = chosen[index * size : (index + 1) * size]
        body: Record = {"value": [list_item(order, base) for order in page]}
        if (index + 1) * size < len(chosen):
            following = dict(query) | {"pageIndex": str(index + 1), "pageSize": str(size)}
            body["nextPage"] = f"{base}{request.url.path}?{urlencode(following)}"
        body["totalCount"] = len(chosen)
        return DecimalJSONResponse(body)

    @routes.get("")
    async def list_all(request: Request) -> Response:
        return orders(request, None)

    @routes.post("")
    async def create_order(request: Request) -> Response:
        order = salesorders.create(store, await read_body(request, NEW_ORDER))
        location = f"{base_url(request, config)}{PREFIX}/{order['type']}/{order['orderId']}"
        return Response(status_code=201, headers={"Location": location, "ETag": etag(order)})

    @routes.get("/{order_type}")
    async def list_of_type(request: Request, order_type: str) -> Response:
        return orders(request, order_type)

    @routes.get("/{order_type}/{order_id}")
    async def get_order(request: Request, order_type: str, order_id: str) -> Response:
        order = find(order_type, order_id)
        expand = {
            name.strip().lower()
            for value in request.query_params.getlist("expand")
            for name in value.split(",")
        }
        return DecimalJSONResponse(view(order, expand), headers={"ETag": etag(order)})

    @routes.patch("/{order_type}/{order_id}")
    async def patch_order(request: Request, order_type: str, order_id: str) -> Response:
        order = find(order_type, order_id)
        if_match = request.headers.get("if-match")
        if not if_match:
            raise Problem(428, "The If-Match header with the order's ETag is required.")
        if not matches(if_match, order):
            raise Problem(412, "The order has been changed since it was read (ETag mismatch).")
        order = salesorders.patch(store, order, await read_body(request, PATCH_ORDER))
        return Response(status_code=202, headers={"ETag": etag(order)})

    @routes.delete("/{order_type}/{order_id}")
    async def delete_order(order_type: str, order_id: str) -> Response:
        order = find(order_type, order_id)
        # A tombstone: the store keeps every record, and order ids are not reused.
        store.put("sales_orders", f"{order_type}/{order_id}", order | {"_deleted": True})
        return Response(status_code=204)

    @routes.get("/{order_type}/{order_id}/lines")
    async def get_lines(order_type: str, order_id: str) -> Response:
        lines = find(order_type, order_id)["_lines"]
        return DecimalJSONResponse({"value": compact(lines), "totalCount": len(lines)})

    return routes


def _selected(order: Record, query: Any) -> bool:
    if "customerId" in query and order["customer"]["id"] != query["customerId"]:
        return False
    if "status" in query and order["status"]["description"].lower() != query["status"].lower():
        return False
    if "filter" in query:
        wanted = query["filter"].lower()
        searched = (order["orderId"], order["customer"].get("order"), order["customer"]["name"])
        if not any(wanted in (text or "").lower() for text in searched):
            return False
    if "modifiedSince" in query:
        try:
            since = convert(query["modifiedSince"], INSTANT)
        except ValueError:
            raise invalid(
                "modifiedSince", "modifiedSince is not a valid date.", "InvalidDate"
            ) from None
        if datetime.fromisoformat(order["lastModified"]).astimezone(UTC) < since:
            return False
    return True


def _sort(order_by: str) -> tuple[str, bool]:
    name, _, direction = order_by.strip().partition(" ")
    field = SORT_KEYS.get(name.lower())
    if field is None or direction.strip().lower() not in ("", "asc", "desc"):
        raise invalid("orderBy", f"Invalid orderBy '{order_by}'.", "InvalidOrderBy")
    return field, direction.strip().lower() == "desc"
