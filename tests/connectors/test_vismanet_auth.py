"""Visma.net interactive connections (fact sheet §1.2): the one-time refresh token is stored
before the new access token is used, one refresh at a time, `invalid_grant` as a reconnect;
service credentials renew after a 401 as before."""

import asyncio
import time

import httpx
import pytest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.client import VismanetClient
from tests.connectors.test_fortnox_auth import Journal
from tests.sandbox.test_vismanet_connect import code_grant, refresh
from tests.support.processes import SandboxProcess, sandbox_fixture

sandbox = sandbox_fixture("vismanet")


def connect(sandbox: SandboxProcess, journal: Journal, **credentials: object) -> VismanetClient:
    demo = sandbox.credentials()
    base = {"client_id": demo["client_id"], "client_secret": demo["client_secret"],
            "rate_limit": False}  # fmt: skip
    client = VismanetClient(sandbox.base_url, base | credentials, on_credentials=journal.store)
    client.observe(journal.sent)
    return client


def revoke_access_tokens(sandbox: SandboxProcess) -> None:
    httpx.post(f"{sandbox.base_url}/_sandbox/revoke-tokens").raise_for_status()


async def test_the_rotated_refresh_token_is_stored_before_the_new_access_token_is_used(
    sandbox: SandboxProcess,
) -> None:
    grant = code_grant(sandbox.base_url)
    journal = Journal()
    client = connect(sandbox, journal, refresh_token=grant["refresh_token"])
    try:
        await client.get("/v1/customer", pageSize=10)
        await client.v3_get("/api/v3/SalesOrders")
    finally:
        await client.aclose()
    [stored] = journal.stored
    assert stored["refresh_token"] != grant["refresh_token"]
    assert stored["expires_at"] > time.time() + 3000
    assert "tenant_id" not in stored
    token = stored["access_token"]
    assert journal.events == [("stored", token), ("sent", token), ("sent", token)]
    # The stored refresh token is the live one; the old one was spent by the rotation.
    assert refresh(sandbox.base_url, stored["refresh_token"]).status_code == 200


async def test_a_stored_access_token_is_used_until_it_expires(sandbox: SandboxProcess) -> None:
    grant = code_grant(sandbox.base_url)
    journal = Journal()
    client = connect(
        sandbox,
        journal,
        refresh_token=grant["refresh_token"],
        access_token=grant["access_token"],
        expires_at=time.time() + 3600,
    )
    try:
        await client.get("/v1/customer", pageSize=10)
    finally:
        await client.aclose()
    assert journal.stored == [] and journal.events == [("sent", grant["access_token"])]


async def test_concurrent_401s_refresh_once(sandbox: SandboxProcess) -> None:
    grant = code_grant(sandbox.base_url)
    journal = Journal()
    client = connect(
        sandbox,
        journal,
        refresh_token=grant["refresh_token"],
        access_token=grant["access_token"],
        expires_at=time.time() + 3600,
    )
    revoke_access_tokens(sandbox)  # every request with the current token now gets a 401
    try:
        await asyncio.gather(*(client.get("/v1/customer", pageSize=10) for _ in range(5)))
        assert client.http.stats.requests == 10  # five 401s, five retries
    finally:
        await client.aclose()
    [stored] = journal.stored  # one refresh: a second one with the same token ends the grant
    sent = [token for kind, token in journal.events if kind == "sent"]
    assert sent == [grant["access_token"]] * 5 + [stored["access_token"]] * 5
    assert refresh(sandbox.base_url, stored["refresh_token"]).status_code == 200


async def test_invalid_grant_asks_for_a_reconnect_and_is_never_retried(
    sandbox: SandboxProcess,
) -> None:
    grant = code_grant(sandbox.base_url)
    assert refresh(sandbox.base_url, grant["refresh_token"]).status_code == 200  # spent elsewhere
    journal = Journal()
    client = connect(sandbox, journal, refresh_token=grant["refresh_token"])
    try:
        for _ in range(2):
            with pytest.raises(ConnectorError) as raised:
                await client.get("/v1/customer")
            assert raised.value.error_class is ErrorClass.AUTH
            assert raised.value.code == "invalid_grant" and "reconnect" in raised.value.message
        stats = client.http.stats
        assert stats.retries == 0 and stats.requests == 0 and stats.refused is raised.value
    finally:
        await client.aclose()
    assert journal.stored == []


async def test_service_credentials_renew_after_a_401(sandbox: SandboxProcess) -> None:
    client = VismanetClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
    try:
        await client.get("/v1/customer", pageSize=10)
        revoke_access_tokens(sandbox)
        await asyncio.gather(client.get("/v1/customer"), client.v3_get("/api/v3/SalesOrders"))
        assert client.http.stats.requests == 5
    finally:
        await client.aclose()


def test_an_interactive_connection_needs_client_credentials() -> None:
    with pytest.raises(ValueError, match="client_secret"):
        VismanetClient("http://localhost", {"client_id": "x", "refresh_token": "y"})
    with pytest.raises(ValueError, match="tenant_id"):
        VismanetClient("http://localhost", {"client_id": "x", "client_secret": "y"})
