"""The change log behind the WebSocket topics API (fact sheet §5.1).

Every change made through the REST API appends an event `{topic, offset, type, tenantId,
entityId, timestamp}` to its topic. Offsets are opaque strings, unique and increasing within a
topic (fixed-width base 62, so they also sort as text); the log is kept in the store, so a
client can replay from an offset after a restart of either side. Live readers are woken
through an `asyncio.Event` each. Event type names are those of §5.1; the topic of invoice
payments is `invoices`, as in Fortnox's example event.
"""

from __future__ import annotations

import asyncio
import string
from datetime import datetime
from typing import Any

from brygga.sandbox.fortnox.tenant import STOCKHOLM, TENANT_ID
from brygga.sandbox.storage import DocumentStore

Event = dict[str, Any]
# The documented topics (§5.1); subscribing to others answers `invalidTopics`.
TOPICS = frozenset({
    "accounts", "articles", "bureau-activities", "bureau-assignments", "cost-centers",
    "currencies", "customers", "financial-years", "invoices", "offers", "orders", "projects",
    "supplier-invoices", "suppliers", "termsofdeliveries", "termsofpayments", "vouchers",
    "warehouse-stockbalances", "waysofdeliveries",
})  # fmt: skip
_DIGITS = string.digits + string.ascii_uppercase + string.ascii_lowercase  # ASCII order
_WIDTH = 6


def encode_offset(position: int) -> str:
    text = ""
    for _ in range(_WIDTH):
        position, digit = divmod(position, len(_DIGITS))
        text = _DIGITS[digit] + text
    return text


def decode_offset(offset: Any) -> int | None:
    """The position an offset stands for; None for anything that is not an offset."""
    if not isinstance(offset, str) or len(offset) != _WIDTH or not set(offset) <= set(_DIGITS):
        return None
    position = 0
    for char in offset:
        position = position * len(_DIGITS) + _DIGITS.index(char)
    return position


class EventLog:
    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self._topics: dict[str, list[Event]] = {}
        for event in store.all("events"):
            self._topics.setdefault(event["topic"], []).append(event)
        self._bells: set[asyncio.Event] = set()

    def emit(self, topic: str, kind: str, entity_id: str | int) -> None:
        """Record a change (`kind` is the event type, e.g. `invoice-bookkeep-v1`)."""
        events = self._topics.setdefault(topic, [])
        event = {
            "topic": topic,
            "offset": encode_offset(len(events)),
            "type": kind,
            "tenantId": TENANT_ID,
            "entityId": str(entity_id),
            "timestamp": datetime.now(STOCKHOLM).isoformat(timespec="milliseconds"),
        }
        self.store.put("events", f"{topic}/{event['offset']}", event)
        events.append(event)
        for bell in self._bells:
            bell.set()

    def end(self, topic: str) -> int:
        """The position the next event of `topic` will get."""
        return len(self._topics.get(topic, ()))

    def read(self, topic: str, start: int) -> list[Event]:
        """The events of `topic` from position `start` on."""
        return self._topics.get(topic, [])[start:]

    def listen(self, bell: asyncio.Event) -> None:
        self._bells.add(bell)

    def forget(self, bell: asyncio.Event) -> None:
        self._bells.discard(bell)
