"""Reading items, stock, customer invoices and credit notes from Visma.net.

Changed-since reads filter on `lastModifiedDateTime >= since` (one condition per field, §3.5),
drop what is newer than `until`, and hand the records over oldest first: list order is not
time order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ValidationError

from brygga.connectors.errors import ConnectorError
from brygga.connectors.vismanet.client import PAGE_SIZE, VismanetClient
from brygga.connectors.vismanet.documents import (
    RELEASED,
    credit_note_from_visma,
    credited_invoices,
    invoice_from_visma,
    order_reference,
)
from brygga.connectors.vismanet.mapping import (
    filter_stamp,
    parse_stamp,
    product_from_visma,
    stock_from_visma,
)
from brygga.connectors.vismanet.options import Options
from brygga.engine.protocols import NO_SETTINGS, Settings, SourceRecord

Record = dict[str, Any]


def _record(source_id: str, payload: Record, mapper: Callable[[Record], Any]) -> SourceRecord:
    try:
        record = mapper(payload)
    except (
        ValidationError,
        ConnectorError,
        KeyError,
        TypeError,
        ValueError,
        ArithmeticError,
    ) as exc:
        return SourceRecord(source_id, payload, error=f"cannot read this Visma.net record: {exc}")
    return SourceRecord(source_id, payload, record=record)


class _Stream:
    path = ""
    params: ClassVar[dict[str, str]] = {}

    def __init__(self, client: VismanetClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.options = Options.of(settings)

    async def _changed(
        self, since: datetime | None, until: datetime
    ) -> list[tuple[datetime, Record]]:
        """Every record modified in [since, until], oldest first."""
        zone = self.options.zone
        params = dict(self.params)
        if since is not None:
            params |= {
                "lastModifiedDateTime": filter_stamp(since, zone),
                "lastModifiedDateTimeCondition": ">=",
            }
        found = []
        async for page in self.client.pages(self.path, **params):
            for payload in page:
                moment = parse_stamp(payload["lastModifiedDateTime"], zone)
                if moment <= until and (since is None or moment >= since):
                    found.append((moment, payload))
        found.sort(key=lambda pair: pair[0])
        return found


def _chunks(records: list[SourceRecord]) -> list[list[SourceRecord]]:
    return [records[start : start + PAGE_SIZE] for start in range(0, len(records), PAGE_SIZE)]


class ProductsStream(_Stream):
    """Inventory items changed since, each a Product with one Variant (§4.3)."""

    entity = "product"
    replication_key = "last_modified"
    path = "/v1/inventory"
    params: ClassVar[dict[str, str]] = {
        "expandWarehouseDetail": "false",
        "expandAttribute": "false",
    }

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        records = []
        for moment, item in await self._changed(since, until):
            if item["inventoryNumber"] in self.options.bookkeeping_items:
                continue  # bookkeeping, not for sale
            record = _record(
                item["inventoryNumber"], item, lambda i: product_from_visma(i, self.options)
            )
            record.position = moment
            records.append(record)
        for chunk in _chunks(records):
            yield chunk


class StockStream(_Stream):
    """Absolute quantities of every stock item, read in full each run (the engine skips what
    did not change); one page of the item list holds up to 1000 items' warehouse rows (§4.4)."""

    entity = "stock"
    replication_key = None
    path = "/v1/inventory"
    params: ClassVar[dict[str, str]] = {
        "expandWarehouseDetail": "true",
        "expandCrossReference": "false",
        "expandAttribute": "false",
    }

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        async for page in self.client.pages(self.path, **self.params):
            records = [
                _record(item["inventoryNumber"], item, lambda i: stock_from_visma(i, self.options))
                for item in page
                if item.get("stockItem")
            ]
            if records:
                yield records


class InvoicesStream(_Stream):
    """Released customer invoices made from sales orders that carry a shop order number."""

    entity = "invoice"
    replication_key = "last_modified"
    path = "/v1/customerinvoice"
    params: ClassVar[dict[str, str]] = {"expandTaxDetails": "true"}

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        records = []
        for moment, invoice in await self._changed(since, until):
            if invoice["status"] not in RELEASED or not order_reference(invoice):
                continue
            number = invoice["referenceNumber"]
            record = _record(number, invoice, lambda i: invoice_from_visma(i, self.options))
            record.position = moment
            records.append(record)
        for chunk in _chunks(records):
            yield chunk


class CreditNotesStream(_Stream):
    """Released credit notes applied to an invoice of a shop order (§4.6)."""

    entity = "credit_note"
    replication_key = "last_modified"
    echo_of = "refund"  # a credit note the refund writer made has the same referenceNumber
    path = "/v1/customerCreditNote"
    params: ClassVar[dict[str, str]] = {"expandApplications": "true", "expandTaxDetails": "true"}

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        invoices: dict[str, Record | None] = {}
        records = []
        for moment, note in await self._changed(since, until):
            if note["status"] not in RELEASED:
                continue
            invoice = None
            for number in credited_invoices(note):
                if number not in invoices:
                    invoices[number] = await self.client.get_or_none(
                        f"/v1/customerinvoice/{number}"
                    )
                if invoices[number] is not None and order_reference(invoices[number]):
                    invoice = invoices[number]
                    break
            if invoice is None:
                continue  # not a credit of a shop order's invoice
            record = _record(
                note["referenceNumber"],
                note,
                lambda n, i=invoice: credit_note_from_visma(n, i, self.options),
            )
            record.position = moment
            records.append(record)
        for chunk in _chunks(records):
            yield chunk
