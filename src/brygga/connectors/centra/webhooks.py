"""Receiving Centra's Webhook plugin calls (centra.md §5.2): the signature is checked over the
exact bytes received, stale calls are refused, and each item becomes an event for the inbox.
Items are triggers only: the record itself is read again through GraphQL."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

# §5.2: refuse a stale `t`; five minutes is the common window.
STALE_AFTER_SECONDS = 300
SIGNATURE_HEADER = "X-Centra-Signature"


class WebhookRefused(Exception):
    """A call that is not verifiably Centra's, now: unsigned, forged or stale."""


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str  # the same for a redelivered item, so the inbox takes it once
    topic: str  # e.g. "order.create"
    item: dict[str, Any]


def verify(secret: str, header: str | None, body: bytes, now: float) -> None:
    """Accept the call only if `header` is `t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
    "<t>." + body)>` and `t` is within STALE_AFTER_SECONDS of `now`."""
    if not header:
        raise WebhookRefused(f"unsigned: no {SIGNATURE_HEADER} header")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp, given = parts.get("t", ""), parts.get("v1", "")
    if not timestamp.isdigit() or not given:
        raise WebhookRefused(f"{SIGNATURE_HEADER} is not t=<seconds>,v1=<hex>")
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(given.encode(), digest.hexdigest().encode()):
        raise WebhookRefused("the signature does not match the body and the secret")
    if abs(now - int(timestamp)) > STALE_AFTER_SECONDS:
        raise WebhookRefused(f"stale: signed {int(now) - int(timestamp)} s before it arrived")


def events(body: bytes) -> list[WebhookEvent]:
    """The items of a verified call (form-encoded `payload=<JSON {"events": [...]}>`); a
    ValueError says what is wrong with a body that is not that."""
    try:
        (payload,) = parse_qs(body.decode(), strict_parsing=True)["payload"]
        items = json.loads(payload)["events"]
    except (UnicodeDecodeError, KeyError, ValueError, TypeError) as exc:
        raise ValueError(f'expected a form field payload={{"events": [...]}} ({exc})') from None
    if not isinstance(items, list) or not all(_is_item(item) for item in items):
        raise ValueError("each event needs a type, an action and an id")
    return [
        WebhookEvent(_event_id(item), f"{item['type']}.{item['action']}", item) for item in items
    ]


def _is_item(item: Any) -> bool:
    return isinstance(item, dict) and all(
        item.get(key) is not None for key in ("type", "action", "id")
    )


def _event_id(item: dict[str, Any]) -> str:
    """Centra gives items no id; the item itself (with its microsecond `date`) tells one change
    from the next, and a redelivery from a new change."""
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
