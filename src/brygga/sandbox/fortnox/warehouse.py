"""The warehouse service's stock balances (fact sheet §4.8):
`GET /api/warehouse/status-v1/stockbalance?itemIds=a,b&stockPointCodes=X`.

It answers a JSON array of `{itemId, stockPointCode, availableStock, inStock}` (the spec
declares one object; live sends an array), one per article and stock point, where
`availableStock = inStock − reserved`. Errors use the warehouse shape `{error, id, message}`
(see `errors.py`). The seeded company has one stock point, which holds the articles'
`QuantityInStock`; lists may be given comma-separated or as repeated parameters. Unknown
articles are left out; an unknown stock point is a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import STOCK_POINT_NOT_FOUND, FortnoxError
from brygga.sandbox.fortnox.fields import plain
from brygga.sandbox.fortnox.tenant import existing

STOCK_POINT = {"code": "HUVUDLAGER", "name": "Huvudlager"}  # the seeded stock point


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

    return routes
