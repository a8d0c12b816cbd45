"""Reading orders and customers from Centra, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.mapping import customer_from_centra, order_from_centra
from brygga.connectors.centra.queries import CUSTOMERS, ORDERS
from brygga.engine.protocols import NO_SETTINGS, Settings, SourceRecord

PAGE_SIZE = 100


def _record(
    source_id: str, payload: dict[str, Any], mapper: Callable[[dict[str, Any]], Any]
) -> SourceRecord:
    try:
        record = mapper(payload)
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        return SourceRecord(source_id, payload, error=f"cannot read this Centra record: {exc}")
    return SourceRecord(source_id, payload, record=record)


class OrdersStream:
    """Direct-to-consumer orders by `createdAt`. Orders on hold or waiting for payment are
    hidden by Centra by default and must not be processed (centra.md §4.1), so they arrive
    when released, inside the lookback window."""

    entity = "order"
    replication_key = "created_at"

    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        variables = {
            "from": (since or datetime(2000, 1, 1).astimezone()).isoformat(),
            "to": until.isoformat(),
            "limit": PAGE_SIZE,
        }
        page = 1
        while True:
            data = await self.client.query(ORDERS, {**variables, "page": page})
            orders = data["orders"]
            records = []
            for order in orders:
                record = _record(str(order.get("number")), order, order_from_centra)
                record.position = datetime.fromisoformat(order["createdAt"])
                records.append(record)
            if records:
                yield records
            if len(orders) < PAGE_SIZE:
                return
            page += 1


class CustomersStream:
    """All customers each run: Centra documents no changed-since filter for customers
    (centra.md §3.2), so unchanged ones are skipped by content hash."""

    entity = "customer"
    replication_key = None

    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        page = 1
        while True:
            data = await self.client.query(CUSTOMERS, {"limit": PAGE_SIZE, "page": page})
            customers = data["customers"]
            if customers:
                yield [_record(str(c["id"]), c, customer_from_centra) for c in customers]
            if len(customers) < PAGE_SIZE:
                return
            page += 1
