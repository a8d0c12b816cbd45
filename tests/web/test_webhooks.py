"""Centra's webhooks into Brygga's inbox over real HTTP: the Centra sandbox's Webhook plugin
posts signed, form-encoded calls (some twice) to `brygga serve`'s receiver, which takes every
change in once; forged, stale, replayed, unsigned and malformed calls change nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from brygga.connectors.centra import webhooks
from brygga.sandbox.centra.webhooks import encode, signature
from brygga.store import Database, InboxEvent, SecretBox, save_connection
from brygga.web.app import create_app
from tests.support.processes import SandboxProcess, start_sandbox
from tests.support.servers import serving

SECRET = "whsec-centra"


def test_the_signature_check_reproduces_the_fact_sheet_test_vector():
    body = b"payload=%7B%22x%22%3A%22test%22%7D"  # centra.md §5.2
    header = "t=12345678,v1=0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
    webhooks.verify("test123", header, body, now=12345678 + 60)
    with pytest.raises(webhooks.WebhookRefused, match="stale"):
        webhooks.verify("test123", header, body, now=12345678 + 301)
    with pytest.raises(webhooks.WebhookRefused, match="does not match"):
        webhooks.verify("test124", header, body, now=12345678)


@dataclass
class Receiver:
    url: str
    db: Database
    centra: SandboxProcess

    def events(self) -> list[InboxEvent]:
        with self.db.session() as session:
            return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))

    def post(self, body: bytes, headers: dict[str, str], connection: str = "shop") -> Any:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        return httpx.post(f"{self.url}/webhooks/centra/{connection}", content=body,
                          headers=headers)  # fmt: skip


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    home = tmp_path_factory.mktemp("home")
    centra = start_sandbox("centra", tmp_path_factory.mktemp("centra"), "--no-rate-limit")
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    db.migrate()
    box = SecretBox.from_environment(home)
    with db.session() as session:
        for name, credentials in (
            ("shop", {"token": "t", "webhook_secret": SECRET}),
            ("unsigned-shop", {"token": "t"}),
        ):
            save_connection(session, box, name=name, system="centra",
                            base_url=centra.base_url, credentials=credentials)  # fmt: skip
    try:
        with serving(create_app(db, box)) as url:
            yield Receiver(url, db, centra)
    finally:
        db.dispose()
        centra.stop()


def sandbox_webhooks(centra: SandboxProcess, settings: dict[str, Any]) -> None:
    answer = httpx.post(f"{centra.base_url}/_sandbox/webhooks", json=settings, timeout=30)
    assert answer.status_code == 200, answer.text


def test_redelivered_centra_events_are_taken_in_once(receiver: Receiver):
    target = f"{receiver.url}/webhooks/centra/shop"
    settings = {"url": target, "secret": SECRET, "batch_size": 1, "redeliver_rate": 1}
    sandbox_webhooks(receiver.centra, settings)
    made = httpx.post(f"{receiver.centra.base_url}/_sandbox/simulate", json={"orders": 3})
    numbers = made.json()["orders"]
    deadline = time.monotonic() + 15
    while sum(event.deliveries for event in receiver.events()) < 6:
        assert time.monotonic() < deadline, [(e.topic, e.deliveries) for e in receiver.events()]
        time.sleep(0.05)
    sandbox_webhooks(receiver.centra, {"url": None})
    events = receiver.events()
    assert sorted(event.payload["id"] for event in events) == sorted(numbers)
    assert {(event.topic, event.deliveries) for event in events} == {("order.create", 2)}


def test_forged_stale_replayed_unsigned_and_malformed_calls_change_nothing(receiver: Receiver):
    before = [(event.event_id, event.deliveries) for event in receiver.events()]
    body = encode([{"type": "order", "action": "update", "date": "2026-12-07 10:00:00.000001",
                    "id": 424242}])  # fmt: skip
    now = int(time.time())

    forged = receiver.post(body, {"X-Centra-Signature": signature("guessed", now, body)})
    assert forged.status_code == 401 and "does not match" in forged.json()["detail"]
    stale = receiver.post(body, {"X-Centra-Signature": signature(SECRET, now - 600, body)})
    assert stale.status_code == 401 and "stale" in stale.json()["detail"]
    unsigned = receiver.post(body, {})
    assert unsigned.status_code == 401 and "unsigned" in unsigned.json()["detail"]
    no_secret = receiver.post(body, {}, connection="unsigned-shop")
    assert no_secret.status_code == 403 and "webhook_secret" in no_secret.json()["detail"]
    assert receiver.post(body, {}, connection="nobody").status_code == 404
    junk = b"payload=not-json"
    malformed = receiver.post(junk, {"X-Centra-Signature": signature(SECRET, now, junk)})
    assert malformed.status_code == 400 and "payload=" in malformed.json()["detail"]
    assert [(e.event_id, e.deliveries) for e in receiver.events()] == before

    # A genuine call, then the same call replayed by someone who captured it: taken in once.
    headers = {"X-Centra-Signature": signature(SECRET, now, body)}
    assert receiver.post(body, headers).json() == {"taken_in": 1, "repeated": 0}
    assert receiver.post(body, headers).json() == {"taken_in": 0, "repeated": 1}
    assert len(receiver.events()) == len(before) + 1
