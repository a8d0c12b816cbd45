"""Reading the catalogue (fact sheet §4.6): Product → ProductVariant → ProductSize, size charts.

Products, variants and sizes are listed with `limit`/`page` and filtered by id, status and
`updatedAt` (the "changed since" of §3.2); products also by `productNumber`. References between
them are ids in the documents, resolved here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pycountry
from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.money import catalogue_money
from brygga.sandbox.centra.queries import ID_SORT_KEYS, in_range, page_of, sort_documents
from brygga.sandbox.centra.scalars import parse_datetime
from brygga.sandbox.centra.seed_catalogue import BRANDS, COLLECTIONS, FOLDERS

Document = dict[str, Any]
SORT_KEYS: dict[str, Callable[[Document], Any]] = {
    **ID_SORT_KEYS,
    "updatedAt": lambda document: parse_datetime(document["updatedAt"]),
}


def _listed(
    info: GraphQLResolveInfo,
    collection: str,
    permission: str,
    arguments: dict[str, Any],
    extra: Callable[[Document, Document], bool] = lambda _document, _where: True,
) -> list[Document]:
    info.context.require(permission, info)
    where = arguments.get("where") or {}
    documents: Iterable[Document] = (
        d for d in info.context.store.all(collection) if _matches(d, where) and extra(d, where)
    )
    sort = arguments.get("sort") or ["id_ASC"]
    return page_of(
        sort_documents(documents, sort, SORT_KEYS), arguments.get("limit"), arguments.get("page")
    )


def _matches(document: Document, where: Document) -> bool:
    ids, statuses = where.get("id"), where.get("status")
    if ids is not None and document["id"] not in ids:
        return False
    if statuses is not None and document.get("status") not in statuses:
        return False
    return in_range(parse_datetime(document["updatedAt"]), where.get("updatedAt") or {})


def _product_number_matches(product: Document, where: Document) -> bool:
    wanted = (where.get("productNumber") or {}).get("equals")
    return wanted is None or product["productNumber"] == wanted


def _sku_matches(size: Document, where: Document) -> bool:
    wanted = where.get("SKU") or {}
    equals, contains = wanted.get("equals"), wanted.get("contains")
    return (equals is None or size["SKU"] == equals) and (
        contains is None or contains in size["SKU"]
    )


def resolve_products(_root: None, info: GraphQLResolveInfo, **arguments: Any) -> list[Document]:
    return _listed(info, "products", "Product:read", arguments, _product_number_matches)


def resolve_product_variants(
    _root: None, info: GraphQLResolveInfo, **arguments: Any
) -> list[Document]:
    return _listed(info, "productVariants", "ProductVariant:read", arguments)


def resolve_product_sizes(
    _root: None, info: GraphQLResolveInfo, **arguments: Any
) -> list[Document]:
    return _listed(info, "productSizes", "ProductSize:read", arguments, _sku_matches)


def resolve_size_charts(_root: None, info: GraphQLResolveInfo) -> list[Document]:
    info.context.require("Product:read", info)
    return list(info.context.store.all("sizeCharts"))


def resolve_variants(product: Document, info: GraphQLResolveInfo) -> list[Document]:
    store = info.context.store
    return [store.get("productVariants", str(i)) for i in product["variantIds"]]


def resolve_product_sizes_of(variant: Document, info: GraphQLResolveInfo) -> list[Document]:
    store = info.context.store
    return [store.get("productSizes", str(i)) for i in variant["sizeIds"]]


def resolve_product(variant: Document, info: GraphQLResolveInfo) -> Document:
    return info.context.store.get("products", str(variant["productId"]))


def resolve_product_variant(size: Document, info: GraphQLResolveInfo) -> Document | None:
    return info.context.store.get("productVariants", str(size.get("productVariantId")))


def resolve_size_chart(variant: Document, info: GraphQLResolveInfo) -> Document:
    return info.context.store.get("sizeCharts", str(variant["sizeChartId"]))


def resolve_size(size: Document, info: GraphQLResolveInfo) -> Document | None:
    """The size of the chart this product size activates."""
    variant = resolve_product_variant(size, info)
    if variant is None:
        return None
    chart = resolve_size_chart(variant, info)
    return next(s for s in chart["sizes"] if s["id"] == size["sizeId"])


def resolve_unit_cost(variant: Document, _info: GraphQLResolveInfo) -> Document | None:
    cost = variant["unitCost"]
    return None if cost is None else catalogue_money(cost["value"], cost["currency"])


def resolve_brand(product: Document, _info: GraphQLResolveInfo) -> Document | None:
    return _named(BRANDS, product["brandId"])


def resolve_collection(product: Document, _info: GraphQLResolveInfo) -> Document | None:
    return _named(COLLECTIONS, product["collectionId"])


def resolve_folder(product: Document, _info: GraphQLResolveInfo) -> Document | None:
    return _named(FOLDERS, product["folderId"])


def resolve_country_of_origin(product: Document, _info: GraphQLResolveInfo) -> Document | None:
    code = product["countryOfOrigin"]
    return code and {"code": code, "name": pycountry.countries.get(alpha_2=code).name}


def _named(names: dict[int, str], key: int | None) -> Document | None:
    return None if key is None else {"id": key, "name": names[key]}
