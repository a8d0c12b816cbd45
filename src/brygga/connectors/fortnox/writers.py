"""Creating and updating customers and orders in Fortnox, and finding them again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.mapping import customer_to_fortnox, order_to_fortnox
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import Customer, Order

LIST_LIMIT = 500  # the maximum page size (fortnox.md §3.4)


async def _search(client: FortnoxClient, path: str, key: str, **params: Any) -> AsyncIterator[Any]:
    """Every item of a filtered list, page by page until `@CurrentPage == @TotalPages`."""
    page = 1
    while True:
        body = await client.get(path, limit=LIST_LIMIT, page=page, **params)
        for item in body[key]:
            yield item
        meta = body["MetaInformation"]
        if meta["@CurrentPage"] >= meta["@TotalPages"]:
            return
        page += 1


class CustomerWriter:
    """Customers, reused by email when the ERP already knows them."""

    entity = "customer"
    reuse_existing = True

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Customer) -> Written | None:
        if not record.email:
            return None
        # Search params are substring matches (ILIKE %v%): compare exactly here (§3.4).
        wanted = record.email.lower()
        async for item in _search(self.client, "/3/customers", "Customers", email=record.email):
            if (item.get("Email") or "").lower() == wanted:
                return Written(str(item["CustomerNumber"]), item)
        return None

    async def create(self, record: Customer, links: dict[str, str]) -> Written:
        body = await self.client.post("/3/customers", {"Customer": customer_to_fortnox(record)})
        return Written(str(body["Customer"]["CustomerNumber"]), body["Customer"])

    async def update(self, target_id: str, record: Customer, links: dict[str, str]) -> Written:
        path = f"/3/customers/{target_id}"
        body = await self.client.put(path, {"Customer": customer_to_fortnox(record)})
        return Written(target_id, body["Customer"])


class OrderWriter:
    """Sales orders, found again by the shop order number in `ExternalInvoiceReference1`."""

    entity = "order"
    reuse_existing = False

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Order) -> Written | None:
        params = {"externalinvoicereference1": record.number}
        async for item in _search(self.client, "/3/orders", "Orders", **params):
            if str(item.get("ExternalInvoiceReference1") or "") == record.number:
                return Written(str(item["DocumentNumber"]), item)
        return None

    async def create(self, record: Order, links: dict[str, str]) -> Written:
        payload = order_to_fortnox(record, links["customer"])
        body = await self.client.post("/3/orders", {"Order": payload})
        return Written(str(body["Order"]["DocumentNumber"]), body["Order"])

    async def update(self, target_id: str, record: Order, links: dict[str, str]) -> Written:
        # Rows without RowId replace the old rows by position; all rows are sent (§3.5).
        payload = order_to_fortnox(record, links["customer"])
        body = await self.client.put(f"/3/orders/{target_id}", {"Order": payload})
        return Written(target_id, body["Order"])
