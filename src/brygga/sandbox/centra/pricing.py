"""Pricelists and prices (fact sheet §4.7): one currency per pricelist, prices per product with
optional individual variant prices (the guide: variants share their product's price unless
given their own), set in batches by `setPrices`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pycountry
from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.events import DTC_STORE
from brygga.sandbox.centra.inputs import Path, UserError, Warnings, find, mutation
from brygga.sandbox.centra.money import catalogue_money, currency, money_input
from brygga.sandbox.centra.queries import ID_SORT_KEYS, page_of, sort_documents

Document = dict[str, Any]


def variant_price(pricelist: Document, variant: Document) -> Decimal | None:
    """The variant's own price, else its product's; None when the pricelist has neither."""
    own = pricelist["variantPrices"].get(str(variant["id"]))
    return own if own is not None else pricelist["productPrices"].get(str(variant["productId"]))


def resolve_pricelists(
    _root: None,
    info: GraphQLResolveInfo,
    where: Document | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Document]:
    """All pricelists belong to the one demo store."""
    info.context.require("Pricelist:read", info)
    where = where or {}
    ids, store_id = where.get("id"), where.get("storeId")
    pricelists = (
        p
        for p in info.context.store.all("pricelists")
        if (ids is None or p["id"] in ids) and store_id in (None, DTC_STORE["id"])
    )
    return page_of(sort_documents(pricelists, ["id_ASC"], ID_SORT_KEYS), limit, page)


def resolve_currency(pricelist: Document, _info: GraphQLResolveInfo) -> Document:
    return currency(pricelist["currency"])


def resolve_countries(pricelist: Document, _info: GraphQLResolveInfo) -> list[Document]:
    return [
        {"code": code, "name": pycountry.countries.get(alpha_2=code).name}
        for code in pricelist["countries"]
    ]


def resolve_variant_prices(variant: Document, info: GraphQLResolveInfo) -> list[Document]:
    """The variant's price in every pricelist that has one."""
    info.context.require("Pricelist:read", info)
    prices = []
    for pricelist in info.context.store.all("pricelists"):
        price = variant_price(pricelist, variant)
        if price is not None:
            money = catalogue_money(price, pricelist["currency"])
            prices.append({"pricelist": pricelist, "price": money})
    return prices


@mutation("Price:write", "Pricelist:read")
def resolve_set_prices(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    """Bad rows (unknown product, wrong currency, negative price) are warnings; the rest is
    set (§3.1)."""
    pricelist = find(info, "Pricelist", "pricelists", input["pricelist"], ("input", "pricelist"))
    product_prices, variant_prices = pricelist["productPrices"], pricelist["variantPrices"]
    warnings = Warnings()
    for index, row in enumerate(input["productPrices"]):
        try:  # a row is set whole or not at all
            product_prices, variant_prices = _row(
                info, pricelist, row, index, product_prices, variant_prices
            )
        except UserError as error:
            warnings.add_error(error)
    if len(warnings) < len(input["productPrices"]):
        shop = info.context.shop
        pricelist = {**pricelist, "productPrices": product_prices, "variantPrices": variant_prices}
        shop.store.put("pricelists", str(pricelist["id"]), pricelist)
        shop.changed("Pricelist", "UPDATED", pricelist)
    return {"pricelist": pricelist, "userWarnings": warnings}


def _row(
    info: GraphQLResolveInfo,
    pricelist: Document,
    row: Document,
    index: int,
    product_prices: dict[str, Decimal],
    variant_prices: dict[str, Decimal],
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """The prices with one `productPrices` row set."""
    path = ("input", "productPrices", index)
    product_prices, variant_prices = dict(product_prices), dict(variant_prices)
    product = find(info, "Product", "products", row["product"], (*path, "product"))
    if row.get("price") is not None:
        product_prices[str(product["id"])] = _amount(pricelist, row["price"], (*path, "price"))
    if row.get("overrideIndividualVariantPrices"):
        for variant_id in product["variantIds"]:
            variant_prices.pop(str(variant_id), None)
    for variant_index, item in enumerate(row.get("individualVariantPrices") or []):
        item_path = (*path, "individualVariantPrices", variant_index)
        variant = find(info, "ProductVariant", "productVariants", item["productVariant"], item_path)
        if variant["productId"] != product["id"]:
            raise UserError(
                f"Variant {variant['id']} is not a variant of product {product['id']}.", item_path
            )
        variant_prices[str(variant["id"])] = _amount(
            pricelist, item["price"], (*item_path, "price")
        )
    return product_prices, variant_prices


def _amount(pricelist: Document, price: Document, path: Path) -> Decimal:
    value, code = money_input(price)
    if code != pricelist["currency"]:
        raise UserError(
            f"Pricelist {pricelist['id']} is in {pricelist['currency']}, not {code}.", path
        )
    if value < 0:
        raise UserError("A price cannot be negative.", path)
    return value
