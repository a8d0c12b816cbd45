"""Stock (fact sheet §4.4): MSI sources and source items, and the legacy stockItems API on top
of them.

Source items (`sku`, `source_code`, `quantity`, `status`) are the truth. The legacy stock item
of a product shows and writes only the `default` source, as with MSI installed; its itemId in
the PUT path is ignored. Writes are absolute. MSI accepts source items for SKUs it has no
product for (inventory_source_item has no foreign key on sku); an unknown source code fails.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.magento import deviations
from brygga.sandbox.magento.auth import Access
from brygga.sandbox.magento.data import ArrayOf, DataType, read_body
from brygga.sandbox.magento.errors import MagentoError, bad_request
from brygga.sandbox.magento.paths import segment
from brygga.sandbox.magento.search import Listing, search
from brygga.sandbox.magento.shop import DEFAULT_SOURCE, SOURCES
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
CATALOG_INVENTORY = "Magento_CatalogInventory::cataloginventory"
EMPTY_EXTENSION = DataType("Magento\\Framework\\Api\\ExtensionAttributesInterface", {})
SOURCE_ITEM = DataType(
    "Magento\\InventoryApi\\Api\\Data\\SourceItemInterface",
    {
        "sku": "string",
        "source_code": "string",
        "quantity": "float",
        "status": "int",
        "extension_attributes": EMPTY_EXTENSION,
    },
)
# Configuration of a legacy stock item, as a new product gets it (the store's defaults).
CONFIGURATION: Record = {
    "is_qty_decimal": False, "show_default_notification_message": False,
    "use_config_min_qty": True, "min_qty": Decimal(0), "use_config_min_sale_qty": 1,
    "min_sale_qty": Decimal(1), "use_config_max_sale_qty": True, "max_sale_qty": Decimal(10000),
    "use_config_backorders": True, "backorders": 0, "use_config_notify_stock_qty": True,
    "notify_stock_qty": Decimal(1), "use_config_qty_increments": True,
    "qty_increments": Decimal(0), "use_config_enable_qty_inc": True,
    "enable_qty_increments": False, "use_config_manage_stock": True, "manage_stock": True,
    "low_stock_date": None, "is_decimal_divided": False, "stock_status_changed_auto": 0,
}  # fmt: skip
CONFIGURATION_KINDS = {
    "is_qty_decimal": "bool", "show_default_notification_message": "bool",
    "use_config_min_qty": "bool", "min_qty": "float", "use_config_min_sale_qty": "int",
    "min_sale_qty": "float", "use_config_max_sale_qty": "bool", "max_sale_qty": "float",
    "use_config_backorders": "bool", "backorders": "int", "use_config_notify_stock_qty": "bool",
    "notify_stock_qty": "float", "use_config_qty_increments": "bool", "qty_increments": "float",
    "use_config_enable_qty_inc": "bool", "enable_qty_increments": "bool",
    "use_config_manage_stock": "bool", "manage_stock": "bool", "low_stock_date": "string",
    "is_decimal_divided": "bool", "stock_status_changed_auto": "int",
}  # fmt: skip
STOCK_ITEM = DataType(
    "Magento\\CatalogInventory\\Api\\Data\\StockItemInterface",
    {
        "item_id": "int",
        "product_id": "int",
        "stock_id": "int",
        "qty": "float",
        "is_in_stock": "bool",
    }
    | CONFIGURATION_KINDS
    | {"extension_attributes": EMPTY_EXTENSION},
)
# inventory_source_item is keyed by an auto-increment id; (sku, source) follows seeding order.
SOURCE_ITEMS = Listing(key=lambda item: (item["sku"], item["source_code"]), row=dict, item=dict)
SOURCE_LIST = Listing(
    key=lambda source: source["source_code"], row=dict, item=dict, optional_criteria=True
)


def sources() -> list[Record]:
    """The shop's MSI sources, all enabled, in Sweden, with the default carrier settings."""
    return [
        {"source_code": code, "name": name, "enabled": True, "country_id": "SE",
         "use_default_carrier_config": True}
        for code, name in SOURCES.items()
    ]  # fmt: skip


def source_key(source_code: str, sku: str) -> str:
    return f"{source_code}|{sku}"


def source_item(sku: str, source_code: str, quantity: Decimal, status: int) -> Record:
    return {"sku": sku, "source_code": source_code, "quantity": quantity, "status": status}


