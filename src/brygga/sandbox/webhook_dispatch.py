"""Delivering a sandbox's change webhooks: from a background thread, so a write never waits for
the receiver, with a timeout per call, a few retries at a doubling delay and then the call
dropped, as the real senders do (the systems' own wire format in subclasses). For fault
injection a share of calls can be delivered twice (`redeliver_rate`). Settings come from a
sandbox's `POST /_sandbox/webhooks` and are kept in the store's meta table."""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from typing import Any, ClassVar, Generic, TypeVar, cast

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from brygga.sandbox.storage import DocumentStore

Item = dict[str, Any]


class DeliverySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, description="target; none turns the webhook off")
    retries: int = Field(0, ge=0, le=3, description="retries after a failed call")
    retry_delay: float = Field(1.0, ge=0, le=60, description="seconds before the first retry")
    timeout: float = Field(5.0, gt=0, le=60, description="seconds per call")
    redeliver_rate: float = Field(0, ge=0, le=1, description="share of calls delivered twice")

    def shown(self) -> dict[str, Any]:
        """What `GET /_sandbox/webhooks` shows of the settings (never a secret)."""
        return self.model_dump()


Settings = TypeVar("Settings", bound=DeliverySettings)


class Dispatcher(Generic[Settings]):
    """Sends the items handed to `send` as calls of the system's wire format."""

    settings_type: ClassVar[type[DeliverySettings]] = DeliverySettings
    meta_name: ClassVar[str] = "webhooks"

    def __init__(self, store: DocumentStore, seed: int) -> None:
        self.store = store
        saved = store.get_meta(self.meta_name) or {}
        self.settings = cast(Settings, self.settings_type(**saved))
        self.stats = {"calls": 0, "delivered": 0, "redelivered": 0, "failed": 0, "dropped": 0}
        self.random = random.Random(seed)  # the same seed repeats and reorders the same way
        self._queue: queue.Queue[list[Item] | None] = queue.Queue()
        self._lock = threading.Lock()
        name = f"{type(self).__module__}-webhooks"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def bodies(self, settings: Settings, items: list[Item]) -> list[bytes]:
        """The calls that carry `items` (all items queued since the last delivery); by
        default one JSON call per item."""
        return [json.dumps(item).encode() for item in items]

    def headers(self, settings: Settings, body: bytes) -> dict[str, str]:
        """The headers of one attempt of a call (a signature is made afresh for each)."""
        return {"Content-Type": "application/json"}

    def items_for(self, collection: str, key: str, document: Item) -> list[Item]:
        """The items a store write makes (for a dispatcher that watches the store)."""
        return []

    def changed(self, collection: str, key: str, document: Item) -> None:
        if items := self.items_for(collection, key, document):
            self.send(items)

    def configure(self, settings: Settings) -> None:
        with self._lock:
            self.settings = settings
        self.store.set_meta(self.meta_name, settings.model_dump())

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {**self.settings.shown(), **self.stats, "pending": self._queue.qsize()}

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
                # Items queued meanwhile go out with these, as senders batch them.
                while not self._queue.empty():
                    more = self._queue.get()
                    closing = more is None
                    items += more or []
                with self._lock:
                    settings = self.settings
                if settings.url is None:  # turned off meanwhile: the items are dropped
                    continue
                for body in self.bodies(settings, items):
                    self._deliver(client, settings, body)

    def _deliver(self, client: httpx.Client, settings: Settings, body: bytes) -> None:
        for attempt in range(settings.retries + 1):
            if attempt:
                time.sleep(settings.retry_delay * 2 ** (attempt - 1))
            if self._post(client, settings, body):
                self._count("delivered")
                if self.random.random() < settings.redeliver_rate:
                    self._post(client, settings, body)
                    self._count("redelivered")
                return
            self._count("failed")
        self._count("dropped")  # the sender gives up: receivers need a periodic resync

    def _post(self, client: httpx.Client, settings: Settings, body: bytes) -> bool:
        self._count("calls")
        try:
            response = client.post(
                str(settings.url),
                content=body,
                headers=self.headers(settings, body),
                timeout=settings.timeout,
            )
        except httpx.HTTPError:
            return False
        return response.is_success

    def _count(self, name: str) -> None:
        with self._lock:
            self.stats[name] += 1


def serve_webhooks(app: FastAPI, store: DocumentStore, dispatcher: Dispatcher[Any]) -> None:
    """Let `dispatcher` watch every write to the store, and add its control routes
    `GET|POST /_sandbox/webhooks` (the settings, the delivery counts)."""
    store.watch(dispatcher.changed)

    @app.get("/_sandbox/webhooks", include_in_schema=False)
    async def webhook_status() -> JSONResponse:
        return JSONResponse(dispatcher.status())

    @app.post("/_sandbox/webhooks", include_in_schema=False)
    async def configure_webhooks(request: Request) -> JSONResponse:
        try:
            settings = dispatcher.settings_type.model_validate(await request.json())
        except ValueError as error:  # a ValidationError, or a body that is no JSON
            return JSONResponse({"detail": str(error)}, status_code=422)
        dispatcher.configure(settings)
        return JSONResponse(dispatcher.status())
