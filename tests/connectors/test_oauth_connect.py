"""The connect step for systems connected by consent (Fortnox, Visma.net): the consent URL,
the sandbox's consent page pressed like a browser, the code redeemed into credentials that the
system's client takes, rotated refresh tokens handed to `on_credentials`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.oauth import ConsentApp
from tests.support.consent import consent
from tests.support.processes import SandboxProcess, sandbox_fixture

REDIRECT = "http://localhost:8000/connections/callback"
SYSTEMS = {
    # system: (consent page path, a list to read, the sandbox control that expires tokens)
    "fortnox": ("/oauth-v1/auth", "/3/customers", "/_sandbox/expire-tokens"),
    "vismanet": ("/connect/authorize", "/v1/customer", "/_sandbox/revoke-tokens"),
}

TOKENS = ("refresh_token", "access_token", "expires_at")

fortnox = sandbox_fixture("fortnox")
vismanet = sandbox_fixture("vismanet")


def app_for(system: str) -> ConsentApp:
    found = registry.consent_app(system)
    assert found is not None
    return found


def callback(location: str) -> dict[str, str]:
    assert location.startswith(f"{REDIRECT}?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@pytest.mark.parametrize("system", SYSTEMS)
async def test_consent_redeem_and_read_with_the_client(
    system: str, request: pytest.FixtureRequest
) -> None:
    sandbox: SandboxProcess = request.getfixturevalue(system)
    page, listing, expire = SYSTEMS[system]
    demo, app = sandbox.credentials(), app_for(system)
    url = app.authorize_url(sandbox.base_url, demo["client_id"], REDIRECT, "state-1")
    assert url.startswith(f"{sandbox.base_url}{page}?")

    back = callback(consent(sandbox.base_url, url))
    assert back["state"] == "state-1"
    credentials = await app.redeem(
        sandbox.base_url, demo["client_id"], demo["client_secret"], back["code"], REDIRECT
    )
    assert set(credentials) == {"client_id", "client_secret", *TOKENS}

    stored: list[dict[str, Any]] = []
    settings = credentials | {"rate_limit": False}
    client = registry.open_client(system, sandbox.base_url, settings, stored.append)
    try:
        assert await client.get(listing)
        assert stored == []  # the redeemed access token is still fresh
        httpx.post(f"{sandbox.base_url}{expire}").raise_for_status()
        assert await client.get(listing)
    finally:
        await client.aclose()
    [renewed] = stored
    assert renewed["refresh_token"] not in ("", credentials["refresh_token"])
    assert renewed["access_token"] != credentials["access_token"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_denied_consent_comes_back_with_the_state(
    system: str, request: pytest.FixtureRequest
) -> None:
    sandbox: SandboxProcess = request.getfixturevalue(system)
    url = app_for(system).authorize_url(
        sandbox.base_url, sandbox.credentials()["client_id"], REDIRECT, "state-2"
    )
    denied = callback(consent(sandbox.base_url, url, "deny"))
    assert denied == {"error": "access_denied", "state": "state-2"}


@pytest.mark.parametrize("system", SYSTEMS)
async def test_a_refused_code_is_an_auth_error_that_says_what_to_do(
    system: str, request: pytest.FixtureRequest
) -> None:
    sandbox: SandboxProcess = request.getfixturevalue(system)
    demo = sandbox.credentials()
    with pytest.raises(ConnectorError) as raised:
        await app_for(system).redeem(
            sandbox.base_url, demo["client_id"], demo["client_secret"], "no-such-code", REDIRECT
        )
    assert raised.value.error_class is ErrorClass.AUTH and raised.value.code == "invalid_grant"
    assert "connect again" in raised.value.message


def test_the_live_consent_pages() -> None:
    fortnox_url = app_for("fortnox").authorize_url(
        "https://api.fortnox.se", "client", REDIRECT, "s"
    )
    assert fortnox_url.startswith("https://apps.fortnox.se/oauth-v1/auth?")
    query = parse_qs(urlsplit(fortnox_url).query)
    assert query["access_type"] == ["offline"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == [REDIRECT] and query["state"] == ["s"]
    assert {"customer", "order", "invoice", "article"} <= set(query["scope"][0].split())

    visma_url = app_for("vismanet").authorize_url(
        "https://api.finance.visma.net", "client", REDIRECT, "s"
    )
    assert visma_url.startswith("https://connect.visma.com/connect/authorize?")
    scopes = set(parse_qs(urlsplit(visma_url).query)["scope"][0].split())
    assert {"offline_access", "vismanet_erp_interactive_api:read"} <= scopes
    assert not any(scope.startswith("vismanet_erp_service_api") for scope in scopes)


def test_systems_connected_with_keys_have_no_consent() -> None:
    assert registry.consent_app("centra") is None and registry.consent_app("magento") is None
