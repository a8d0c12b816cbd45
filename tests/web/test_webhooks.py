"""The systems' webhooks into Brygga's inbox over real HTTP: the Centra sandbox's Webhook plugin
posts signed, form-encoded calls (some twice), the Visma.net sandbox's dispatcher minimal
notifications to a URL carrying the connection's token, the Magento sandbox Adobe Commerce
webhooks signed with its key pair; `brygga serve`'s receivers take every change in once and
wake the runtime. Forged, stale, replayed, unsigned and malformed calls change nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select

from brygga.connectors.centra import webhooks
from brygga.sandbox.centra.webhooks import encode, signature
from brygga.store import Connection, Database, InboxEvent, SecretBox, save_connection
from brygga.web.app import create_app
from brygga.web.webhooks import HideWebhookTokens
from tests.support.processes import SandboxProcess, start_sandbox
from tests.support.servers import serving

SECRET = "whsec-centra"
TOKEN = "vismanet-hook-token"
TEST_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    public = key.public_key()
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


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
    vismanet: SandboxProcess
    magento: SandboxProcess
    wake: asyncio.Event

    def events(self, connection: str | None = None) -> list[InboxEvent]:
        query = select(InboxEvent).order_by(InboxEvent.id)
        if connection is not None:
            query = query.join(Connection).where(Connection.name == connection)
        with self.db.session() as session:
            return list(session.scalars(query))

    def post(self, body: bytes, headers: dict[str, str], connection: str = "shop") -> Any:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        return httpx.post(f"{self.url}/webhooks/centra/{connection}", content=body,
                          headers=headers)  # fmt: skip


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Receiver]:
    home = tmp_path_factory.mktemp("home")
    sandboxes = {
        system: start_sandbox(system, tmp_path_factory.mktemp(system), "--no-rate-limit")
        for system in ("centra", "vismanet", "magento")
    }
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    db.migrate()
    box = SecretBox.from_environment(home)
    try:
        for sandbox in sandboxes.values():
            sandbox.wait_until_up()
        store_key = httpx.get(f"{sandboxes['magento'].base_url}/_sandbox/webhooks").json()
        with db.session() as session:
            for name, system, credentials in (
                ("shop", "centra", {"token": "t", "webhook_secret": SECRET}),
                ("unsigned-shop", "centra", {"token": "t"}),
                ("erp", "vismanet", {"client_id": "c", "webhook_token": TOKEN}),
                ("tokenless-erp", "vismanet", {"client_id": "c"}),
                ("store", "magento", {"webhook_public_key": store_key["public_key"]}),
                ("test-store", "magento", {"webhook_public_key": public_pem(TEST_KEY)}),
                ("keyless-store", "magento", {}),
            ):
                save_connection(session, box, name=name, system=system,
                                base_url=sandboxes[system].base_url,
                                credentials=credentials)  # fmt: skip
        app = create_app(db, box)
        app.state.wake = asyncio.Event()
        with serving(app) as url:
            yield Receiver(url, db, **sandboxes, wake=app.state.wake)
    finally:
        db.dispose()
        for sandbox in sandboxes.values():
            sandbox.stop()


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
    while sum(event.deliveries for event in receiver.events("shop")) < 6:
        assert time.monotonic() < deadline, [
            (e.topic, e.deliveries) for e in receiver.events("shop")
        ]
        time.sleep(0.05)
    sandbox_webhooks(receiver.centra, {"url": None})
    events = receiver.events("shop")
    assert sorted(event.payload["id"] for event in events) == sorted(numbers)
    assert {(event.topic, event.deliveries) for event in events} == {("order.create", 2)}


def test_forged_stale_replayed_unsigned_and_malformed_calls_change_nothing(receiver: Receiver):
    before = [(event.event_id, event.deliveries) for event in receiver.events("shop")]
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
    assert [(e.event_id, e.deliveries) for e in receiver.events("shop")] == before

    # A genuine call, then the same call replayed by someone who captured it: taken in once.
    headers = {"X-Centra-Signature": signature(SECRET, now, body)}
    assert receiver.post(body, headers).json() == {"taken_in": 1, "repeated": 0}
    assert receiver.post(body, headers).json() == {"taken_in": 0, "repeated": 1}
    assert len(receiver.events("shop")) == len(before) + 1


def wait_for_events(receiver: Receiver, connection: str, done: Any) -> list[InboxEvent]:
    deadline = time.monotonic() + 15
    while not done(found := receiver.events(connection)):
        assert time.monotonic() < deadline, [(e.topic, e.payload) for e in found]
        time.sleep(0.05)
    return found


def test_vismanet_notifications_are_taken_in_and_wake_the_runtime(receiver: Receiver):
    receiver.wake.clear()
    target = f"{receiver.url}/webhooks/vismanet/erp?token={TOKEN}"
    sandbox_webhooks(receiver.vismanet, {"url": target})
    try:
        made = httpx.post(f"{receiver.vismanet.base_url}/_sandbox/simulate",
                          json={"invoices": 1, "stock_changes": 2}, timeout=60).json()  # fmt: skip
        wanted = {("ARInvoice.Changed", n) for n in made["invoices"]} | {
            ("InventoryItem.Changed", n) for n in made["stock_changes"]
        }
        found = wait_for_events(receiver, "erp", lambda events: wanted <= {
            (e.topic, e.payload["key"]) for e in events})  # fmt: skip
    finally:
        sandbox_webhooks(receiver.vismanet, {"url": None})
    assert all(event.event_id == event.payload["notificationId"] for event in found)
    assert receiver.wake.is_set()


def notification(**changes: Any) -> bytes:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"notificationId": "n-1", "entity": "InventoryItem", "event": "Changed",
                       "key": "SECRET-SKU", "timestamp": stamp, **changes}).encode()  # fmt: skip


def test_forged_stale_replayed_and_malformed_vismanet_notifications_change_nothing(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
):
    def post(body: bytes, query: str, connection: str = "erp") -> Any:
        url = f"{receiver.url}/webhooks/vismanet/{connection}{query}"
        return httpx.post(url, content=body, headers={"Content-Type": "application/json"})

    before = [(e.event_id, e.deliveries) for e in receiver.events("erp")]
    body = notification()
    forged = post(body, "?token=guessed")
    assert forged.status_code == 401 and "not this connection's" in forged.json()["detail"]
    assert post(body, "").status_code == 401
    no_token = post(body, f"?token={TOKEN}", connection="tokenless-erp")
    assert no_token.status_code == 403 and "webhook_token" in no_token.json()["detail"]
    old = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    stale = post(notification(timestamp=old), f"?token={TOKEN}")
    assert stale.status_code == 401 and "stale" in stale.json()["detail"]
    assert post(b"{not json", f"?token={TOKEN}").status_code == 400
    assert [(e.event_id, e.deliveries) for e in receiver.events("erp")] == before
    # Refusals are logged with their reason, never with the payload or a token.
    assert "stale" in caplog.text and "not this connection's" in caplog.text
    assert "SECRET-SKU" not in caplog.text and TOKEN not in caplog.text

    # A genuine notification, then the same one replayed: taken in once.
    assert post(body, f"?token={TOKEN}").json() == {"taken_in": 1, "repeated": 0}
    assert post(body, f"?token={TOKEN}").json() == {"taken_in": 0, "repeated": 1}
    assert len(receiver.events("erp")) == len(before) + 1


def test_the_access_log_hides_the_webhook_token():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s"', (
        "127.0.0.1", "POST", f"/webhooks/vismanet/erp?token={TOKEN}&x=1"), None)  # fmt: skip
    assert HideWebhookTokens().filter(record)
    shown = record.getMessage()
    assert TOKEN not in shown and "token=***&x=1" in shown
    # Installed on the server's access log by the receivers' module itself.
    access = logging.getLogger("uvicorn.access").filters
    assert any(isinstance(installed, HideWebhookTokens) for installed in access)


def test_magento_webhooks_are_taken_in(receiver: Receiver):
    receiver.wake.clear()
    sandbox_webhooks(receiver.magento, {"url": f"{receiver.url}/webhooks/magento/store"})
    try:
        made = httpx.post(f"{receiver.magento.base_url}/_sandbox/simulate",
                          json={"orders": 2}, timeout=60).json()  # fmt: skip
        wanted = set(made["orders"])
        found = wait_for_events(receiver, "store", lambda events: wanted <= {
            e.payload["data"]["order"]["increment_id"] for e in events
            if e.topic == "observer.sales_order_save_after"})  # fmt: skip
    finally:
        sandbox_webhooks(receiver.magento, {"url": None})
    assert found and receiver.wake.is_set()


def commerce_call(**order: Any) -> bytes:
    saved = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    data = {"order": {"increment_id": "000000042", "updated_at": saved, **order}}
    return json.dumps({"eventName": "observer.sales_order_save_after", "data": data}).encode()


def commerce_signature(key: rsa.RSAPrivateKey, body: bytes) -> str:
    signed = key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


def test_forged_stale_replayed_and_unsigned_magento_webhooks_change_nothing(receiver: Receiver):
    def post(body: bytes, signature: str | None, connection: str = "test-store") -> Any:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["x-adobe-commerce-webhook-signature"] = signature
        return httpx.post(f"{receiver.url}/webhooks/magento/{connection}", content=body,
                          headers=headers)  # fmt: skip

    before = [(e.event_id, e.deliveries) for e in receiver.events("test-store")]
    body = commerce_call()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = post(body, commerce_signature(other, body))
    assert forged.status_code == 401 and "does not match" in forged.json()["detail"]
    tampered = post(commerce_call(increment_id="000000043"), commerce_signature(TEST_KEY, body))
    assert tampered.status_code == 401
    assert post(body, "not base64!").status_code == 401
    unsigned = post(body, None)
    assert unsigned.status_code == 401 and "unsigned" in unsigned.json()["detail"]
    keyless = post(body, commerce_signature(TEST_KEY, body), connection="keyless-store")
    assert keyless.status_code == 403 and "webhook_public_key" in keyless.json()["detail"]
    old = commerce_call(updated_at="2026-01-01 10:00:00")
    stale = post(old, commerce_signature(TEST_KEY, old))
    assert stale.status_code == 401 and "stale" in stale.json()["detail"]
    junk = b"[1, 2]"
    assert post(junk, commerce_signature(TEST_KEY, junk)).status_code == 400
    assert [(e.event_id, e.deliveries) for e in receiver.events("test-store")] == before

    # A genuine call answered as Commerce expects; replayed, it is taken in once.
    signature = commerce_signature(TEST_KEY, body)
    assert post(body, signature).json() == {"op": "success"}
    assert post(body, signature).json() == {"op": "success"}
    [event] = receiver.events("test-store")[len(before) :]
    assert event.deliveries == 2 and event.topic == "observer.sales_order_save_after"
