"""The warehouse service (fact sheet §4.8): stock points and their stock balances.

`GET /api/warehouse/status-v1/stockbalance?itemIds=a,b&stockPointCodes=X` answers a JSON array
of `{itemId, stockPointCode, availableStock, inStock}` (the spec declares one object; live sends
an array), one per article and stock point, where `availableStock = inStock − reserved`. Errors
use the warehouse shape `{error, id, message}` (see `errors.py`). The seeded company has one
stock point, which holds the articles' `QuantityInStock`; lists may be given comma-separated or
as repeated parameters. Unknown articles are left out; an unknown stock point is a 404.

`GET /api/warehouse/stockpoints-v1` lists the stock points, without their stock locations, as
an array (the spec says "A list of StockPoints" but declares one object): `q` matches code or
name, `state` is ACTIVE (the default), INACTIVE or ALL. A stock point's `id` is a UUID.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import INVALID_PARAMETER, STOCK_POINT_NOT_FOUND, FortnoxError
from brygga.sandbox.fortnox.fields import plain
from brygga.sandbox.fortnox.tenant import existing

STOCK_POINT = {"code": "HUVUDLAGER", "name": "Huvudlager"}  # the seeded stock point
STATES = {"ACTIVE": (True,), "INACTIVE": (False,), "ALL": (True, False)}


def _listed(request: Request, name: str) -> list[str]:
    values = request.query_params.getlist(name)
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def balance(article: dict[str, Any], stock_point: str) -> dict[str, Any]:
    in_stock = Decimal(article["QuantityInStock"] or 0)
    available = in_stock - Decimal(article["ReservedQuantity"] or 0)
    return {
        "itemId": article["ArticleNumber"],
        "stockPointCode": stock_point,
        "availableStock": plain(available),
        "inStock": plain(in_stock),
    }


def stock_point(point: dict[str, Any]) -> dict[str, Any]:
    """A stored stock point as the list shows it: the seed keeps its code and name, and its
    stock points are active and deliver to the company's address."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"fortnox-stock-point:{point['code']}")),
        "code": point["code"],
        "name": point["name"],
        "active": True,
        "usingCompanyAddress": True,
    }


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/api/warehouse", dependencies=[context.access.requires("warehouse")])
    store = context.store

    @routes.get("/status-v1/stockbalance")
    async def stock_balance(request: Request) -> Response:
        known = {point["code"] for point in store.all("stockpoints")}
        points = _listed(request, "stockPointCodes") or sorted(known)
        for code in points:
            if code not in known:
                message = f"Stock point {code} not found"
                raise FortnoxError(404, STOCK_POINT_NOT_FOUND, message)
        wanted = _listed(request, "itemIds")
        if wanted:
            articles = [existing(store, "articles", item) for item in wanted]
        else:
            articles = [a for a in store.all("articles") if not a.get("_Deleted")]
        found = [article for article in articles if article and article["StockGoods"]]
        return DecimalJSONResponse([balance(a, point) for a in found for point in points])

    @routes.get("/stockpoints-v1")
    async def stock_points(request: Request) -> Response:
        wanted = request.query_params.get("q", "").casefold()
        states = STATES.get(request.query_params.get("state", "ACTIVE"))
        if states is None:
            raise FortnoxError(400, INVALID_PARAMETER, "Invalid state")
        points = [stock_point(point) for point in store.all("stockpoints")]
        return DecimalJSONResponse(
            [
                point
                for point in points
                if point["active"] in states
                and (wanted in point["code"].casefold() or wanted in point["name"].casefold())
            ]
        )

    return routes
