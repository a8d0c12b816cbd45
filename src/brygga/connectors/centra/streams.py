"""Reading orders, customers, refunds and captured payments from Centra, page by page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import ValidationError

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.mapping import (
    customer_from_centra,
    order_from_centra,
    payment_from_centra,
    refund_from_centra,
)
from brygga.connectors.centra.queries import (
    CAPTURES,
    CUSTOMERS,
    ORDERS,
    ORDERS_BY_NUMBER,
    RETURNS,
)
from brygga.engine.protocols import NO_SETTINGS, Settings, SourceRecord

PAGE_SIZE = 100
BEGINNING = datetime(2000, 1, 1).astimezone()


def _window_start(settings: Settings, until: datetime) -> datetime:
    """Where a full read starts: setting `window_days` (0, the default: everything) limits it
    to orders or returns created in the last so many days."""
    days = int(settings.get("window_days", 0))
    return until - timedelta(days=days) if days > 0 else BEGINNING


def _record(
    source_id: str, payload: dict[str, Any], mapper: Callable[[dict[str, Any]], Any]
) -> SourceRecord:
    try:
        record = mapper(payload)
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        return SourceRecord(source_id, payload, error=f"cannot read this Centra record: {exc}")
    return SourceRecord(source_id, payload, record=record)


class _Stream:
    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    def _created(self, since: datetime, until: datetime) -> dict[str, Any]:
        return {"from": since.isoformat(), "to": until.isoformat(), "limit": PAGE_SIZE}


class OrdersStream(_Stream):
    """Direct-to-consumer orders by `createdAt`. Orders on hold or waiting for payment are
    hidden by Centra by default and must not be processed (centra.md §4.1), so they arrive
    when released, inside the lookback window."""

    entity = "order"
    replication_key = "created_at"

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        variables = self._created(since or BEGINNING, until)
        async for orders in self.client.pages(ORDERS, "orders", variables, PAGE_SIZE):
            yield [self._order(order) for order in orders]

    async def fetch(self, source_ids: list[str]) -> list[SourceRecord]:
        """The orders with these numbers that Centra shows (not those on hold, §4.1)."""
        try:
            numbers = sorted({int(source_id) for source_id in source_ids})
        except ValueError:
            raise ValueError("Centra order numbers are whole numbers") from None
        variables = {"numbers": numbers, "limit": PAGE_SIZE}
        return [
            self._order(order)
            async for orders in self.client.pages(ORDERS_BY_NUMBER, "orders", variables, PAGE_SIZE)
            for order in orders
        ]

    @staticmethod
    def _order(order: dict[str, Any]) -> SourceRecord:
        record = _record(str(order.get("number")), order, order_from_centra)
        record.position = datetime.fromisoformat(order["createdAt"])
        return record


class CustomersStream(_Stream):
    """All customers each run: Centra documents no changed-since filter for customers
    (centra.md §3.2), so unchanged ones are skipped by content hash."""

    entity = "customer"
    replication_key = None

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        variables = {"limit": PAGE_SIZE}
        async for customers in self.client.pages(CUSTOMERS, "customers", variables, PAGE_SIZE):
            yield [_record(str(c["id"]), c, customer_from_centra) for c in customers]


class RefundsStream(_Stream):
    """Completed returns (§4.3). Returns filter by `createdAt` only, and a return is completed
    (and refunded) after it was created, so every run reads all of them (or those of
    `window_days`) and the engine skips the unchanged ones by content hash."""

    entity = "refund"
    echo_of = "credit_note"  # a return the credit-note writer made has the same id
    replication_key = None

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        variables = self._created(_window_start(self.settings, until), until)
        async for returns in self.client.pages(RETURNS, "returns", variables, PAGE_SIZE):
            records = [
                _record(str(item["id"]), item, refund_from_centra)
                for item in returns
                if item.get("status") == "COMPLETED"  # one still in progress may change
            ]
            if records:
                yield records


class PaymentsStream(_Stream):
    """Successful captures of direct-to-consumer orders (§4.2). A capture comes days after its
    order and orders filter by `createdAt` only, so every run reads the captures of all orders
    (or of those created in the last `window_days`); the engine skips unchanged ones by content
    hash. Pending captures (Adyen, Klarna) arrive once they succeed; failed ones never."""

    entity = "payment"
    replication_key = None

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        variables = self._created(_window_start(self.settings, until), until)
        async for orders in self.client.pages(CAPTURES, "orders", variables, PAGE_SIZE):
            records = []
            for order in orders:
                number = str(order["number"])
                for entry in order["paymentHistory"]:
                    if entry.get("status") != "SUCCESS":
                        continue
                    record = _record(str(entry["id"]), entry, partial(payment_from_centra, number))
                    record.payload = {"orderNumber": order["number"], **entry}
                    records.append(record)
            if records:
                yield records
