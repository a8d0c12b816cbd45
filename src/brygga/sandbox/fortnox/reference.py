"""Read-only reference data: `/3/currencies` (§4.9) and `/3/articles` (§4.6).

Article list items type several numbers as strings (`SalesPrice`, `VAT`, ...), as the spec's
`fortnox_ArticleListItem` does; the full article has them as numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.fortnox.access import Access
from brygga.sandbox.fortnox.errors import ARTICLE_NOT_FOUND, CURRENCY_NOT_FOUND, FortnoxError
from brygga.sandbox.fortnox.lists import ListSpec, base_url, list_response, with_url
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]


def _currency_item(currency: Record, base: str) -> Record:
    return with_url(currency, f"{base}/3/currencies/{currency['Code']}")


def _article_item(article: Record, base: str) -> Record:
    item: Record = {"@url": f"{base}/3/articles/{article['ArticleNumber']}"}
    for name in ("ArticleNumber", "Description", "DisposableQuantity", "EAN", "Housework",
                 "PurchasePrice", "QuantityInStock", "ReservedQuantity", "SalesPrice",
                 "StockPlace", "StockValue", "Unit", "VAT", "WebshopArticle"):  # fmt: skip
        value = article[name]
        item[name] = (
            str(value) if isinstance(value, Decimal) and name != "QuantityInStock" else value
        )
    return item


CURRENCIES = ListSpec(
    plural="Currencies",
    item=_currency_item,
    sort_keys={"code": lambda currency: currency["Code"]},
    default_sort="code",
)
ARTICLES = ListSpec(
    plural="Articles",
    item=_article_item,
    sort_keys={
        "articlenumber": lambda article: article["ArticleNumber"],
        "quantityinstock": lambda article: article["QuantityInStock"],
        "reservedquantity": lambda article: article["ReservedQuantity"],
        "stockvalue": lambda article: article["StockValue"],
    },
    default_sort="articlenumber",
    search={
        "articlenumber": "ArticleNumber",
        "description": "Description",
        "ean": "EAN",
        "suppliernumber": "SupplierNumber",
        "manufacturer": "Manufacturer",
        "manufacturerarticlenumber": "ManufacturerArticleNumber",
    },
    filters={
        "active": lambda article: article["Active"],
        "inactive": lambda article: not article["Active"],
    },
    predicates=lambda query: (
        [lambda article: article["WebshopArticle"] == (query["webshop"].lower() == "true")]
        if "webshop" in query
        else []
    ),
)


def router(store: DocumentStore, config: SandboxConfig, access: Access) -> APIRouter:
    routes = APIRouter()

    @routes.get("/3/currencies", dependencies=[access.requires("currency")])
    async def list_currencies(request: Request) -> Response:
        return list_response(request, config, store.all("currencies"), CURRENCIES)

    @routes.get("/3/currencies/{code}", dependencies=[access.requires("currency")])
    async def get_currency(request: Request, code: str) -> Response:
        found = store.get("currencies", code.upper())
        if found is None:
            raise FortnoxError(404, CURRENCY_NOT_FOUND, "Kan inte hitta valutan.")
        url = f"{base_url(request, config)}/3/currencies/{found['Code']}"
        return DecimalJSONResponse({"Currency": with_url(found, url)})

    @routes.get("/3/articles", dependencies=[access.requires("article")])
    async def list_articles(request: Request) -> Response:
        return list_response(request, config, store.all("articles"), ARTICLES)

    @routes.get("/3/articles/{number}", dependencies=[access.requires("article")])
    async def get_article(request: Request, number: str) -> Response:
        found = store.get("articles", number)
        if found is None:
            raise FortnoxError(404, ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
        url = f"{base_url(request, config)}/3/articles/{number}"
        return DecimalJSONResponse({"Article": with_url(found, url)})

    return routes
