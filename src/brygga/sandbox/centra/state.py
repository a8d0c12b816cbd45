"""One Centra environment: its documents plus what every write needs besides them.

`Shop` keeps the in-memory indexes (orders by number, the next ids of embedded records), the
ID-conversion table, the event queues and the webhook sender. Every change made through a
mutation or the simulation goes through `changed`, which queues events for the listening
integrations (fact sheet §5.1) and webhook items (§5.2); `flush` hands a request's webhook
items to the sender in one go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from brygga.sandbox.centra.events import DTC_STORE, EventQueues
from brygga.sandbox.centra.idconversions import IdConversions
from brygga.sandbox.centra.scalars import TENANT_ZONE
from brygga.sandbox.centra.webhooks import WebhookSender
from brygga.sandbox.storage import DocumentStore

Document = dict[str, Any]
# Object types the Centra Webhook plugin reports, and their `type` there (§5.2).
WEBHOOK_TYPES = {"Order": "order", "Shipment": "shipment", "Return": "return"}
# Records kept inside other documents, numbered by counters of these names.
EMBEDDED = {
    "orderLines": ("orders", "lines"),
    "paymentHistory": ("orders", "paymentHistory"),
    "shipmentLines": ("shipments", "lines"),
    "returnLines": ("returns", "lines"),
}


class Shop:
    def __init__(self, store: DocumentStore, seed: int) -> None:
        self.store = store
        self.conversions = IdConversions(store)
        self.events = EventQueues(store)
        self.webhooks = WebhookSender(store, seed)
        self._numbers = {order["number"]: order["id"] for order in store.all("orders")}
        self._last_ids = {
            counter: max(
                (item["id"] for parent in store.all(collection) for item in parent[key]),
                default=0,
            )
            for counter, (collection, key) in EMBEDDED.items()
        }
        self._hooks: list[Document] = []

    def order_by_number(self, number: int) -> Document | None:
        order_id = self._numbers.get(number)
        return None if order_id is None else self.store.get("orders", order_id)

    @property
    def last_order_number(self) -> int:
        return max(self._numbers, default=1000)

    def add_order(self, order: Document) -> None:
        self.store.put("orders", order["id"], order)
        self._numbers[order["number"]] = order["id"]

    def new_id(self, counter: str) -> int:
        """The next id of a collection (ids are never reused) or of an embedded record."""
        last = self._last_ids.get(counter)
        if last is None:
            last = self.store.count(counter)  # top-level ids run 1..count from the seed
        return self.store.next_number(counter, last + 1)

    def changed(self, object_type: str, change_type: str, document: Document) -> None:
        """Record a change to `document` for the events queue and the webhook."""
        reference = document["number"] if object_type == "Order" else document["id"]
        store_id = DTC_STORE["id"] if object_type in WEBHOOK_TYPES else None
        self.events.record(object_type, change_type, str(reference), store_id)
        if object_type in WEBHOOK_TYPES:
            self._hooks.append(
                {
                    "type": WEBHOOK_TYPES[object_type],
                    "action": "create" if change_type == "CREATED" else "update",
                    # As in the plugin's example: local time with microseconds.
                    "date": datetime.now(TENANT_ZONE).strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "id": reference,
                }
            )

    def flush(self) -> None:
        if self._hooks:
            self.webhooks.send(self._hooks)
            self._hooks = []
