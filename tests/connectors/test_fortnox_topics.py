"""The Fortnox topics client against a real Fortnox sandbox process over loopback: events of
REST changes, resuming from offsets, reconnecting after the server went away, renewed and
refused tokens."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tenacity import wait_fixed

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.topics import (
    FOLLOWED_TOPICS,
    LIVE_URL,
    AccessSource,
    Event,
    TenantAccess,
    TopicsClient,
    topics_url,
)
from tests.sandbox.test_fortnox import TENANT, api
from tests.sandbox.test_fortnox_oauth import code_grant
from tests.support.processes import (
    SandboxProcess,
    free_port,
    sandbox_fixture,
    start_sandbox,
)

EVENT_KEYS = ["topic", "offset", "type", "tenantId", "entityId", "timestamp"]

sandbox = sandbox_fixture("fortnox")


@pytest.fixture
def rest(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    """The sandbox's REST API with a token of its own (some tests expire every token)."""
    with api(sandbox.base_url) as client:
        yield client


@asynccontextmanager
async def sandbox_access(sandbox: SandboxProcess, **changes: Any) -> AsyncIterator[AccessSource]:
    """The access of a connection to the sandbox (its service account unless `changes` say
    otherwise), its token machinery kept across sessions as a connection's client keeps it."""
    credentials = sandbox.credentials() | {"rate_limit": False} | changes
    client = FortnoxClient(sandbox.base_url, credentials)

    @asynccontextmanager
    async def access() -> AsyncIterator[TenantAccess]:
        yield TenantAccess(credentials["client_secret"], client.http.auth)

    try:
        yield access
    finally:
        await client.aclose()


class Feed:
    """A topics client read by a task into a queue, subscribed when entered."""

    def __init__(self, client: TopicsClient) -> None:
        self.client = client
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    async def __aenter__(self) -> Feed:
        self.task = asyncio.create_task(self._read())
        subscribed = asyncio.create_task(self.client.connected.wait())
        await asyncio.wait((self.task, subscribed), timeout=10, return_when="FIRST_COMPLETED")
        subscribed.cancel()
        if self.task.done():
            self.task.result()  # raises what ended it
        assert self.client.connected.is_set(), "not subscribed within 10 s"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def _read(self) -> None:
        async for event in self.client.events():
            await self.queue.put(event)

    async def take(self, count: int) -> list[Event]:
        return [await asyncio.wait_for(self.queue.get(), 10) for _ in range(count)]


def follow(sandbox: SandboxProcess, access: AccessSource, **options: Any) -> Feed:
    return Feed(TopicsClient(topics_url(sandbox.base_url), access, **options))


def new_article(rest: httpx.Client, **fields: Any) -> str:
    body = {"Description": "Ny artikel"} | fields
    response = rest.post("/3/articles", json={"Article": body})
    assert response.status_code == 201, response.text
    return response.json()["Article"]["ArticleNumber"]


def rename(rest: httpx.Client, number: str) -> None:
    response = rest.put(f"/3/articles/{number}", json={"Article": {"Description": "Nytt namn"}})
    assert response.status_code == 200, response.text


def kinds(events: list[Event]) -> list[tuple[str, str, str]]:
    return [(event["topic"], event["type"], event["entityId"]) for event in events]


def test_the_topics_url_follows_the_base_url() -> None:
    assert topics_url("https://api.fortnox.se") == LIVE_URL
    assert topics_url("http://127.0.0.1:8081") == "ws://127.0.0.1:8081/topics-v1"
    assert topics_url("https://fortnox.example/sandbox/") == (
        "wss://fortnox.example/sandbox/topics-v1"
    )


async def test_changes_to_followed_topics_arrive_as_events(
    sandbox: SandboxProcess, rest: httpx.Client
) -> None:
    async with sandbox_access(sandbox) as access, follow(sandbox, access) as feed:
        # Customers and orders are not followed: nothing reads them from Fortnox.
        customer = rest.post("/3/customers", json={"Customer": {"Name": "Kund AB"}}).json()
        number = customer["Customer"]["CustomerNumber"]
        order = rest.post("/3/orders", json={"Order": {"CustomerNumber": number}}).json()
        invoice = rest.put(f"/3/orders/{order['Order']['DocumentNumber']}/createinvoice").json()
        article = new_article(rest, QuantityInStock=3)
        received = await feed.take(3)
    assert kinds(received) == [
        ("invoices", "invoice-created-v1", invoice["Invoice"]["DocumentNumber"]),
        ("articles", "article-created-v1", article),
        ("warehouse-stockbalances", "warehouse-stockbalance-changed-v1", article),
    ]
    for event in received:
        assert list(event) == EVENT_KEYS and event["tenantId"] == int(TENANT)
    assert feed.client.offsets == {event["topic"]: event["offset"] for event in received}
    assert set(feed.client.offsets) <= set(FOLLOWED_TOPICS)


