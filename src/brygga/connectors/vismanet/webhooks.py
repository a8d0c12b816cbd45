"""Receiving Visma.net ERP webhook notifications (vismanet.md §5): triggers only, the record is
read again through the API, so a notification is never trusted for data.

Visma.net documents neither the payload nor a signature of these notifications (§5, open
questions §8); the verification it offers is https plus an allow-list of the dispatcher's
source IPs. So Brygga authenticates a call by a secret token of the connection
(`webhook_token`) in the subscription URL registered in the Developer Portal
(`.../webhooks/vismanet/<connection>?token=<webhook_token>`), compared in constant time. A
notification carrying a `timestamp` older than STALE_AFTER_SECONDS is refused, and a replayed
one (the same `notificationId`) is taken into the inbox once."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TOKEN_PARAMETER = "token"
# Long enough for the dispatcher's retries of a call; a later one is left to the polling.
STALE_AFTER_SECONDS = 600


class WebhookRefused(Exception):
    """A call that is not verifiably for this connection, now: no token, a wrong one, stale."""


@dataclass(frozen=True)
class Notification:
    event_id: str  # `notificationId`, so a redelivered notification is taken in once
    topic: str  # e.g. "ARInvoice.Changed"
    payload: dict[str, Any]


def verify(expected: str, given: str | None) -> None:
    """Accept the call only if its URL carries the connection's token."""
    if not given:
        raise WebhookRefused(f"no {TOKEN_PARAMETER} in the URL")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookRefused(f"the URL's {TOKEN_PARAMETER} is not this connection's")


def notifications(body: bytes, now: datetime) -> list[Notification]:
    """The notifications of a call whose token was verified: one JSON object, or a list of
    them. ValueError for a body that is not that; WebhookRefused for a stale one."""
    try:
        found = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"expected a JSON notification ({exc})") from None
    items = found if isinstance(found, list) else [found]
    if not items or not all(isinstance(item, dict) for item in items):
        raise ValueError("expected a JSON object per notification")
    for item in items:
        _check_fresh(item, now)
    return [Notification(_event_id(item), _topic(item), item) for item in items]


def _check_fresh(item: dict[str, Any], now: datetime) -> None:
    stamp = item.get("timestamp")
    try:
        sent = datetime.fromisoformat(str(stamp))
    except ValueError:
        return  # no time to judge by: the token and the inbox stand alone
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    age = (now - sent).total_seconds()
    if abs(age) > STALE_AFTER_SECONDS:
        raise WebhookRefused(f"stale: stamped {int(age)} s before it arrived")


def _event_id(item: dict[str, Any]) -> str:
    given = item.get("notificationId")
    if given:
        return str(given)
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()


def _topic(item: dict[str, Any]) -> str:
    entity, event = item.get("entity"), item.get("event")
    return f"{entity}.{event}" if entity else "notification"
