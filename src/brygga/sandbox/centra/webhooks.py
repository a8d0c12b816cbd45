"""The Centra Webhook plugin (fact sheet §5.2): signed, form-encoded POSTs of change items.

Wire: `POST <url>`, `Content-Type: application/x-www-form-urlencoded`, body
`payload=<url-encoded JSON {"events": [...]}>`, and with a secret the header
`X-Centra-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`.
Like the plugin: at most `batch_size` items per call, a timeout, retries off by default (up to
3, with a doubling delay), then the call is dropped (`sandbox.webhook_dispatch`). For fault
injection the sandbox can also deliver a share of calls twice (`redeliver_rate`) and shuffle
items across calls (`shuffle`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from pydantic import Field

from brygga.sandbox.webhook_dispatch import DeliverySettings, Dispatcher, Item


class WebhookSettings(DeliverySettings):
    secret: str = Field("", description="signing secret; empty sends no signature")
    batch_size: int = Field(100, ge=1, le=1000, description="most items per call")
    shuffle: bool = Field(False, description="deliver items out of order")

    def shown(self) -> dict[str, Any]:
        return self.model_dump(exclude={"secret"}) | {"signed": bool(self.secret)}


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Centra-Signature` value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def encode(items: list[Item]) -> bytes:
    payload = json.dumps({"events": items}, separators=(",", ":"))
    return urlencode({"payload": payload}).encode()


class WebhookSender(Dispatcher[WebhookSettings]):
    settings_type = WebhookSettings

    def bodies(self, settings: WebhookSettings, items: list[Item]) -> list[bytes]:
        if settings.shuffle:
            self.random.shuffle(items)
        size = settings.batch_size
        return [encode(items[start : start + size]) for start in range(0, len(items), size)]

    def headers(self, settings: WebhookSettings, body: bytes) -> dict[str, str]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if settings.secret:
            headers["X-Centra-Signature"] = signature(settings.secret, int(time.time()), body)
        return headers