async def test_a_new_client_resumes_from_the_offsets_taken(
    sandbox: SandboxProcess, rest: httpx.Client
) -> None:
    async with sandbox_access(sandbox) as access:
        async with follow(sandbox, access) as feed:
            article = new_article(rest)
            (created,) = await feed.take(1)
        rename(rest, article)  # while nobody follows
        other = new_article(rest)
        async with follow(sandbox, access, offsets=feed.client.offsets) as resumed:
            received = await resumed.take(3)
    # At least once: the event of the offset resumed from comes again, then what was missed.
    assert received[0] == created
    assert kinds(received[1:]) == [
        ("articles", "article-updated-v1", article),
        ("articles", "article-created-v1", other),
    ]


async def test_it_reconnects_when_the_server_comes_back(tmp_path: Path) -> None:
    port = free_port()
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit", port=port)
    try:
        async with (
            sandbox_access(process) as access,
            follow(process, access, backoff=wait_fixed(0.2)) as feed,
        ):
            with api(process.base_url) as rest:
                first = new_article(rest)
            (created,) = await feed.take(1)
            process.stop()
            await until(lambda: not feed.client.connected.is_set())
            process = start_sandbox("fortnox", tmp_path, "--no-rate-limit", port=port)
            await asyncio.wait_for(feed.client.connected.wait(), 10)
            with api(process.base_url) as rest:
                rename(rest, first)
            received = await feed.take(2)
    finally:
        process.stop()
    assert received[0] == created  # resumed from its offset
    assert kinds(received[1:]) == [("articles", "article-updated-v1", first)]


async def test_an_expired_access_token_is_renewed(sandbox: SandboxProcess) -> None:
    async with sandbox_access(sandbox) as access:
        async with follow(sandbox, access):
            pass  # the connection's token is now in use
        httpx.post(f"{sandbox.base_url}/_sandbox/expire-tokens").raise_for_status()
        async with follow(sandbox, access) as feed:
            with api(sandbox.base_url) as fresh:
                article = new_article(fresh)
            assert kinds(await feed.take(1)) == [("articles", "article-created-v1", article)]


async def test_a_revoked_grant_asks_for_a_reconnect(sandbox: SandboxProcess) -> None:
    grant = code_grant(sandbox.base_url)
    demo = sandbox.credentials()
    revoked = httpx.post(
        f"{sandbox.base_url}/oauth-v1/revoke",
        data={"token": grant["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(demo["client_id"], demo["client_secret"]),
    )
    assert revoked.json() == {"revoked": True}
    httpx.post(f"{sandbox.base_url}/_sandbox/expire-tokens").raise_for_status()
    held = {"refresh_token": grant["refresh_token"], "access_token": grant["access_token"],
            "expires_at": time.time() + 3600}  # fmt: skip
    async with sandbox_access(sandbox, **held) as access:
        with pytest.raises(ConnectorError) as raised:
            async with follow(sandbox, access):
                pass
    assert raised.value.error_class is ErrorClass.AUTH
    assert raised.value.code == "invalid_grant" and "reconnect" in raised.value.message


async def test_a_wrong_client_secret_is_refused(sandbox: SandboxProcess) -> None:
    async with sandbox_access(sandbox) as access:

        @asynccontextmanager
        async def wrong_secret() -> AsyncIterator[TenantAccess]:
            async with access() as right:
                yield TenantAccess("not-the-secret", right.auth)

        with pytest.raises(ConnectorError) as raised:
            async with follow(sandbox, wrong_secret):
                pass
    assert raised.value.error_class is ErrorClass.AUTH
    assert "client secret" in raised.value.message


async def test_an_offset_no_longer_kept_starts_that_topic_from_now(
    sandbox: SandboxProcess, rest: httpx.Client
) -> None:
    async with (
        sandbox_access(sandbox) as access,
        follow(sandbox, access, offsets={"articles": "gone!!"}) as feed,
    ):
        assert "articles" not in feed.client.offsets
        article = new_article(rest)
        assert kinds(await feed.take(1)) == [("articles", "article-created-v1", article)]


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