def stock_item(store: DocumentStore, product: Record) -> Record:
    """The legacy stock item of a product: its `default` source item and configuration."""
    if product["type_id"] == "configurable":  # no quantity of its own; in stock via children
        qty, in_stock = Decimal(0), True
    else:
        default = store.get("source_items", source_key(DEFAULT_SOURCE, product["sku"]))
        qty = Decimal(default["quantity"]) if default else Decimal(0)
        in_stock = bool(default and default["status"] == 1)
    head = {"item_id": product["id"], "product_id": product["id"], "stock_id": 1}
    return (
        head
        | {"qty": qty, "is_in_stock": in_stock}
        | CONFIGURATION
        | product.get("_stock_configuration", {})
    )


def save_stock_item(store: DocumentStore, product: Record, changes: Record) -> None:
    """A legacy stock item write: quantity and status reach the `default` source only."""
    configuration = {k: v for k, v in changes.items() if k in CONFIGURATION}
    if configuration:
        product["_stock_configuration"] = product.get("_stock_configuration", {}) | configuration
        store.put("products", product["sku"], product)
    if product["type_id"] == "configurable" or not {"qty", "is_in_stock"} & changes.keys():
        return
    current = stock_item(store, product)
    qty = changes["qty"] if changes.get("qty") is not None else current["qty"]
    wanted = changes.get("is_in_stock")
    # StockStateProvider::verifyStock: a managed item at or below min_qty is out of stock.
    in_stock = (qty > current["min_qty"]) and (wanted is None or wanted)
    key = source_key(DEFAULT_SOURCE, product["sku"])
    store.put("source_items", key, source_item(product["sku"], DEFAULT_SOURCE, qty, int(in_stock)))


def return_to_stock(store: DocumentStore, sku: str, qty: Decimal) -> None:
    """A refund's `return_to_stock_items`: the quantity goes back to the default source."""
    key = source_key(DEFAULT_SOURCE, sku)
    current = store.get("source_items", key)
    if current is not None:
        quantity = Decimal(current["quantity"]) + qty
        store.put(
            "source_items", key, source_item(sku, DEFAULT_SOURCE, quantity, int(quantity > 0))
        )


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1")

    def product(sku: str) -> Record:
        found = store.get("products", sku)
        if found is None:
            raise MagentoError(404, 'The Product with the "%1" SKU doesn\'t exist.', [sku])
        return found

    @routes.get("/stockItems/{sku}", dependencies=[access.requires(CATALOG_INVENTORY)])
    async def get_stock_item(sku: str) -> Response:
        return MagentoResponse(stock_item(store, product(segment(sku))))

    @routes.put(
        "/products/{sku}/stockItems/{item_id}", dependencies=[access.requires(CATALOG_INVENTORY)]
    )
    async def update_stock_item(request: Request, sku: str, item_id: str) -> Response:
        body = await read_body(request, {"stockItem": STOCK_ITEM}, "stockItem")
        found = product(segment(sku))
        save_stock_item(store, found, body["stockItem"])
        return MagentoResponse(found["id"])

    @routes.get(
        "/inventory/sources", dependencies=[access.requires("Magento_InventoryApi::source")]
    )
    async def list_sources(request: Request) -> Response:
        return search(request, sources(), SOURCE_LIST)

    @routes.get(
        "/inventory/source-items", dependencies=[access.requires("Magento_InventoryApi::source")]
    )
    async def list_source_items(request: Request) -> Response:
        return search(request, store.all("source_items"), SOURCE_ITEMS)

    @routes.post(
        "/inventory/source-items",
        dependencies=[access.requires("Magento_InventoryApi::source_edit")],
    )
    async def save_source_items(request: Request) -> Response:
        body = await read_body(request, {"sourceItems": ArrayOf(SOURCE_ITEM)}, "sourceItems")
        items = body["sourceItems"]
        errors = [
            {"message": '"%field" can not be empty.', "parameters": {"field": name}}
            for item in items
            for name in ("sku", "source_code")
            if not item.get(name)
        ] + [
            {"message": '"%field" should be numeric.', "parameters": {"field": "quantity"}}
            for item in items
            if item.get("quantity") is None
        ]
        if errors:
            raise MagentoError(400, "Validation Failed", errors=errors)
        if any(item["source_code"] not in SOURCES for item in items):
            raise bad_request("Could not save Source Item")
        for item in items:
            record = source_item(
                item["sku"], item["source_code"], item["quantity"], item.get("status") or 0
            )
            store.put("source_items", source_key(item["source_code"], item["sku"]), record)
        return MagentoResponse(deviations.void())

    return routes
