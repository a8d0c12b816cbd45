"""Warehouses and stock (fact sheet §4.8): levels per size and warehouse, `setStock` (absolute
physical levels, what an ERP sync sends), `changeStock` (deliveries, removals and moves) and
the log of stock changes they leave.

A size keeps `stock[<warehouse id>] = {physical, allocated}`; available now is physical minus
allocated. Orders allocate in the primary warehouse and shipping takes the units off its shelf,
so an ERP sending physical levels never double-counts what Centra fulfils.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.inputs import (
    Path,
    UserError,
    Warnings,
    find,
    find_variant_size,
    mutation,
)
from brygga.sandbox.centra.queries import ID_SORT_KEYS, page_of, sort_documents
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.centra.seed_catalogue import PRIMARY_WAREHOUSE
from brygga.sandbox.centra.state import Shop

Document = dict[str, Any]
Change = tuple[Document, int, int]  # (size, warehouse id, units added or, if negative, taken)


def level(size: Document, warehouse_id: int) -> Document:
    """A size's stock entry in a warehouse, created empty for a change about to be stored."""
    return size["stock"].setdefault(str(warehouse_id), {"physical": 0, "allocated": 0})


def physical(size: Document, warehouse_id: int) -> int:
    return size["stock"].get(str(warehouse_id), {}).get("physical", 0)


def adjust(shop: Shop, size_id: int, physical: int = 0, allocated: int = 0) -> None:
    """Order-driven stock in the primary warehouse: allocate, ship (take both), restock."""
    size = shop.store.get("productSizes", str(size_id))
    if size is None:  # a size since removed from the catalogue
        return
    entry = level(size, PRIMARY_WAREHOUSE)
    entry["physical"] += physical
    entry["allocated"] = max(0, entry["allocated"] + allocated)
    shop.store.put("productSizes", str(size_id), size)


def record(shop: Shop, description: str | None, changes: list[Change]) -> Document:
    """Apply the changes as one StockChange with a line each."""
    time = stored_time(now())
    change_id = shop.new_id("stockChanges")
    line_ids = []
    for size, warehouse_id, quantity in changes:
        level(size, warehouse_id)["physical"] += quantity
        size["updatedAt"] = time
        shop.store.put("productSizes", str(size["id"]), size)
        line_id = shop.new_id("stockChangeLines")
        shop.store.put(
            "stockChangeLines",
            str(line_id),
            {
                "id": line_id,
                "stockChangeId": change_id,
                "productSizeId": size["id"],
                "warehouseId": warehouse_id,
                "quantity": quantity,
            },
        )
        line_ids.append(line_id)
    stock_change = {
        "id": change_id,
        "createdAt": time,
        "description": description,
        "lineIds": line_ids,
    }
    shop.store.put("stockChanges", str(change_id), stock_change)
    shop.changed("StockChange", "CREATED", stock_change)
    return stock_change


