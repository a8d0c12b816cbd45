"""`/3/articles` (fact sheet §4.6, §4.8): list, create, read, partial update, delete.

The shape follows a recorded live create (accodeing/fortnox-api,
`articles/save_new_fully_populated.yml`, 2026). `SalesPrice` is read-only: it is the article's
FromQuantity-0 price in the preselected price list, written through `/3/prices` (a new article
has none, so null, as recorded). `QuantityInStock` may be written (classic stock); the
derived `DisposableQuantity` (= in stock − reserved) and `StockValue` (= purchase price × in
stock) follow it, and the change is also a `warehouse-stockbalance-changed-v1` event.
Article numbers already taken answer 2000013; an article used on an order or invoice cannot be
deleted. List items type several numbers as strings (`SalesPrice`, `VAT`, ...), as the spec's
`fortnox_ArticleListItem` does; the full article has them as numbers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import (
    ARTICLE_NOT_FOUND,
    ARTICLE_NUMBER_USED,
    IN_USE,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    FLAG,
    INTEGER,
    TEXT,
    Field,
    clean,
    plain,
    read_wrapped,
    text,
)
from brygga.sandbox.fortnox.lists import ListSpec, flags, list_response
from brygga.sandbox.fortnox.tenant import existing, sales_account, timestamp, vat_rate
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
WRITABLE: dict[str, Field] = {
    "Active": FLAG, "ArticleNumber": text(50), "Bulky": FLAG, "CommodityCode": TEXT,
    "ConstructionAccount": INTEGER, "CostCalculationMethod": TEXT,
    "DefaultStockLocation": TEXT, "DefaultStockPoint": TEXT, "Depth": INTEGER,
    "Description": text(200), "DirectCost": AMOUNT, "EAN": text(30), "EUAccount": INTEGER,
    "EUVATAccount": INTEGER, "Expired": FLAG, "ExportAccount": INTEGER, "FreightCost": AMOUNT,
    "Height": INTEGER, "Housework": FLAG, "HouseworkType": TEXT, "Manufacturer": text(50),
    "ManufacturerArticleNumber": text(50), "Note": text(10000), "OtherCost": AMOUNT,
    "PurchaseAccount": INTEGER, "PurchasePrice": AMOUNT, "QuantityInStock": AMOUNT,
    "SalesAccount": INTEGER, "StockAccount": INTEGER, "StockChangeAccount": INTEGER,
    "StockGoods": FLAG, "StockPlace": text(100), "StockWarning": AMOUNT, "SupplierNumber": TEXT,
    "Type": text(None, "STOCK", "SERVICE"), "Unit": TEXT, "VAT": AMOUNT, "WebshopArticle": FLAG,
    "Weight": INTEGER, "Width": INTEGER,
}  # fmt: skip
READ_ONLY = frozenset({"@url", "DisposableQuantity", "ReservedQuantity", "SalesPrice",
                       "StockValue", "SupplierName"})  # fmt: skip
# List item fields the spec types as strings.
_TEXT_NUMBERS = ("DisposableQuantity", "PurchasePrice", "ReservedQuantity", "SalesPrice",
                 "StockValue", "VAT")  # fmt: skip


def defaults() -> Record:
    """A new article before its fields are applied; accounts are the BAS defaults (EU 3108
    momsfri, EU with VAT 3106, export 3105, as in the recorded create)."""
    return {
        "Active": True, "ArticleNumber": "", "Bulky": False, "CommodityCode": "",
        "ConstructionAccount": None, "CostCalculationMethod": None,
        "DefaultStockLocation": None, "DefaultStockPoint": None, "Depth": None,
        "Description": "", "DirectCost": 0, "DisposableQuantity": 0, "EAN": "",
        "EUAccount": 3108, "EUVATAccount": 3106, "Expired": False, "ExportAccount": 3105,
        "FreightCost": 0, "Height": None, "Housework": False, "HouseworkType": None,
        "Manufacturer": "", "ManufacturerArticleNumber": "", "Note": "", "OtherCost": 0,
        "PurchaseAccount": 4000, "PurchasePrice": 0, "QuantityInStock": 0, "ReservedQuantity": 0,
        "SalesAccount": None, "SalesPrice": None, "StockAccount": 1460,
        "StockChangeAccount": 4990, "StockGoods": False, "StockPlace": "", "StockValue": 0,
        "StockWarning": 0, "SupplierName": "", "SupplierNumber": "", "Type": "STOCK", "Unit": "",
        "VAT": 25, "WebshopArticle": False, "Weight": None, "Width": None,
    }  # fmt: skip


def apply(store: DocumentStore, article: Record, changes: Record) -> Record:
    """`article` with validated `changes` and its derived stock figures."""
    updated = article | changes
    if not updated["Description"]:
        raise invalid_value("Artikeln måste ha en benämning (Description)")
    # A Swedish rate: OSS rates are chosen per document row (inferred).
    updated["VAT"] = plain(vat_rate(store, Decimal(updated["VAT"] or 0)))
    updated["SalesAccount"] = updated["SalesAccount"] or sales_account("SEVAT", updated["VAT"])
    in_stock = Decimal(updated["QuantityInStock"] or 0)
    updated["DisposableQuantity"] = plain(in_stock - Decimal(updated["ReservedQuantity"] or 0))
    updated["StockValue"] = plain(Decimal(updated["PurchasePrice"] or 0) * in_stock)
    return dict(sorted(updated.items())) | {"_LastModified": timestamp()}


def find(store: DocumentStore, number: str) -> Record:
    found = existing(store, "articles", number)
    if found is None:
        raise FortnoxError(404, ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
    return found


def free_number(store: DocumentStore) -> str:
    """The next automatic article number, skipping numbers that clients chose themselves."""
    while True:
        number = str(store.next_number("article"))
        if store.get("articles", number) is None:
            return number


def _in_use(store: DocumentStore, number: str) -> bool:
    documents = [*store.all("orders"), *store.all("invoices")]
    rows = (row for d in documents for row in d.get("OrderRows", d.get("InvoiceRows", [])))
    return any(row["ArticleNumber"] == number for row in rows)


def _item(article: Record, base: str) -> Record:
    item: Record = {"@url": f"{base}/3/articles/{article['ArticleNumber']}"}
    for name in ("ArticleNumber", "Description", "DisposableQuantity", "EAN", "Housework",
                 "PurchasePrice", "QuantityInStock", "ReservedQuantity", "SalesPrice",
                 "StockPlace", "StockValue", "Unit", "VAT", "WebshopArticle"):  # fmt: skip
        value = article[name]
        if name in _TEXT_NUMBERS and value is not None:
            value = str(plain(Decimal(value)))
        item[name] = value
    return item


LIST = ListSpec(
    plural="Articles",
    item=_item,
    sort_keys={
        "articlenumber": lambda article: article["ArticleNumber"],
        "quantityinstock": lambda article: Decimal(article["QuantityInStock"]),
        "reservedquantity": lambda article: Decimal(article["ReservedQuantity"]),
        "stockvalue": lambda article: Decimal(article["StockValue"]),
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
    predicates=lambda query: flags(query, {"webshop": "WebshopArticle"}),
)


def save(context: Context, article: Record, kind: str, before: Record | None = None) -> Record:
    """Store an article and log it, with a stock balance event when its stock changed."""
    number = article["ArticleNumber"]
    context.store.put("articles", number, article)
    context.events.emit("articles", kind, number)
    stock = Decimal((before or {}).get("QuantityInStock") or 0)
    if Decimal(article["QuantityInStock"] or 0) != stock:
        context.events.emit("warehouse-stockbalances", "warehouse-stockbalance-changed-v1", number)
    return article


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3/articles", dependencies=[context.access.requires("article")])
    store, events = context.store, context.events

    def respond(request: Request, article: Record, status: int = 200) -> Response:
        path = f"/3/articles/{article['ArticleNumber']}"
        return context.reply(request, "Article", path, article, status)

    def saved(article: Record, kind: str, before: Record | None = None) -> Record:
        return save(context, article, kind, before)

    @routes.get("")
    async def list_articles(request: Request) -> Response:
        return list_response(request, context.config, store.all("articles"), LIST)

    @routes.post("")
    async def create_article(request: Request) -> Response:
        changes = clean(await read_wrapped(request, "Article"), WRITABLE, READ_ONLY)
        number = changes.get("ArticleNumber") or ""
        if number and existing(store, "articles", number) is not None:
            raise FortnoxError(
                400, ARTICLE_NUMBER_USED, f'Artikelnumret "{number}" är redan taget.'
            )
        article = apply(store, defaults(), changes)
        article["ArticleNumber"] = number or free_number(store)
        return respond(request, saved(article, "article-created-v1"), 201)

    @routes.get("/{number}")
    async def get_article(request: Request, number: str) -> Response:
        return respond(request, find(store, number))

    @routes.put("/{number}")
    async def update_article(request: Request, number: str) -> Response:
        changes = clean(await read_wrapped(request, "Article"), WRITABLE, READ_ONLY)
        changes.pop("ArticleNumber", None)  # the number is the identity
        before = find(store, number)
        return respond(request, saved(apply(store, before, changes), "article-updated-v1", before))

    @routes.delete("/{number}", status_code=204)
    async def delete_article(number: str) -> Response:
        article = find(store, number)
        if _in_use(store, number):
            raise FortnoxError(400, IN_USE, "Artikeln används och kan inte tas bort")
        store.put("articles", number, article | {"_Deleted": True, "_LastModified": timestamp()})
        events.emit("articles", "article-deleted-v1", number)
        return Response(status_code=204)

    return routes
