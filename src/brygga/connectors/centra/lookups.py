"""Finding Centra records by what the ERP knows: sizes by SKU, pricelists, size charts and
warehouses by name or id, and the caller's ID-conversion entries (centra.md §4.6–§4.10)."""

from __future__ import annotations

from typing import Any

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.queries import (
    ID_CONVERSION,
    PRICELISTS,
    SIZE_BY_ID,
    SIZE_BY_SKU,
    SIZE_CHARTS,
    WAREHOUSES,
)
from brygga.connectors.errors import ConnectorError, ErrorClass

LIST_LIMIT = 200  # the largest page clients are seen to use (§3.2)


async def every(client: CentraClient, document: str, key: str) -> list[dict[str, Any]]:
    """Every item of a paged list query whose document asks for LIST_LIMIT per page."""
    return [item async for page in client.pages(document, key, {}, LIST_LIMIT) for item in page]


def same(record: dict[str, Any], wanted: object) -> bool:
    """A setting names a record by id or (case-insensitively) by name."""
    text = str(wanted).strip()
    return str(record["id"]) == text or str(record["name"]).casefold() == text.casefold()


class Lookups:
    """Per run (a writer lives for one run): pricelists, size charts and warehouses are read
    once and kept, as Centra advises (§2); sizes are read fresh each time."""

    def __init__(self, client: CentraClient) -> None:
        self.client = client
        self._pricelists: list[dict[str, Any]] | None = None
        self._charts: list[dict[str, Any]] | None = None
        self._warehouses: list[dict[str, Any]] | None = None

    async def size_by_sku(self, sku: str) -> dict[str, Any] | None:
        sizes = (await self.client.query(SIZE_BY_SKU, {"sku": sku}))["productSizes"]
        if len(sizes) > 1:
            raise ConnectorError(
                ErrorClass.DATA,
                f"several Centra sizes have SKU {sku}; give each size its own SKU in Centra",
            )
        return sizes[0] if sizes else None

    async def size_by_id(self, size_id: int) -> dict[str, Any] | None:
        sizes = (await self.client.query(SIZE_BY_ID, {"id": size_id}))["productSizes"]
        return sizes[0] if sizes else None

    async def pricelists(self) -> list[dict[str, Any]]:
        if self._pricelists is None:
            self._pricelists = await every(self.client, PRICELISTS, "pricelists")
        return self._pricelists

    async def size_chart(self, wanted: object) -> dict[str, Any]:
        if self._charts is None:
            self._charts = (await self.client.query(SIZE_CHARTS))["sizeCharts"]
        chart = next((chart for chart in self._charts if same(chart, wanted)), None)
        if chart is None:
            names = ", ".join(chart["name"] for chart in self._charts)
            raise ConnectorError(
                ErrorClass.DATA,
                f"Centra has no size chart {wanted!r}; set `size_chart` to one of: {names}",
            )
        return chart

    async def warehouses(self) -> list[dict[str, Any]]:
        if self._warehouses is None:
            self._warehouses = await every(self.client, WAREHOUSES, "warehouses")
        return self._warehouses

    async def warehouse(self, wanted: object) -> dict[str, Any]:
        warehouses = await self.warehouses()
        warehouse = next((w for w in warehouses if same(w, wanted)), None)
        if warehouse is None:
            names = ", ".join(w["name"] for w in warehouses)
            raise ConnectorError(
                ErrorClass.DATA,
                f"Centra has no warehouse {wanted!r}; set `centra_warehouse` to one of: {names}",
            )
        return warehouse

    async def internal_id(self, object_type: str, external_id: str) -> int | None:
        """The internal id the caller's ID-conversion table gives `external_id` (§4.10)."""
        variables = {"type": object_type, "externalId": external_id}
        entries = (await self.client.query(ID_CONVERSION, variables))["idConversions"]
        return int(entries[0]["internalId"]) if entries else None
