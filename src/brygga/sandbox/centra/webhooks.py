"""The Centra Webhook plugin (fact sheet §5.2): signed, form-encoded POSTs of change items.

Wire: `POST <url>`, `Content-Type: application/x-www-form-urlencoded`, body
`payload=<url-encoded JSON {"events": [...]}>`, and with a secret the header
`X-Centra-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>`.
Like the plugin: at most `batch_size` items per call, a timeout, retries off by default (up to
3, with a doubling delay), then the call is dropped. For fault injection the sandbox can also
deliver a share of calls twice (`redeliver_rate`) and shuffle items across calls (`shuffle`).
Settings come from `POST /_sandbox/webhooks` and are kept in the store's meta table.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import random
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field

from brygga.sandbox.storage import DocumentStore

Item = dict[str, Any]


class WebhookSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="target; none turns the webhook off")
    secret: str = Field("", description="signing secret; empty sends no signature")
    retries: int = Field(0, ge=0, le=3, description="retries after a failed call")
    retry_delay: float = Field(1.0, ge=0, le=60, description="seconds before the first retry")
    timeout: float = Field(5.0, gt=0, le=60, description="seconds per call")
    batch_size: int = Field(100, ge=1, le=1000, description="most items per call")
    redeliver_rate: float = Field(0, ge=0, le=1, description="share of calls delivered twice")
    shuffle: bool = Field(False, description="deliver items out of order")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Centra-Signature` value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def encode(items: list[Item]) -> bytes:
    payload = json.dumps({"events": items}, separators=(",", ":"))
    return urlencode({"payload": payload}).encode()


class WebhookSender:
    """Delivers in a background thread, so a mutation never waits for the receiver."""

    def __init__(self, store: DocumentStore, seed: int) -> None:
        self.store = store
        self.settings = WebhookSettings(**(store.get_meta("webhooks") or {}))
        self.stats = {"calls": 0, "delivered": 0, "redelivered": 0, "failed": 0, "dropped": 0}
        self._random = random.Random(seed)  # the same seed shuffles and repeats the same way
        self._queue: queue.Queue[list[Item] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="centra-webhooks", daemon=True)
        self._thread.start()

    def configure(self, settings: WebhookSettings) -> None:
        with self._lock:
            self.settings = settings
        self.store.set_meta("webhooks", settings.model_dump())

    def status(self) -> dict[str, Any]:
        with self._lock:
            shown = self.settings.model_dump(exclude={"secret"})
            return {
                **shown,
                "signed": bool(self.settings.secret),
                **self.stats,
                "pending": self._queue.qsize(),
            }

    def send(self, items: list[Item]) -> None:
        if self.settings.url:
            self._queue.put(list(items))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(5)

    def _run(self) -> None:
        with httpx.Client() as client:
            closing = False
            while not closing and (items := self._queue.get()) is not None:
                # Items queued meanwhile go out with these, as the plugin batches them.
                while not self._queue.empty():
                    more = self._queue.get()
                    closing = more is None
                    items += more or []
                with self._lock:
                    settings = self.settings
                if settings.url is None:  # turned off meanwhile: the items are dropped
                    continue
                if settings.shuffle:
                    self._random.shuffle(items)
                for start in range(0, len(items), settings.batch_size):
                    self._deliver(client, settings, items[start : start + settings.batch_size])

    def _deliver(self, client: httpx.Client, settings: WebhookSettings, items: list[Item]) -> None:
        body = encode(items)
        for attempt in range(settings.retries + 1):
            if attempt:
                time.sleep(settings.retry_delay * 2 ** (attempt - 1))
            if self._post(client, settings, body):
                self._count("delivered")
                if self._random.random() < settings.redeliver_rate:
                    self._post(client, settings, body)
                    self._count("redelivered")
                return
            self._count("failed")
        self._count("dropped")  # the plugin gives up: receivers need a periodic resync

    def _post(self, client: httpx.Client, settings: WebhookSettings, body: bytes) -> bool:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if settings.secret:
            headers["X-Centra-Signature"] = signature(settings.secret, int(time.time()), body)
        self._count("calls")
        try:
            response = client.post(
                str(settings.url), content=body, headers=headers, timeout=settings.timeout
            )
        except httpx.HTTPError:
            return False
        return response.is_success

    def _count(self, name: str) -> None:
        with self._lock:
            self.stats[name] += 1