@mutation("StockChange:write")
def resolve_set_stock(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    """Absolute physical levels; rows that name no variant or size are warnings (§3.1)."""
    warehouse = find(info, "Warehouse", "warehouses", input["warehouse"], ("input", "warehouse"))
    warnings = Warnings()
    wanted: dict[int, tuple[Document, int]] = {}  # by size id: the last row for a size wins
    for size, row, path in _size_rows(info, input, "sizeStockLevels", warnings):
        if row["quantity"] < 0:
            warnings.add("Physical stock cannot be negative.", (*path, "quantity"))
        else:
            wanted[size["id"]] = (size, row["quantity"])
    changes = [
        (size, warehouse["id"], quantity - physical(size, warehouse["id"]))
        for size, quantity in wanted.values()
        if quantity != physical(size, warehouse["id"])
    ]
    changed = [record(info.context.shop, input.get("description"), changes)] if changes else []
    return {"stockChanges": changed, "userWarnings": warnings}


@mutation("StockChange:write")
def resolve_change_stock(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    """Deliveries `intoWarehouse`, removals `outFromWarehouse`, or a move with both."""
    into, out = input.get("intoWarehouse"), input.get("outFromWarehouse")
    if into is None and out is None:
        raise UserError("Give intoWarehouse, outFromWarehouse or both.", ("input",))
    into = into and find(info, "Warehouse", "warehouses", into, ("input", "intoWarehouse"))
    out = out and find(info, "Warehouse", "warehouses", out, ("input", "outFromWarehouse"))
    warnings = Warnings()
    changes: list[Change] = []
    taken: Counter[int] = Counter()  # by size id, over the rows so far
    for size, row, path in _size_rows(info, input, "sizeChanges", warnings):
        quantity = row["deliveredQuantity"]
        if quantity <= 0:
            warnings.add("deliveredQuantity must be positive.", path)
            continue
        if out:
            if physical(size, out["id"]) - taken[size["id"]] < quantity:
                warnings.add("Not that many units on the shelf.", path)
                continue
            taken[size["id"]] += quantity
            changes.append((size, out["id"], -quantity))
        if into:
            changes.append((size, into["id"], quantity))
    # Every row a warning: nothing to record, as setStock with nothing to change.
    stock_change = record(info.context.shop, input.get("description"), changes) if changes else None
    return {"stockChange": stock_change, "userWarnings": warnings}


def _size_rows(
    info: GraphQLResolveInfo, input: Document, rows: str, warnings: Warnings
) -> Iterator[tuple[Document, Document, Path]]:
    """Each size row of `input.productVariants[].<rows>` with its size; a row whose variant or
    size cannot be found becomes a warning."""
    for variant_index, item in enumerate(input["productVariants"]):
        path = ("input", "productVariants", variant_index)
        try:
            variant = find(
                info,
                "ProductVariant",
                "productVariants",
                item["productVariant"],
                (*path, "productVariant"),
            )
        except UserError as error:
            warnings.add_error(error)
            continue
        for row_index, row in enumerate(item[rows]):
            row_path = (*path, rows, row_index)
            try:
                size = find_variant_size(info, variant, row["size"], (*row_path, "size"))
            except UserError as error:
                warnings.add_error(error)
                continue
            yield size, row, row_path


def resolve_warehouses(
    _root: None,
    info: GraphQLResolveInfo,
    where: Document | None = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Document]:
    info.context.require("Warehouse:read", info)
    contains = ((where or {}).get("name") or {}).get("contains")
    warehouses = (
        w
        for w in info.context.store.all("warehouses")
        if contains is None or contains.casefold() in w["name"].casefold()
    )
    return page_of(sort_documents(warehouses, sort or ["id_ASC"], ID_SORT_KEYS), limit, page)


def resolve_stock_change_lines(
    _root: None, info: GraphQLResolveInfo, limit: int | None = None, page: int | None = None
) -> list[Document]:
    """Oldest first, as they were recorded."""
    info.context.require("StockChange:read", info)
    return page_of(list(info.context.store.all("stockChangeLines")), limit, page)


def resolve_variant_stock(
    variant: Document, info: GraphQLResolveInfo, limit: int | None = None, page: int | None = None
) -> list[Document]:
    """One entry per size and warehouse that holds it."""
    info.context.require("ProductVariant.stock:read", info)
    store = info.context.store
    entries = []
    for size_id in variant["sizeIds"]:
        size = store.get("productSizes", str(size_id))
        for warehouse_id, entry in size["stock"].items():
            entries.append(
                {
                    "productSize": size,
                    "warehouse": store.get("warehouses", warehouse_id),
                    "physicalQuantity": entry["physical"],
                    "allocatedQuantity": entry["allocated"],
                    "availableNowQuantity": entry["physical"] - entry["allocated"],
                }
            )
    return page_of(entries, limit, page)


def resolve_stock_totals(size: Document, info: GraphQLResolveInfo) -> Document:
    info.context.require("ProductSize.stockTotals:read", info)
    physical = sum(entry["physical"] for entry in size.get("stock", {}).values())
    allocated = sum(entry["allocated"] for entry in size.get("stock", {}).values())
    return {
        "physicalQuantity": physical,
        "allocatedQuantity": allocated,
        "availableQuantity": physical - allocated,
    }


def resolve_stock_change_lines_of(
    stock_change: Document, info: GraphQLResolveInfo
) -> list[Document]:
    store = info.context.store
    return [store.get("stockChangeLines", str(line_id)) for line_id in stock_change["lineIds"]]


def resolve_line_stock_change(line: Document, info: GraphQLResolveInfo) -> Document:
    return info.context.store.get("stockChanges", str(line["stockChangeId"]))


def resolve_line_size(line: Document, info: GraphQLResolveInfo) -> Document:
    return info.context.store.get("productSizes", str(line["productSizeId"]))


def resolve_line_warehouse(line: Document, info: GraphQLResolveInfo) -> Document:
    return info.context.store.get("warehouses", str(line["warehouseId"]))
