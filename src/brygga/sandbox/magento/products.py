"""`/V1/products` (fact sheet §4.3): search, read, upsert by SKU, update.

POST upserts by SKU and PUT updates the SKU in the path (creating it if missing), both merging
the given fields into the stored product: top-level fields replace, `custom_attributes` merge by
code, `extension_attributes.stock_item` writes the legacy stock (`stock.py`). A new product
needs `name` and, unless configurable, `price`. List items lack `stock_item`, which the single
GET returns (§3.3). Store-view overrides of writes through `/rest/default` are not modelled.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.magento.auth import Access
from brygga.sandbox.magento.data import ATTRIBUTE, ArrayOf, DataType, read_body
from brygga.sandbox.magento.errors import MagentoError, bad_request
from brygga.sandbox.magento.paths import segment
from brygga.sandbox.magento.search import Listing, search
from brygga.sandbox.magento.shop import ATTRIBUTE_SET, TAX_CLASSES, WEBSITE_ID, now
from brygga.sandbox.magento.stock import STOCK_ITEM, save_stock_item, stock_item
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
PRODUCTS = "Magento_Catalog::products"
CATEGORY_LINK = DataType(
    "Magento\\Catalog\\Api\\Data\\CategoryLinkInterface",
    {"position": "int", "category_id": "string", "extension_attributes": "mixed"},
)
EXTENSION = DataType(
    "Magento\\Catalog\\Api\\Data\\ProductExtensionInterface",
    {
        "website_ids": ArrayOf("int"),
        "category_links": ArrayOf(CATEGORY_LINK),
        "stock_item": STOCK_ITEM,
        "configurable_product_options": "mixed",
        "configurable_product_links": ArrayOf("int"),
    },
)
PRODUCT = DataType(
    "Magento\\Catalog\\Api\\Data\\ProductInterface",
    {
        "id": "int", "sku": "string", "name": "string", "attribute_set_id": "int",
        "price": "float", "status": "int", "visibility": "int", "type_id": "string",
        "created_at": "string", "updated_at": "string", "weight": "float",
        "extension_attributes": EXTENSION, "product_links": "mixed", "options": "mixed",
        "media_gallery_entries": "mixed", "tier_prices": "mixed",
        "custom_attributes": ArrayOf(ATTRIBUTE),
    },
)  # fmt: skip
NOT_FOUND = "The product that was requested doesn't exist. Verify the product and try again."
EMPTY_ATTRIBUTE = 'The "%1" attribute value is empty. Set the attribute and try again.'


def url_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def new_product(product_id: int, sku: str, stamp: str) -> Record:
    """A product before its fields are applied, with the defaults a REST create gets."""
    return {
        "id": product_id, "sku": sku, "attribute_set_id": ATTRIBUTE_SET, "status": 1,
        "visibility": 4, "type_id": "simple", "created_at": stamp, "updated_at": stamp,
        "extension_attributes": {"website_ids": [WEBSITE_ID], "category_links": []},
        "product_links": [], "options": [], "media_gallery_entries": [], "tier_prices": [],
        "custom_attributes": [
            {"attribute_code": "options_container", "value": "container2"},
            {"attribute_code": "tax_class_id", "value": TAX_CLASSES[Decimal(25)]},
            {"attribute_code": "required_options", "value": "0"},
            {"attribute_code": "has_options", "value": "0"},
        ],
    }  # fmt: skip


def apply(product: Record, payload: Record) -> Record:
    """`product` with a request's fields merged in (stock excluded)."""
    payload = dict(payload)
    extension = payload.pop("extension_attributes", None) or {}
    extension = {k: v for k, v in extension.items() if k != "stock_item"}
    attributes = payload.pop("custom_attributes", None) or []
    payload.pop("id", None)
    merged = product | {k: v for k, v in payload.items() if k != "sku"}
    merged["extension_attributes"] = product["extension_attributes"] | extension
    codes = {a["attribute_code"]: a for a in product["custom_attributes"]}
    for attribute in attributes:
        if attribute.get("attribute_code"):
            codes[attribute["attribute_code"]] = attribute
    merged["custom_attributes"] = list(codes.values())
    return merged


def save(store: DocumentStore, sku: str, payload: Record) -> Record:
    stamp = now()
    existing = store.get("products", sku)
    if existing is None:
        product = apply(new_product(store.next_number("product"), sku, stamp), payload)
        if not product.get("name"):
            raise bad_request(EMPTY_ATTRIBUTE, ["name"])
        if product.get("price") is None and product["type_id"] != "configurable":
            raise bad_request(EMPTY_ATTRIBUTE, ["price"])
        if not any(a["attribute_code"] == "url_key" for a in product["custom_attributes"]):
            product["custom_attributes"].append(
                {"attribute_code": "url_key", "value": url_key(product["name"])}
            )
    else:
        product = apply(existing, payload)
    product["updated_at"] = stamp
    store.put("products", sku, product)
    stock = (payload.get("extension_attributes") or {}).get("stock_item") or {}
    if existing is None:
        stock = {"qty": None} | stock  # a new product gets its default source item
    save_stock_item(store, product, stock)
    return product


def render(store: DocumentStore, product: Record) -> Record:
    """A product as the single GET and the writes answer: with its legacy stock item."""
    extension = product["extension_attributes"] | {"stock_item": stock_item(store, product)}
    return product | {"extension_attributes": extension}


def _row(product: Record) -> Record:
    """Filterable attributes: static columns, `entity_id` and the custom attributes (EAV)."""
    row = {k: v for k, v in product.items() if not isinstance(v, dict | list) and k != "id"}
    row["entity_id"] = product["id"]
    return row | {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}


LISTING = Listing(
    key=lambda product: product["id"], row=_row, item=lambda product: product, eav=True
)


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1/products", dependencies=[access.requires(PRODUCTS)])
    params = {"product": PRODUCT, "saveOptions": "bool"}

    @routes.get("")
    async def list_products(request: Request) -> Response:
        return search(request, store.all("products"), LISTING)

    @routes.get("/{sku}")
    async def get_product(sku: str) -> Response:
        product = store.get("products", segment(sku))
        if product is None:
            raise MagentoError(404, NOT_FOUND)
        return MagentoResponse(render(store, product))

    @routes.post("")
    async def create_product(request: Request) -> Response:
        payload = (await read_body(request, params, "product"))["product"]
        if not payload.get("sku"):
            raise bad_request(EMPTY_ATTRIBUTE, ["sku"])
        return MagentoResponse(render(store, save(store, payload["sku"], payload)))

    @routes.put("/{sku}")
    async def update_product(request: Request, sku: str) -> Response:
        payload = (await read_body(request, params, "product"))["product"]
        return MagentoResponse(render(store, save(store, segment(sku), payload)))

    return routes
