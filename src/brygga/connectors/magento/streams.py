"""Reading orders, customers, products, refunds and payments from Magento, page by page.

Every stream reads a closed range of a date column, oldest first, with `entity_id` breaking
ties, as §3.3 recommends; Magento has no change events in Open Source (§5).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from brygga.connectors.magento.client import MagentoClient
from brygga.connectors.magento.mapping import (
    customer_from_magento,
    order_from_magento,
    payments_from_magento,
    product_from_magento,
    refund_from_magento,
)
from brygga.connectors.magento.search import MAX_PAGE_SIZE, Criteria, ids_in, parse_time
from brygga.engine.protocols import NO_SETTINGS, Settings, SourceRecord

Record = dict[str, Any]
# Orders waiting for a payment or a review, held or cancelled are not sales to book yet; a
# later change of state bumps `updated_at`, so they arrive when released.
SKIPPED_ORDER_STATES = ("pending_payment", "payment_review", "holded", "canceled")
INVOICE_PAID = "2"  # invoice state: 1 open, 2 paid, 3 canceled (§4.5)


def _records(
    source_id: str,
    payload: Record,
    position: str,
    mapper: Callable[[Record], list[tuple[str, Any]]],
) -> list[SourceRecord]:
    """The canonical records one payload holds, each under its own source id (an invoice is
    a capture and a gift-card payment); a payload that cannot be read is one failed record."""
    at = parse_time(position)
    try:
        mapped = mapper(payload)
    except (ValidationError, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        error = f"cannot read this Magento record: {exc}"
        return [SourceRecord(source_id, payload, position=at, error=error)]
    return [SourceRecord(key, payload, position=at, record=record) for key, record in mapped]


def _record(
    source_id: str, payload: Record, position: str, mapper: Callable[[Record], Any]
) -> SourceRecord:
    (record,) = _records(source_id, payload, position, lambda item: [(source_id, mapper(item))])
    return record


class _Stream:
    """A getList search over `[since, until]` of `replication_key`."""

    path: str
    replication_key: str | None = "updated_at"

    def __init__(self, client: MagentoClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    def criteria(self, since: datetime | None, until: datetime) -> Criteria:
        key = self.replication_key or "updated_at"
        page_size = int(self.settings.get("page_size", MAX_PAGE_SIZE))
        criteria = Criteria(page_size=min(page_size, MAX_PAGE_SIZE)).between(key, since, until)
        store_id = self.settings.get("store_id")
        if store_id is not None:  # the store code in the URL filters nothing (§1)
            criteria = criteria.where("store_id", str(store_id))
        return criteria.sorted_by(key, "entity_id")

    async def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]:
        async for items in self.client.search(self.path, self.criteria(since, until)):
            records = await self.records(items)
            if records:
                yield records

    async def records(self, items: list[Record]) -> list[SourceRecord]:
        raise NotImplementedError


class OrdersStream(_Stream):
    """Orders by `updated_at` (setting `order_cursor`: or `created_at`); source id and number
    are the `increment_id` (§4.1)."""

    entity = "order"
    path = "/orders"

    def __init__(self, client: MagentoClient, settings: Settings = NO_SETTINGS) -> None:
        super().__init__(client, settings)
        self.replication_key = settings.get("order_cursor", "updated_at")

    def criteria(self, since: datetime | None, until: datetime) -> Criteria:
        skipped = self.settings.get("skip_order_states", SKIPPED_ORDER_STATES)
        criteria = super().criteria(since, until)
        return criteria.where("state", ",".join(skipped), "nin") if skipped else criteria

    async def records(self, items: list[Record]) -> list[SourceRecord]:
        key = self.replication_key or "updated_at"
        return [
            _record(str(order.get("increment_id")), order, order[key], order_from_magento)
            for order in items
        ]

    async def fetch(self, source_ids: list[str]) -> list[SourceRecord]:
        """The orders with these increment ids (of the store, if set), whatever their state:
        asked for by name."""
        criteria = Criteria().where("increment_id", ",".join(sorted(set(source_ids))), "in")
        store_id = self.settings.get("store_id")
        if store_id is not None:
            criteria = criteria.where("store_id", str(store_id))
        return await self.records(await self.client.everything(self.path, criteria))


class CustomersStream(_Stream):
    entity = "customer"
    path = "/customers/search"

    async def records(self, items: list[Record]) -> list[SourceRecord]:
        return [_record(str(c.get("id")), c, c["updated_at"], customer_from_magento) for c in items]


class ProductsStream(_Stream):
    """Simple products: the sellable SKUs (a configurable parent has no stock or article of
    its own). Settings: `ean_attribute` (default "ean"), `tax_classes` ({tax_class_id: rate})
    and `currency` (default: the store's base currency)."""

    entity = "product"
    path = "/products"

    def criteria(self, since: datetime | None, until: datetime) -> Criteria:
        return super().criteria(since, until).where("type_id", "simple")

    async def records(self, items: list[Record]) -> list[SourceRecord]:
        currency = self.settings.get("currency") or await self.client.base_currency()
        tax_classes = {str(k): v for k, v in (self.settings.get("tax_classes") or {}).items()}
        ean = self.settings.get("ean_attribute", "ean")

        def mapper(product: Record) -> Any:
            return product_from_magento(product, currency, tax_classes, ean)

        return [_record(str(p.get("sku")), p, p["updated_at"], mapper) for p in items]


class _SalesDocumentStream(_Stream):
    """Invoices and credit memos carry the order's `entity_id` but not its number: one search
    per page fetches the orders (§4.5, §4.6)."""

    async def records(self, items: list[Record]) -> list[SourceRecord]:
        wanted = {int(item["order_id"]) for item in items}
        criteria = Criteria().where("entity_id", ids_in(wanted), "in")
        orders = {o["entity_id"]: o for o in await self.client.everything("/orders", criteria)}
        key = self.replication_key or "updated_at"

        def mapper(document: Record) -> list[tuple[str, Any]]:
            order = orders.get(document["order_id"])
            if order is None:
                raise ValueError(f"Magento has no order with entity_id {document['order_id']}")
            return [(record.source_id, record) for record in self.map(document, order)]

        return [
            record
            for item in items
            for record in _records(str(item["entity_id"]), item, item[key], mapper)
        ]

    def map(self, document: Record, order: Record) -> list[Any]:
        raise NotImplementedError


class RefundsStream(_SalesDocumentStream):
    """Credit memos by `created_at` (they are not edited after creation)."""

    entity = "refund"
    echo_of = "credit_note"  # a credit memo the credit-note writer made has the same id
    path = "/creditmemos"
    replication_key = "created_at"

    def map(self, document: Record, order: Record) -> list[Any]:
        return [refund_from_magento(document, order)]


class PaymentsStream(_SalesDocumentStream):
    """Paid invoices by `updated_at`: an invoice captured later turns paid then (§4.5). The
    part of an invoice that gift cards or store credit paid is a payment of its own
    (`mapping.payments_from_magento`)."""

    entity = "payment"
    path = "/invoices"

    def criteria(self, since: datetime | None, until: datetime) -> Criteria:
        return super().criteria(since, until).where("state", INVOICE_PAID)

    def map(self, document: Record, order: Record) -> list[Any]:
        return payments_from_magento(document, order)
