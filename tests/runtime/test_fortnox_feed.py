"""The Fortnox event feed against a real Fortnox sandbox process and a real SQLite file:
events of REST changes reach the webhook inbox once, a restarted follower resumes from the
stored offsets, duplicated deliveries are taken in once, and a revoked grant puts the
connection in "reconnect required" until it is reconnected."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from brygga.engine.inbox import unhandled
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.runtime import fortnox_feed
from brygga.runtime.fortnox_feed import follow, followed_connections
from brygga.sandbox.fortnox.topics import DUPLICATES_ENV
from brygga.store import Alert, Connection, Database, InboxEvent, SecretBox, save_connection
from brygga.store.alerts import RECONNECT_REQUIRED
from brygga.store.topic_offsets import stored_offsets
from tests.sandbox.test_fortnox import api
from tests.sandbox.test_fortnox_oauth import code_grant
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

sandbox = sandbox_fixture("fortnox")
EVENT_KEYS = ["topic", "offset", "type", "tenantId", "entityId", "timestamp"]


@pytest.fixture
def home(tmp_path: Path) -> Iterator[tuple[Database, SecretBox]]:
    db = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    db.migrate()
    yield db, SecretBox.from_environment(tmp_path)
    db.dispose()


def service_account(sandbox: SandboxProcess) -> dict[str, Any]:
    demo = sandbox.credentials()
    return {key: demo[key] for key in ("client_id", "client_secret", "tenant_id")} | {
        "rate_limit": False
    }


def connect(db: Database, box: SecretBox, sandbox: SandboxProcess, **credentials: Any) -> int:
    with db.session() as session:
        return save_connection(
            session,
            box,
            name="fortnox",
            system="fortnox",
            base_url=sandbox.base_url,
            credentials=credentials or service_account(sandbox),
        ).id


class Follower:
    """`follow` running as a task, as the runtime runs it; stopped and awaited on exit."""

    def __init__(self, db: Database, box: SecretBox, connection_id: int) -> None:
        self.stop, self.wake = asyncio.Event(), asyncio.Event()
        self.task = asyncio.create_task(follow(db, box, connection_id, self.stop, self.wake))

    async def __aenter__(self) -> Follower:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 5)  # stops promptly; raises what broke it


class Inbox:
    def __init__(self, db: Database, connection_id: int) -> None:
        self.db, self.connection_id = db, connection_id

    def rows(self) -> list[InboxEvent]:
        with self.db.session() as session:
            return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))

    def of(self, *entities: str) -> list[tuple[str, str, str]]:
        """(topic, type, entity) of the events about `entities`, in the order taken in."""
        return [
            (row.topic, row.payload["type"], row.payload["entityId"])
            for row in self.rows()
            if row.payload["entityId"] in entities
        ]

    async def holds(self, count: int, *entities: str) -> None:
        await until(lambda: len(self.of(*entities)) >= count)


async def primed(follower: Follower, rest: httpx.Client) -> None:
    """Until the follower is subscribed (it then follows from now on): rename an article
    until its event is taken in."""
    article = new_article(rest)
    deadline = time.monotonic() + 10
    while not follower.wake.is_set():
        assert time.monotonic() < deadline and not follower.task.done(), "not following"
        rename(rest, article)
        await asyncio.sleep(0.2)


def new_article(rest: httpx.Client, **fields: Any) -> str:
    """An article numbered apart from documents, whose numbers count from 1 too."""
    body = {"ArticleNumber": f"A-{uuid.uuid4().hex[:8]}", "Description": "Ny"} | fields
    response = rest.post("/3/articles", json={"Article": body})
    assert response.status_code == 201, response.text
    return response.json()["Article"]["ArticleNumber"]


def rename(rest: httpx.Client, number: str) -> None:
    response = rest.put(f"/3/articles/{number}", json={"Article": {"Description": "Nytt"}})
    assert response.status_code == 200, response.text


def new_invoice(rest: httpx.Client) -> str:
    customer = rest.post("/3/customers", json={"Customer": {"Name": "Kund AB"}}).json()
    order = rest.post(
        "/3/orders", json={"Order": {"CustomerNumber": customer["Customer"]["CustomerNumber"]}}
    ).json()["Order"]
    invoice = rest.put(f"/3/orders/{order['DocumentNumber']}/createinvoice").json()
    return invoice["Invoice"]["DocumentNumber"]


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_the_fortnox_connections_of_flows_reading_from_fortnox_are_followed(
    home: tuple[Database, SecretBox], sandbox: SandboxProcess
) -> None:
    db, box = home
    shop = ConnectionSettings("shop", "centra", "http://127.0.0.1:9", {"token": "t"})
    erp = ConnectionSettings("erp", "fortnox", sandbox.base_url, service_account(sandbox))

    def followed(flows: dict[str, FlowChoice] | None = None) -> list[str]:
        configure(db, box, name="shop-erp", pair="centra-fortnox", shop=shop, erp=erp, flows=flows)
        with db.session() as session:
            ids = followed_connections(session)
            return [session.get(Connection, id_).name for id_ in ids]

    assert followed() == ["erp"]
    off = FlowChoice(enabled=False)
    reading = ("products", "stock", "invoices", "credit_notes")  # Fortnox → Centra
    assert followed({name: off for name in reading}) == []
    assert followed({"invoices": FlowChoice()}) == ["erp"]


async def test_events_reach_the_inbox_once_with_their_offsets(
    home: tuple[Database, SecretBox], sandbox: SandboxProcess
) -> None:
    db, box = home
    connection_id = connect(db, box, sandbox)
    inbox = Inbox(db, connection_id)
    with api(sandbox.base_url) as rest:
        async with Follower(db, box, connection_id) as follower:
            await primed(follower, rest)
            follower.wake.clear()
            article = new_article(rest, QuantityInStock=2)
            invoice = new_invoice(rest)
            await inbox.holds(3, article, invoice)
            assert follower.wake.is_set()
    assert sorted(inbox.of(article, invoice)) == [
        ("articles", "article-created-v1", article),
        ("invoices", "invoice-created-v1", invoice),
        ("warehouse-stockbalances", "warehouse-stockbalance-changed-v1", article),
    ]
    rows = inbox.rows()
    for row in rows:
        assert list(row.payload) == EVENT_KEYS and row.topic == row.payload["topic"]
        assert row.event_id == f"{row.topic}:{row.payload['offset']}" and row.deliveries == 1
    last = {row.topic: row.payload["offset"] for row in rows}
    with db.session() as session:
        assert stored_offsets(session, connection_id) == last
        assert len(unhandled(session, connection_id)) == len(rows)


async def test_a_restarted_follower_takes_in_what_happened_meanwhile_once(
    home: tuple[Database, SecretBox], sandbox: SandboxProcess
) -> None:
    db, box = home
    connection_id = connect(db, box, sandbox)
    inbox = Inbox(db, connection_id)
    with api(sandbox.base_url) as rest:
        async with Follower(db, box, connection_id) as follower:
            await primed(follower, rest)
            first = new_article(rest)
            await inbox.holds(1, first)
        rename(rest, first)  # while stopped
        second = new_article(rest)
        async with Follower(db, box, connection_id):
            await inbox.holds(3, first, second)
            third = new_article(rest)  # and on, live
            await inbox.holds(4, first, second, third)
    assert inbox.of(first, second, third) == [
        ("articles", "article-created-v1", first),
        ("articles", "article-updated-v1", first),
        ("articles", "article-created-v1", second),
        ("articles", "article-created-v1", third),
    ]
    # The restart resumed from the last offset taken, so Fortnox sent that event again.
    deliveries = [
        row.deliveries for row in inbox.rows() if row.payload["entityId"] in (first, second, third)
    ]
    assert deliveries == [2, 1, 1, 1]


async def test_duplicated_deliveries_are_taken_in_once(
    home: tuple[Database, SecretBox], tmp_path: Path
) -> None:
    db, box = home
    doubling = start_sandbox(
        "fortnox", tmp_path / "fortnox", "--no-rate-limit", env={DUPLICATES_ENV: "1"}
    )
    try:
        connection_id = connect(db, box, doubling)
        inbox = Inbox(db, connection_id)
        with api(doubling.base_url) as rest:
            async with Follower(db, box, connection_id) as follower:
                await primed(follower, rest)
                articles = [new_article(rest) for _ in range(3)]
                await inbox.holds(3, *articles)
                await until(lambda: all(row.deliveries == 2 for row in inbox.rows()))
    finally:
        doubling.stop()
    assert inbox.of(*articles) == [("articles", "article-created-v1", a) for a in articles]


async def test_a_revoked_grant_requires_a_reconnect_until_reconnected(
    home: tuple[Database, SecretBox], sandbox: SandboxProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fortnox_feed, "RECHECK_SECONDS", 0.2)
    db, box = home
    demo = sandbox.credentials()
    app = {
        "client_id": demo["client_id"],
        "client_secret": demo["client_secret"],
        "rate_limit": False,
    }

    def granted() -> dict[str, Any]:
        grant = code_grant(sandbox.base_url)
        tokens = {key: grant[key] for key in ("refresh_token", "access_token")}
        return app | tokens | {"expires_at": time.time() + 3600}

    credentials = granted()
    connection_id = connect(db, box, sandbox, **credentials)
    revoked = httpx.post(
        f"{sandbox.base_url}/oauth-v1/revoke",
        data={"token": credentials["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(app["client_id"], app["client_secret"]),
    )
    assert revoked.json() == {"revoked": True}
    httpx.post(f"{sandbox.base_url}/_sandbox/expire-tokens").raise_for_status()

    def status() -> str:
        with db.session() as session:
            return session.get(Connection, connection_id).status

    async with Follower(db, box, connection_id) as follower:
        await until(lambda: status() == RECONNECT_REQUIRED)
        with db.session() as session:
            alert = session.scalar(select(Alert).where(Alert.connection_id == connection_id))
            assert alert.kind == RECONNECT_REQUIRED and "reconnect" in alert.message
        assert not follower.task.done()  # it waits for the reconnect
        connect(db, box, sandbox, **granted())  # the merchant consents again
        with api(sandbox.base_url) as rest:
            await primed(follower, rest)
    assert status() == "active"
