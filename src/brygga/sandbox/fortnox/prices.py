"""`/3/pricelists` and `/3/prices` (fact sheet §4.7).

A price is keyed by (price list, article, FromQuantity); `/3/prices/{list}/{article}` is the
FromQuantity-0 price and `/3/prices/sublist/{list}/{article}` lists every quantity break. The
FromQuantity-0 price in the preselected list (`A` in the seed) is what articles show as
`SalesPrice` and what new document rows start from, so writing it updates the article (and
logs `article-updated-v1`). Exactly one price list is preselected: preselecting another one
clears the flag on the rest (inferred). `Date` is the day of the last change.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import (
    ALREADY_EXISTS,
    ARTICLE_NOT_IN_REQUEST,
    PRICE_LIST_NOT_FOUND,
    PRICE_NOT_FOUND,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    FLAG,
    TEXT,
    Field,
    clean,
    plain,
    read_wrapped,
    text,
)
from brygga.sandbox.fortnox.lists import ListSpec, list_response, with_url
from brygga.sandbox.fortnox.tenant import existing, timestamp, today
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
PRICE_LIST: dict[str, Field] = {
    "Code": text(100), "Comments": TEXT, "Description": text(50), "PreSelected": FLAG,
}  # fmt: skip
PRICE: dict[str, Field] = {
    "ArticleNumber": TEXT, "FromQuantity": AMOUNT, "Percent": AMOUNT, "Price": AMOUNT,
    "PriceList": TEXT,
}  # fmt: skip
READ_ONLY = frozenset({"@url", "Date"})


def price_key(price_list: str, article: str, from_quantity: Decimal | int) -> str:
    return f"{price_list}/{article}/{plain(from_quantity)}"


def price_record(price_list: str, article: str, price: Decimal) -> Record:
    """A FromQuantity-0 price as stored (also used to seed the default list)."""
    return {
        "ArticleNumber": article,
        "Date": today(),
        "FromQuantity": 0,
        "Percent": 0,
        "Price": plain(price),
        "PriceList": price_list,
        "_LastModified": timestamp(),
    }


def _price_list(store: DocumentStore, code: str) -> Record:
    found = existing(store, "pricelists", code)
    if found is None:
        raise FortnoxError(404, PRICE_LIST_NOT_FOUND, "Kan inte hitta prislistan.")
    return found


def _quantity(path_value: str) -> Decimal:
    try:
        return plain(Decimal(path_value))
    except InvalidOperation:
        raise FortnoxError(404, PRICE_NOT_FOUND, "Kan inte hitta priset.") from None


def _find(store: DocumentStore, price_list: str, article: str, from_quantity: Decimal) -> Record:
    found = existing(store, "prices", price_key(price_list, article, from_quantity))
    if found is None:
        raise FortnoxError(404, PRICE_NOT_FOUND, "Kan inte hitta priset.")
    return found


def _price_url(price: Record) -> str:
    return f"/3/prices/{price['PriceList']}/{price['ArticleNumber']}/{plain(price['FromQuantity'])}"


def _price_item(price: Record, base: str) -> Record:
    names = ("ArticleNumber", "FromQuantity", "Price", "PriceList")
    return {"@url": base + _price_url(price)} | {name: price[name] for name in names}


PRICE_LISTS = ListSpec(
    plural="PriceLists",
    item=lambda price_list, base: with_url(price_list, f"{base}/3/pricelists/{price_list['Code']}"),
    sort_keys={"code": lambda price_list: price_list["Code"]},
    default_sort="code",
)
PRICES = ListSpec(
    plural="Prices",
    item=_price_item,
    sort_keys={
        "articlenumber": lambda price: (
            price["PriceList"],
            price["ArticleNumber"],
            Decimal(price["FromQuantity"]),
        )
    },
    default_sort="articlenumber",
    search={"articlenumber": "ArticleNumber", "pricelist": "PriceList"},
)


def router(context: Context) -> APIRouter:
    routes = APIRouter(dependencies=[context.access.requires("price")])
    store, events = context.store, context.events

    def respond_list(request: Request, price_list: Record, status: int = 200) -> Response:
        path = f"/3/pricelists/{price_list['Code']}"
        return context.reply(request, "PriceList", path, price_list, status)

    def save_list(price_list: Record) -> Record:
        if not price_list["Description"]:
            raise invalid_value("Prislistan måste ha en benämning (Description)")
        if price_list["PreSelected"]:
            for other in store.all("pricelists"):
                if other["Code"] != price_list["Code"] and other["PreSelected"]:
                    store.put("pricelists", other["Code"], other | {"PreSelected": False})
        price_list |= {"_LastModified": timestamp()}
        store.put("pricelists", price_list["Code"], price_list)
        return price_list

    def respond(request: Request, price: Record, status: int = 200) -> Response:
        return context.reply(request, "Price", _price_url(price), price, status)

    def save_price(price: Record) -> Record:
        """Store a price; the preselected list's base price is the article's SalesPrice."""
        key = price_key(price["PriceList"], price["ArticleNumber"], price["FromQuantity"])
        price |= {"Date": today(), "_LastModified": timestamp()}
        store.put("prices", key, price)
        listed = store.get("pricelists", price["PriceList"])
        if listed["PreSelected"] and Decimal(price["FromQuantity"]) == 0:
            number = price["ArticleNumber"]
            sales_price = None if price.get("_Deleted") else price["Price"]
            article = store.get("articles", number) | {"SalesPrice": sales_price}
            store.put("articles", number, article | {"_LastModified": timestamp()})
            events.emit("articles", "article-updated-v1", number)
        return price

    @routes.get("/3/pricelists")
    async def list_price_lists(request: Request) -> Response:
        return list_response(request, context.config, store.all("pricelists"), PRICE_LISTS)

    @routes.post("/3/pricelists")
    async def create_price_list(request: Request) -> Response:
        changes = clean(await read_wrapped(request, "PriceList"), PRICE_LIST, READ_ONLY)
        code = str(changes.get("Code") or "")
        if not code:
            raise invalid_value("Prislistan måste ha en kod (Code)")
        if existing(store, "pricelists", code) is not None:
            raise FortnoxError(400, ALREADY_EXISTS, f"Prislistan {code} finns redan")
        blank = {"Code": code, "Comments": "", "Description": "", "PreSelected": False}
        return respond_list(request, save_list(blank | changes), 201)

    @routes.get("/3/pricelists/{code}")
    async def get_price_list(request: Request, code: str) -> Response:
        return respond_list(request, _price_list(store, code))

    @routes.put("/3/pricelists/{code}")
    async def update_price_list(request: Request, code: str) -> Response:
        changes = clean(await read_wrapped(request, "PriceList"), PRICE_LIST, READ_ONLY)
        changes.pop("Code", None)  # the code is the identity
        return respond_list(request, save_list(_price_list(store, code) | changes))

    @routes.get("/3/prices")
    async def list_prices(request: Request) -> Response:
        return list_response(request, context.config, store.all("prices"), PRICES)

    @routes.post("/3/prices")
    async def create_price(request: Request) -> Response:
        changes = clean(await read_wrapped(request, "Price"), PRICE, READ_ONLY)
        price_list = _price_list(store, str(changes.get("PriceList") or ""))["Code"]
        article = str(changes.get("ArticleNumber") or "")
        if existing(store, "articles", article) is None:
            raise FortnoxError(400, ARTICLE_NOT_IN_REQUEST, "Kunde inte hitta artikel")
        if changes.get("Price") is None:
            raise invalid_value("Priset måste anges (Price)")
        from_quantity = plain(changes.get("FromQuantity") or 0)
        if existing(store, "prices", price_key(price_list, article, from_quantity)) is not None:
            raise FortnoxError(400, ALREADY_EXISTS, "Priset finns redan")
        price = {"Percent": 0} | changes | {"FromQuantity": from_quantity}
        return respond(request, save_price(price), 201)

    @routes.get("/3/prices/sublist/{price_list}/{article}")
    async def list_article_prices(request: Request, price_list: str, article: str) -> Response:
        _price_list(store, price_list)
        prices = [p for p in store.all("prices")
                  if (p["PriceList"], p["ArticleNumber"]) == (price_list, article)]  # fmt: skip
        return list_response(request, context.config, prices, PRICES)

    @routes.get("/3/prices/{price_list}/{article}")
    @routes.get("/3/prices/{price_list}/{article}/{from_quantity}")
    async def get_price(
        request: Request, price_list: str, article: str, from_quantity: str = "0"
    ) -> Response:
        return respond(request, _find(store, price_list, article, _quantity(from_quantity)))

    @routes.put("/3/prices/{price_list}/{article}")
    @routes.put("/3/prices/{price_list}/{article}/{from_quantity}")
    async def update_price(
        request: Request, price_list: str, article: str, from_quantity: str = "0"
    ) -> Response:
        changes = clean(await read_wrapped(request, "Price"), PRICE, READ_ONLY)
        for identity in ("ArticleNumber", "FromQuantity", "PriceList"):
            changes.pop(identity, None)
        price = _find(store, price_list, article, _quantity(from_quantity)) | changes
        if price["Price"] is None:
            raise invalid_value("Priset måste anges (Price)")
        return respond(request, save_price(price))

    @routes.delete("/3/prices/{price_list}/{article}/{from_quantity}", status_code=204)
    async def delete_price(price_list: str, article: str, from_quantity: str) -> Response:
        save_price(_find(store, price_list, article, _quantity(from_quantity)) | {"_Deleted": True})
        return Response(status_code=204)

    return routes
