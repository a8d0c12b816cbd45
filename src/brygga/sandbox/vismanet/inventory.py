"""Items and stock: `/v1/inventory` and `/v1/inventorysummary` (fact sheet §4.3, §4.4).

Items are keyed by `inventoryNumber` (the SKU; `b64(...)` for reserved characters). Reads are the
flat `InventoryDto`; the expansions `expandWarehouseDetail`, `expandCrossReference` and
`expandAttribute` default to true ("currently true" in the API reference). Stock items carry one
`warehouseDetails` row per warehouse; `availabilityLastModifiedDateTime` filters on when their
quantities last changed. The inventory summary answers an array with one row per warehouse.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import reference
from brygga.sandbox.vismanet.company import base_url, stamp
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.paging import listing
from brygga.sandbox.vismanet.reference import visible
from brygga.sandbox.vismanet.wrapper import (
    DECIMAL,
    FLAG,
    TEXT,
    Field,
    choice,
    path_id,
    read_dto,
    unwrap,
)

Record = dict[str, Any]
DTO = "InventoryUpdateDto"
STATUSES = ("Active", "NoSales", "NoPurchases", "NoRequest", "Inactive", "MarkedForDeletion")
STOCK_TYPES = ("FinishedGoodItem", "ComponentPartItem", "SubassemblyItem")
TYPES = ("NonStockItem", "LaborItem", "ServiceItem", "ChargeItem", "ExpenseItem", *STOCK_TYPES)
UNITS = ("baseUnit", "salesUnit", "purchaseUnit")
WRITABLE: dict[str, Field] = {
    "inventoryNumber": TEXT,
    "status": choice(*STATUSES),
    "type": choice(*TYPES),
    "description": TEXT,
    "body": TEXT,
    "itemClass": TEXT,
    "postingClass": TEXT,
    "vatCode": TEXT,
    "defaultPrice": DECIMAL,
    "defaultWarehouse": TEXT,
    "note": TEXT,
    "kitItem": FLAG,
    **dict.fromkeys(UNITS, TEXT),
}
ALTERNATE_TYPES = ("CPN", "VPN", "Global", "Barcode")
CROSS_REFERENCE_DTO = "InventoryCrossReferenceUpdateDto"
CROSS_REFERENCE: dict[str, Field] = {
    "alternateType": choice(*ALTERNATE_TYPES),
    "alternateID": TEXT,
    "description": TEXT,
    "uom": TEXT,
}
EXPANSIONS = {
    "expandWarehouseDetail": "warehouseDetails",
    "expandCrossReference": "crossReferences",
    "expandAttribute": "attributes",
}


def create(store: DocumentStore, payload: Record, stock: Decimal = Decimal(0)) -> Record:
    """A new item; stock items start with `stock` on hand in the default warehouse."""
    values = unwrap(payload, WRITABLE, DTO)
    number = values.get("inventoryNumber")
    if not number or not values.get("itemClass"):
        raise VismaError(
            400, "Error creating item. Error: 'inventoryNumber' and 'itemClass' are mandatory."
        )
    if store.get("inventory", number) is not None:
        raise VismaError(400, f"Error creating item. Error: Item '{number}' already exists.")
    item_type = values.get("type") or reference.ITEM_CLASSES.get(values["itemClass"], ("", ""))[1]
    moment = stamp()
    record: Record = {
        "inventoryId": store.next_number("inventory_id", 1),
        "inventoryNumber": number,
        "status": "Active",
        "type": item_type,
        "description": "",
        "defaultPrice": Decimal("0.00"),
        "baseUnit": "ST",
        "salesUnit": "ST",
        "purchaseUnit": "ST",
        "kitItem": False,
        "crossReferences": [],
        "attributes": [],
        "warehouseDetails": [],
        "createdDateTime": moment,
        "_availabilityModified": moment,
    }
    values.setdefault("postingClass", "1")
    values.setdefault("defaultWarehouse", reference.DEFAULT_WAREHOUSE)
    values.setdefault("vatCode", reference.CATEGORY_BY_RATE[Decimal(25)])
    record = _apply(record, values, "creating")
    if record["stockItem"]:
        record["warehouseDetails"] = [_warehouse_row(record["defaultWarehouse"]["id"], stock)]
    store.put("inventory", number, record)
    return record


def update(store: DocumentStore, record: Record, payload: Record) -> Record:
    values = unwrap(payload, WRITABLE, DTO)
    values.pop("inventoryNumber", None)  # "not applicable for PUT"
    record = _apply(record, values, "updating")
    store.put("inventory", record["inventoryNumber"], record)
    return record


def _apply(record: Record, values: Record, verb: str) -> Record:
    record = dict(record)
    try:
        for name in ("status", "type", "description", "body", "note", "kitItem", *UNITS):
            if values.get(name) is not None:
                record[name] = values[name]
        if "defaultPrice" in values:
            record["defaultPrice"] = Decimal(values["defaultPrice"] or 0).quantize(Decimal("0.01"))
        if "itemClass" in values:
            item_class = reference.pair(reference.ITEM_CLASSES, values["itemClass"], "ItemClass")
            record["itemClass"] = item_class | {"type": record["type"]}
        if "postingClass" in values:
            record["postingClass"] = reference.pair(
                reference.POSTING_CLASSES, values["postingClass"], "PostingClass"
            )
        if "vatCode" in values:
            record["vatCode"] = reference.pair(
                reference.VAT_CATEGORIES, values["vatCode"], "VatCategory"
            )
        if "defaultWarehouse" in values:
            record["defaultWarehouse"] = reference.pair(
                reference.WAREHOUSES, values["defaultWarehouse"], "Warehouse"
            )
    except VismaError as error:
        raise VismaError(400, f"Error {verb} item. Error: {error.text}") from None
    record["stockItem"] = record["type"] in STOCK_TYPES
    return record | {"lastModifiedDateTime": stamp(), "timestamp": stamp()}


def add_cross_reference(store: DocumentStore, record: Record, payload: Record) -> Record:
    """A new alternate ID of the item; the same type and ID twice is refused."""
    values = unwrap(payload, CROSS_REFERENCE, CROSS_REFERENCE_DTO)
    alternate, kind = values.get("alternateID"), values.get("alternateType") or "Global"
    if not alternate:
        raise VismaError(400, "Error creating cross reference. Error: 'alternateID' is mandatory.")
    if any(
        (ref["alternateType"], ref["alternateID"]) == (kind, alternate)
        for ref in record["crossReferences"]
    ):
        raise VismaError(
            400, f"Error creating cross reference. Error: '{kind} {alternate}' already exists."
        )
    reference = {
        "alternateType": kind,
        "alternateID": alternate,
        "description": values.get("description") or record["description"],
        "uom": values.get("uom") or record["baseUnit"],
    }
    record = record | {"crossReferences": [*record["crossReferences"], reference]}
    record |= {"lastModifiedDateTime": stamp(), "timestamp": stamp()}
    store.put("inventory", record["inventoryNumber"], record)
    return record


def _warehouse_row(warehouse: str, quantity: Decimal) -> Record:
    return {
        "warehouse": warehouse,
        "isDefault": warehouse == reference.DEFAULT_WAREHOUSE,
        "quantityOnHand": quantity,
        "available": quantity,
        "availableForShipment": quantity,
        "lastModifiedDateTime": stamp(),
    }


def find(store: DocumentStore, number: str) -> Record:
    record = store.get("inventory", path_id(number))
    if record is None:
        raise VismaError(404, f"Inventory item '{path_id(number)}' cannot be found in the system.")
    return record


def view(record: Record, query: Any = None) -> Record:
    """The read form; expansions default to true."""
    shown = visible(record)
    for parameter, name in EXPANSIONS.items():
        if query is not None and query.get(parameter, "true").lower() == "false":
            shown.pop(name, None)
    return shown


def summary(record: Record, warehouse: str | None) -> list[Record]:
    rows = []
    for row in record["warehouseDetails"]:
        if warehouse and row["warehouse"] != warehouse:
            continue
        on_hand = Decimal(row["quantityOnHand"])
        rows.append(
            {
                "inventory": {
                    "number": record["inventoryNumber"],
                    "description": record["description"],
                },
                "warehouse": reference.pair(reference.WAREHOUSES, row["warehouse"], "Warehouse"),
                "available": Decimal(row["available"]),
                "availableForShipment": Decimal(row["availableForShipment"]),
                "notAvailable": Decimal(0),
                "soBooked": on_hand - Decimal(row["available"]),
                "soAllocated": Decimal(0),
                "soShipped": Decimal(0),
                "soBackOrdered": Decimal(0),
                "inIssues": Decimal(0),
                "inReceipts": Decimal(0),
                "inTransit": Decimal(0),
                "purchaseOrders": Decimal(0),
                "onHand": on_hand,
                "baseUnit": record["baseUnit"],
            }
        )
    return rows


FILTERS = {"inventoryNumber": "inventoryNumber", "description": "description", "status": "status"}
MOMENTS = {
    "lastModifiedDateTime": "lastModifiedDateTime",
    "createdDateTime": "createdDateTime",
    "availabilityLastModifiedDateTime": "_availabilityModified",
}


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter()

    @routes.get("/v1/inventory")
    async def list_items(request: Request) -> Response:
        query = request.query_params
        extra = []
        if types := query.getlist("inventoryTypes"):
            extra.append(lambda record: record["type"] in types)
        if alternate := query.get("alternateID"):
            extra.append(
                lambda record: any(
                    ref["alternateID"] == alternate for ref in record["crossReferences"]
                )
            )
        return listing(
            request,
            store.all("inventory"),
            lambda record: view(record, query),
            FILTERS,
            MOMENTS,
            extra,
        )

    @routes.post("/v1/inventory")
    async def create_item(request: Request) -> Response:
        record = create(store, await read_dto(request, DTO))
        location = f"{base_url(request, config)}/v1/inventory/{record['inventoryNumber']}"
        return Response(status_code=201, headers={"Location": location})

    @routes.get("/v1/inventory/internal/{inventory_id}")
    async def get_internal(inventory_id: str) -> Response:
        for record in store.all("inventory"):
            if str(record["inventoryId"]) == inventory_id:
                return DecimalJSONResponse(view(record))
        raise VismaError(404, f"Inventory item with id '{inventory_id}' cannot be found.")

    @routes.get("/v1/inventory/{number}")
    async def get_item(request: Request, number: str) -> Response:
        return DecimalJSONResponse(view(find(store, number), request.query_params))

    @routes.put("/v1/inventory/{number}")
    async def put_item(request: Request, number: str) -> Response:
        update(store, find(store, number), await read_dto(request, DTO))
        return Response(status_code=204)

    @routes.get("/v1/inventory/{number}/crossReferences")
    async def list_cross_references(number: str) -> Response:
        record = find(store, number)
        stamped = [ref | {"timestamp": record["timestamp"]} for ref in record["crossReferences"]]
        return DecimalJSONResponse(stamped)

    @routes.post("/v1/inventory/{number}/crossReferences")
    async def create_cross_reference(request: Request, number: str) -> Response:
        add_cross_reference(
            store, find(store, number), await read_dto(request, CROSS_REFERENCE_DTO)
        )
        return DecimalJSONResponse({})

    @routes.get("/v1/inventorysummary/{number}")
    async def inventory_summary(request: Request, number: str) -> Response:
        record = find(store, number)
        return DecimalJSONResponse(summary(record, request.query_params.get("warehouse")))

    return routes
