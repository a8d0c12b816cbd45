"""Reading articles, stock, invoices and credit invoices from Fortnox, page by page.

- Invoices and credit invoices are read by `InvoiceDate` (`fromdate`/`todate`, a closed range
  of Swedish dates, §3.4), and a document's position is the start of its invoice date. Later
  changes to an invoice (payments, booking) are not read again; the document is what counts.
- Articles carry no change time at all; `lastmodified` is only a lower bound (§3.4). So the
  product stream asks for what changed since `since` (Swedish local time, to the minute,
  rounded down) and gives each article the read's `until` as its position; the engine's
  lookback re-reads the boundary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError

from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.mapping import FORTNOX_TIME_ZONE
from brygga.connectors.fortnox.reading import (
    credit_note_from_fortnox,
    invoice_from_fortnox,
    is_credit,
    number,
    product_from_fortnox,
)
from brygga.engine.protocols import NO_SETTINGS, Settings, SourceRecord
from brygga.model import StockLevel

Record = dict[str, Any]


def last_modified(since: datetime | None) -> dict[str, str]:
    """The `lastmodified` parameter: `YYYY-MM-DD HH:MM` in Swedish time (§3.4, §3.5)."""
    if since is None:
        return {}
    return {"lastmodified": since.astimezone(FORTNOX_TIME_ZONE).strftime("%Y-%m-%d %H:%M")}


def _day_start(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(), FORTNOX_TIME_ZONE)


def _record(
    source_id: str, payload: Record, mapper: Callable[[Record], BaseModel], position: datetime
) -> SourceRecord:
    try:
        record = mapper(payload)
    except (ValidationError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        message = f"cannot read this Fortnox record: {exc}"
        return SourceRecord(source_id, payload, position=position, error=message)
    return SourceRecord(source_id, payload, position=position, record=record)


class ProductsStream:
    """Articles changed since the cursor, one product per article. The list has no `Active`
    field, so active and inactive articles are read as two filtered lists (§4.6). Setting
    `webshop_only` (default True) keeps to articles marked for the webshop."""

    entity = "product"
    replication_key = "lastmodified"

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        params = last_modified(since)
        if self.settings.get("webshop_only", True):
            params["webshop"] = "true"
        for state in ("active", "inactive"):
            mapper = partial(product_from_fortnox, active=state == "active")
            listed = self.client.items("/3/articles", "Articles", filter=state, **params)
            async for articles in listed:
                records = [
                    _record(str(article["ArticleNumber"]), article, mapper, until)
                    for article in articles
                ]
                if records:
                    yield records


class StockStream:
    """Physical stock (`inStock`) per SKU from the warehouse stock balances, which list stock
    articles only (§4.8). Setting `stock_point` (default: all stock points, summed) picks one
    stock point. Read whole every run; the engine skips SKUs whose quantity did not change."""

    entity = "stock"
    replication_key = None

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        stock_point = self.settings.get("stock_point") or ""
        params = {"stockPointCodes": stock_point} if stock_point else {}
        # One array for every item and stock point; the endpoint is not paged (§4.8).
        balances = await self.client.get("/api/warehouse/status-v1/stockbalance", **params)
        by_sku: dict[str, list[Record]] = defaultdict(list)
        for balance in balances:
            by_sku[str(balance["itemId"])].append(balance)
        records = []
        for sku, rows in sorted(by_sku.items()):
            quantity = sum((number(row["inStock"]) for row in rows), Decimal(0))
            level = StockLevel(sku=sku, quantity=quantity, warehouse=stock_point)
            records.append(SourceRecord(sku, rows, record=level))
        if records:
            yield records


class _DocumentsStream:
    """Customer invoices dated in the range that carry a shop order number in
    `ExternalInvoiceReference1` (Brygga writes it on orders, and `createinvoice` copies it).
    The list items lack rows and `Credit`, so each candidate is read whole."""

    credit: bool
    mapper: Callable[[Record], BaseModel]

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        params = {"todate": until.astimezone(FORTNOX_TIME_ZONE).date().isoformat()}
        if since is not None:
            params["fromdate"] = since.astimezone(FORTNOX_TIME_ZONE).date().isoformat()
        # `credit` narrows the list; the full record is checked too (its meaning is
        # unconfirmed live).
        params["credit"] = str(self.credit).lower()
        listed = self.client.items("/3/invoices", "Invoices", sortby="invoicedate", **params)
        async for items in listed:
            records = []
            for item in items:
                if not item.get("ExternalInvoiceReference1") or item.get("Cancelled"):
                    continue
                number_ = str(item["DocumentNumber"])
                invoice = (await self.client.get(f"/3/invoices/{number_}"))["Invoice"]
                if is_credit(invoice) != self.credit or invoice.get("Cancelled"):
                    continue
                position = _day_start(invoice["InvoiceDate"])
                records.append(_record(number_, invoice, self.mapper, position))
            if records:
                yield records


class InvoicesStream(_DocumentsStream):
    """Invoices of shop orders; credit invoices and cancelled invoices are left out."""

    entity = "invoice"
    replication_key = "invoice_date"
    credit = False
    mapper = staticmethod(invoice_from_fortnox)


class CreditNotesStream(_DocumentsStream):
    """Credit invoices (`Credit` true) against invoices of shop orders."""

    entity = "credit_note"
    replication_key = "invoice_date"
    echo_of = "refund"  # a credit invoice the refund writer made has the same DocumentNumber
    credit = True
    mapper = staticmethod(credit_note_from_fortnox)
