"""What a change event from a system names: which canonical records changed there, and the id of
each where the event gives one. Events are triggers only (every fact sheet says: re-read the
record), so this is all the engine takes from them; the flows that read those records from that
system then sync them (engine.events)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    entity: str  # a canonical entity (pairs.ENTITIES' values)
    source_id: str | None  # None: the event names no record a stream can fetch


Reader = Callable[[str, Any], list[Change]]


def changes(system: str, topic: str, payload: Any) -> list[Change]:
    """The records an inbox event of `system` says changed; none for an event of no flow's
    concern (e.g. an ERP order Brygga itself wrote)."""
    reader = READERS.get(system)
    return reader(topic, payload) if reader else []


def _named(payload: Any, *path: str) -> str | None:
    """The id at `path` inside the payload, as text; None where it is missing."""
    value = payload
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return None if value is None or value == "" else str(value)


def _centra(topic: str, item: Any) -> list[Change]:
    """Webhook plugin items `{type, action, id}` (centra.md §5.2); `id` is the order number for
    orders. A capture or refund changes the order, so an order update may bring a payment."""
    kind, _, action = topic.partition(".")
    number = _named(item, "id")
    if kind == "order":
        order = Change("order", number)
        return [order, Change("payment", None)] if action == "update" else [order]
    if kind == "return":
        return [Change("refund", None)]
    return []  # shipments: Brygga writes them from ERP invoices


# Fortnox WebSocket topics (fortnox.md §5.1) and the records they carry; `entityId` is the
# document or article number. A credit note is an invoice with a credit reference, so invoice
# events concern both; invoice payments and the rest concern no flow reading Fortnox.
FORTNOX_TOPICS = {
    "invoices": ("invoice", "credit_note"),
    "articles": ("product", "stock"),
    "warehouse-stockbalances": ("stock",),
}


def _fortnox(topic: str, event: Any) -> list[Change]:
    topic = _named(event, "topic") or topic
    if topic == "invoices" and str(_named(event, "type")).startswith("invoicepayment"):
        return []
    number = _named(event, "entityId")
    return [Change(entity, number) for entity in FORTNOX_TOPICS.get(topic, ())]


# Visma.net ERP notification entities (vismanet.md §5, publisher "Visma Net Financial"): an
# AR invoice is an invoice or a credit note; an inventory item carries its stock.
VISMANET_ENTITIES = {
    "ARInvoice": ("invoice", "credit_note"),
    "InventoryItem": ("product", "stock"),
}


def _vismanet(topic: str, notification: Any) -> list[Change]:
    entity = _named(notification, "entity") or topic.partition(".")[0]
    key = _named(notification, "key")
    return [Change(name, key) for name in VISMANET_ENTITIES.get(entity, ())]


# Adobe Commerce webhook methods (magento.md §5) → the record and where its id is in `data`.
MAGENTO_METHODS: dict[str, tuple[str, tuple[str, ...]]] = {
    "observer.sales_order_save_after": ("order", ("order", "increment_id")),
    "plugin.magento.sales.api.order_management.place": ("order", ("order", "increment_id")),
    "observer.sales_order_creditmemo_save_after": ("refund", ("creditmemo", "entity_id")),
    "observer.sales_order_invoice_save_after": ("payment", ("invoice", "entity_id")),
    "observer.catalog_product_save_after": ("product", ("product", "sku")),
    "observer.customer_save_after_data_object": ("customer", ("customer", "id")),
}


def _magento(topic: str, call: Any) -> list[Change]:
    found = MAGENTO_METHODS.get(topic)
    if found is None:
        return []
    entity, path = found
    return [Change(entity, _named(call, "data", *path))]


READERS: dict[str, Reader] = {
    "centra": _centra,
    "fortnox": _fortnox,
    "vismanet": _vismanet,
    "magento": _magento,
}
