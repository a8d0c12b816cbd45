"""Writing the catalogue (fact sheet §4.6): `createProduct`, `updateProduct`,
`createProductVariant` (optionally with its sizes), `createProductSize` and
`updateProductSize`.

A create mutation taking `externalId` also sets the caller's ID-conversion entry (§4.10), so the
ERP's article number can address the new record at once. A size's SKU is read-only: product
number + variant number + size number, taken when the size is created.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.idconversions import MAX_EXTERNAL_ID
from brygga.sandbox.centra.inputs import (
    Path,
    UserError,
    find,
    find_chart_size,
    mutation,
    variant_sizes,
)
from brygga.sandbox.centra.money import money_input
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.centra.seed_catalogue import BRANDS, COLLECTIONS, FOLDERS

Document = dict[str, Any]
DEFAULT_TAX_PERCENT = Decimal(25)  # Swedish standard VAT for products created through the API
# Product input fields that refer to one of a fixed set of records, and that set.
PRODUCT_REFERENCES = {"brand": BRANDS, "collection": COLLECTIONS, "folder": FOLDERS}


@mutation("Product:write", "Product:read")
def resolve_create_product(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    time = stored_time(now())
    product = {
        "productNumber": None,
        "brandId": None,
        "collectionId": None,
        "folderId": None,
        "countryOfOrigin": None,
        "harmonizedCommodityCode": None,
        "weight": None,
        "taxPercent": DEFAULT_TAX_PERCENT,
        "createdAt": time,
        "variantIds": [],
    }
    _apply_product_input(product, input)
    shop = info.context.shop
    product["id"] = shop.new_id("products")
    _save(info, "Product", "products", product, input.get("externalId"), "CREATED")
    return {"product": product}


@mutation("Product:write", "Product:read")
def resolve_update_product(
    _root: None, info: GraphQLResolveInfo, id: int, input: Document
) -> Document:
    product = dict(find(info, "Product", "products", {"id": id}, ("id",)))  # unchanged on errors
    _apply_product_input(product, input)
    product["updatedAt"] = stored_time(now())
    _save(info, "Product", "products", product, None, "UPDATED")
    return {"product": product}


@mutation("ProductVariant:write", "ProductVariant:read")
def resolve_create_product_variant(
    _root: None, info: GraphQLResolveInfo, input: Document
) -> Document:
    product = find(info, "Product", "products", input["product"], ("input", "product"))
    chart = find(info, "SizeChart", "sizeCharts", input["sizeChart"], ("input", "sizeChart"))
    unit_cost = None
    if input.get("unitCost") is not None:
        value, code = money_input(input["unitCost"])
        unit_cost = {"value": value, "currency": code}
    time = stored_time(now())
    shop = info.context.shop
    variant = {
        "productId": product["id"],
        "name": input["name"],
        "status": input["status"],
        "variantNumber": input.get("variantNumber"),
        "sizeChartId": chart["id"],
        "unitCost": unit_cost,
        "createdAt": time,
        "updatedAt": time,
        "sizeIds": [],
    }
    sizes = [
        _new_size(info, variant, product, item, ("input", "productSizes", index))
        for index, item in enumerate(input.get("productSizes") or [])
    ]
    if len({size["sizeId"] for size in sizes}) < len(sizes):
        raise UserError("A size is given twice.", ("input", "productSizes"))
    _check_external_id(input.get("externalId"))
    variant["id"] = shop.new_id("productVariants")
    product["variantIds"].append(variant["id"])
    shop.store.put("products", str(product["id"]), product)
    _save(info, "ProductVariant", "productVariants", variant, input.get("externalId"), "CREATED")
    for size in sizes:
        _add_size(info, variant, size)
    shop.changed("Product", "DEPENDENT_DATA_CHANGED", product)
    return {"productVariant": variant}


@mutation("ProductVariant:write", "ProductSize:read")
def resolve_create_product_size(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    variant = find(
        info,
        "ProductVariant",
        "productVariants",
        input["productVariant"],
        ("input", "productVariant"),
    )
    product = info.context.store.get("products", str(variant["productId"]))
    size = _new_size(info, variant, product, input, ("input",))
    _add_size(info, variant, size)
    info.context.shop.changed("ProductVariant", "DEPENDENT_DATA_CHANGED", variant)
    return {"productSize": size}


@mutation("ProductVariant:write", "ProductSize:read")
def resolve_update_product_size(
    _root: None, info: GraphQLResolveInfo, id: int, input: Document
) -> Document:
    """Only the EAN, in this subset; an empty one unsets it."""
    size = dict(find(info, "ProductSize", "productSizes", {"id": id}, ("id",)))
    if "EAN" in input:
        size["EAN"] = input["EAN"] or None
    size["updatedAt"] = stored_time(now())
    _save(info, "ProductSize", "productSizes", size, None, "UPDATED")
    return {"productSize": size}


def _apply_product_input(product: Document, input: Document) -> None:
    for name in ("name", "status", "productNumber", "harmonizedCommodityCode"):
        if name in input:
            product[name] = input[name]
    for name, known in PRODUCT_REFERENCES.items():
        if input.get(name) is not None:
            key = input[name]["id"]
            if key not in known:
                raise UserError(f"Could not find {name} with id {key}.", ("input", name, "id"))
            product[f"{name}Id"] = key
    if input.get("countryOfOrigin") is not None:
        product["countryOfOrigin"] = input["countryOfOrigin"]["code"].upper()
    if input.get("weight") is not None:
        product["weight"] = {**input["weight"], "value": Decimal(str(input["weight"]["value"]))}
    _check_external_id(input.get("externalId"))


def _new_size(
    info: GraphQLResolveInfo, variant: Document, product: Document, input: Document, path: Path
) -> Document:
    """A ProductSize for a chart size the variant does not have yet (not saved)."""
    chart = info.context.store.get("sizeCharts", str(variant["sizeChartId"]))
    chart_size = find_chart_size(info, chart, input["size"], (*path, "size"))
    if any(size["sizeId"] == chart_size["id"] for size in variant_sizes(info, variant)):
        raise UserError(f"The variant already has size {chart_size['name']!r}.", path)
    size_number = input.get("sizeNumber")
    numbers = (product.get("productNumber"), variant.get("variantNumber"), size_number)
    time = stored_time(now())
    return {
        "sizeId": chart_size["id"],
        "SKU": "".join(part or "" for part in numbers),
        "EAN": input.get("EAN"),
        "sizeNumber": size_number,
        "description": f"{product['name']}, {variant['name']}, {chart_size['name']}",
        "createdAt": time,
        "updatedAt": time,
        "stock": {},
    }


def _add_size(info: GraphQLResolveInfo, variant: Document, size: Document) -> None:
    shop = info.context.shop
    size["id"] = shop.new_id("productSizes")
    size["productVariantId"] = variant["id"]
    variant["sizeIds"].append(size["id"])
    shop.store.put("productVariants", str(variant["id"]), variant)
    _save(info, "ProductSize", "productSizes", size, None, "CREATED")


def _save(
    info: GraphQLResolveInfo,
    object_type: str,
    collection: str,
    document: Document,
    external_id: str | None,
    change_type: str,
) -> None:
    document.setdefault("updatedAt", document["createdAt"])
    shop = info.context.shop
    shop.store.put(collection, str(document["id"]), document)
    if external_id is not None:
        shop.conversions.set(
            info.context.integration_name, object_type, document["id"], external_id
        )
    shop.changed(object_type, change_type, document)


def _check_external_id(external_id: str | None) -> None:
    if external_id is not None and not 0 < len(external_id) <= MAX_EXTERNAL_ID:
        raise UserError(
            f"externalId must be 1 to {MAX_EXTERNAL_ID} characters.", ("input", "externalId")
        )
