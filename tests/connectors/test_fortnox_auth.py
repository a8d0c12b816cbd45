"""Fortnox authorization-code connections: rotating refresh tokens stored before use, one
refresh at a time, `invalid_grant` as a reconnect; service accounts renew after a 401."""

import asyncio
import time

import httpx
import pytest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from tests.connectors.test_fortnox import SpecCheck
from tests.sandbox.test_fortnox_oauth import code_grant
from tests.support.processes import sandbox_fixture

sandbox = sandbox_fixture("fortnox")


class Journal:
    """The stored credentials and the requests sent, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.stored: list[dict] = []

    async def store(self, credentials: dict) -> None:
        await asyncio.sleep(0.05)  # a slow store: nothing may be sent meanwhile
        self.stored.append(credentials)
        self.events.append(("stored", credentials["access_token"]))

    def sent(self, request: httpx.Request) -> None:
        self.events.append(("sent", request.headers["authorization"].removeprefix("Bearer ")))


def connect(sandbox, journal: Journal, **credentials) -> tuple[FortnoxClient, SpecCheck]:
    demo = sandbox.credentials()
    base = {"client_id": demo["client_id"], "client_secret": demo["client_secret"],
            "rate_limit": False}  # fmt: skip
    client = FortnoxClient(sandbox.base_url, base | credentials, on_credentials=journal.store)
    check = SpecCheck()
    client.http.observe(check)
    client.http.observe(journal.sent)
    return client, check


def expire(sandbox) -> None:
    assert httpx.post(f"{sandbox.base_url}/_sandbox/expire-tokens").json() == {"expired": True}


def refresh(sandbox, refresh_token: str) -> httpx.Response:
    demo = sandbox.credentials()
    return httpx.post(
        f"{sandbox.base_url}/oauth-v1/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(demo["client_id"], demo["client_secret"]),
    )


async def test_the_rotated_refresh_token_is_stored_before_the_new_access_token_is_used(sandbox):
    grant = code_grant(sandbox.base_url)
    journal = Journal()
    client, check = connect(sandbox, journal, refresh_token=grant["refresh_token"])
    async with client.http:
        await client.get("/3/customers")
        await client.get("/3/orders")
    [stored] = journal.stored
    assert stored["refresh_token"] != grant["refresh_token"]
    assert stored["expires_at"] > time.time() + 3000
    assert stored["client_id"] and stored["access_token"]
    token = stored["access_token"]
    assert journal.events == [("stored", token), ("sent", token), ("sent", token)]
    check.validate()
    # The stored refresh token is the live one; the old one died with the rotation.
    assert refresh(sandbox, stored["refresh_token"]).status_code == 200
    assert refresh(sandbox, grant["refresh_token"]).status_code == 400


async def test_a_stored_access_token_is_used_until_it_expires(sandbox):
    grant = code_grant(sandbox.base_url)
    journal = Journal()
    client, _ = connect(
        sandbox,
        journal,
        refresh_token=grant["refresh_token"],
        access_token=grant["access_token"],
        expires_at=time.time() + 3600,
    )
    async with client.http:
        await client.get("/3/customers")
    assert journal.stored == [] and journal.events == [("sent", grant["access_token"])]


async def test_concurrent_401s_refresh_once(sandbox):
    grant = code_grant(sandbox.base_url)
    journal = Journal()
    client, check = connect(
        sandbox,
        journal,
        refresh_token=grant["refresh_token"],
        access_token=grant["access_token"],
        expires_at=time.time() + 3600,
    )
    expire(sandbox)  # every request with the current token now gets a 401
    async with client.http:
        await asyncio.gather(*(client.get("/3/customers") for _ in range(5)))
        assert client.http.stats.requests == 10  # five 401s, five retries
    [stored] = journal.stored  # one refresh: a second one with the same token ends the grant
    sent = [token for kind, token in journal.events if kind == "sent"]
    assert sent[:5] == [grant["access_token"]] * 5
    assert sent[5:] == [stored["access_token"]] * 5
    check.validate()
    assert refresh(sandbox, stored["refresh_token"]).status_code == 200  # the grant lives on


async def test_invalid_grant_asks_for_a_reconnect_and_is_never_retried(sandbox):
    grant = code_grant(sandbox.base_url)
    assert refresh(sandbox, grant["refresh_token"]).status_code == 200  # spent elsewhere
    journal = Journal()
    client, _ = connect(sandbox, journal, refresh_token=grant["refresh_token"])
    async with client.http:
        for _ in range(2):
            with pytest.raises(ConnectorError) as raised:
                await client.get("/3/customers")
            assert raised.value.error_class is ErrorClass.AUTH
            assert raised.value.code == "invalid_grant" and "reconnect" in raised.value.message
        assert client.http.stats.retries == 0 and client.http.stats.requests == 0
    assert journal.stored == []


async def test_a_service_account_renews_its_token_after_a_401(sandbox):
    client = FortnoxClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
    async with client.http:
        await client.get("/3/customers")
        expire(sandbox)
        await asyncio.gather(client.get("/3/customers"), client.get("/3/orders"))
        assert client.http.stats.requests == 5


def test_a_code_grant_needs_client_credentials():
    with pytest.raises(ValueError, match="client_secret"):
        FortnoxClient("http://localhost", {"client_id": "x", "refresh_token": "y"})
