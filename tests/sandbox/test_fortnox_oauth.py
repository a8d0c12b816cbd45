"""OAuth on the Fortnox sandbox (fact sheet §1.1): the consent page, the authorization-code flow
driven by authlib's OAuth2 client, single-use rotating refresh tokens, revocation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from tests.sandbox.test_fortnox import CLIENT, SECRET, basic, error
from tests.support.consent import ConsentForm, consent
from tests.support.processes import SandboxProcess, sandbox_fixture

REDIRECT = "http://localhost:9999/callback"
# The recorded live answer to a spent refresh token (accodeing/fortnox-api,
# `authentication/invalid_refresh_token.yml`): HTTP 400 and exactly this body.
INVALID_REFRESH = {"error": "invalid_grant", "error_description": "Invalid refresh token"}


sandbox = sandbox_fixture("fortnox")


def authorize_params(**changes: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT,
        "response_type": "code",
        "state": "s-1",
        "scope": "customer order",
        "redirect_uri": REDIRECT,
        "access_type": "offline",
    }
    return params | changes


def code_grant(base_url: str) -> dict[str, Any]:
    """A token response from a fresh consent, without authlib."""
    location = consent(base_url, httpx.URL(f"{base_url}/oauth-v1/auth", params=authorize_params()))
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return httpx.post(f"{base_url}/oauth-v1/token", data=form, headers=basic()).json()


def test_authlib_completes_the_code_flow_then_refresh_tokens_rotate(
    sandbox: SandboxProcess,
) -> None:
    base, token_url = sandbox.base_url, f"{sandbox.base_url}/oauth-v1/token"
    with OAuth2Client(
        CLIENT, SECRET, scope="customer order", redirect_uri=REDIRECT,
        token_endpoint_auth_method="client_secret_basic",
    ) as client:  # fmt: skip
        url, state = client.create_authorization_url(f"{base}/oauth-v1/auth", access_type="offline")
        callback = consent(base, url)
        assert callback.startswith(REDIRECT)
        token = client.fetch_token(token_url, authorization_response=callback, state=state)
        assert token["scope"] == "customer order" and token["token_type"] == "bearer"
        assert token["expires_in"] == 3600 and token["refresh_token"]
        assert client.get(f"{base}/3/customers").status_code == 200
        outside_scope = client.get(f"{base}/3/articles")
        assert outside_scope.status_code == 403 and error(outside_scope)["code"] == 2000663

        first = token["refresh_token"]
        second = client.refresh_token(token_url, refresh_token=first)
        assert second["refresh_token"] != first and second["access_token"] != token["access_token"]
        assert client.get(f"{base}/3/orders").status_code == 200  # the new access token is used

        # The rotated-out token is dead; using it again ends the grant (§1.1).
        with pytest.raises(OAuthError) as reused:
            client.refresh_token(token_url, refresh_token=first)
        assert (reused.value.error, reused.value.description) == tuple(INVALID_REFRESH.values())
        raw = httpx.post(token_url, data={"grant_type": "refresh_token", "refresh_token": first},
                         headers=basic())  # fmt: skip
        assert raw.status_code == 400 and raw.json() == INVALID_REFRESH
        with pytest.raises(OAuthError) as newest:
            client.refresh_token(token_url, refresh_token=second["refresh_token"])
        assert newest.value.error == "invalid_grant"


def test_an_authorization_code_is_single_use(sandbox: SandboxProcess) -> None:
    location = consent(
        sandbox.base_url, httpx.URL(f"{sandbox.base_url}/oauth-v1/auth", params=authorize_params())
    )
    callback = parse_qs(urlsplit(location).query)
    assert callback["state"] == ["s-1"]
    form = {"grant_type": "authorization_code", "code": callback["code"][0],
            "redirect_uri": REDIRECT}  # fmt: skip
    url = f"{sandbox.base_url}/oauth-v1/token"
    assert httpx.post(url, data=form, headers=basic()).status_code == 200
    again = httpx.post(url, data=form, headers=basic())
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_consent_can_be_denied_and_is_not_replayable(sandbox: SandboxProcess) -> None:
    url = httpx.URL(f"{sandbox.base_url}/oauth-v1/auth", params=authorize_params(state="s-2"))
    denied = parse_qs(urlsplit(consent(sandbox.base_url, url, "deny")).query)
    assert denied == {"error": ["access_denied"], "state": ["s-2"]}

    form = ConsentForm()
    form.feed(httpx.get(url).text)
    target = urljoin(sandbox.base_url, form.action)
    assert httpx.post(target, data=form.fields | {"decision": "approve"}).status_code == 302
    replay = httpx.post(target, data=form.fields | {"decision": "approve"})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_request"


def test_bad_authorization_requests(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.base_url}/oauth-v1/auth"
    wrong_scope = httpx.get(url, params=authorize_params(scope="customer salary"))
    assert wrong_scope.status_code == 302
    assert parse_qs(urlsplit(wrong_scope.headers["location"]).query)["error"] == ["invalid_scope"]
    unknown_client = httpx.get(url, params=authorize_params(client_id="someone-else"))
    assert unknown_client.status_code == 401 and unknown_client.json()["error"] == "invalid_client"
    no_redirect = httpx.get(url, params=authorize_params(redirect_uri=""))
    assert no_redirect.status_code == 400 and no_redirect.json()["error"] == "invalid_request"


def test_revoking_a_refresh_token_ends_the_grant(sandbox: SandboxProcess) -> None:
    granted = code_grant(sandbox.base_url)
    revoke = f"{sandbox.base_url}/oauth-v1/revoke"
    form = {"token": granted["refresh_token"], "token_type_hint": "refresh_token"}
    assert httpx.post(revoke, data=form, headers=basic()).json() == {"revoked": True}
    refresh = {"grant_type": "refresh_token", "refresh_token": granted["refresh_token"]}
    answer = httpx.post(f"{sandbox.base_url}/oauth-v1/token", data=refresh, headers=basic())
    assert answer.status_code == 400 and answer.json() == INVALID_REFRESH
    unknown = httpx.post(revoke, data={"token": "nope"}, headers=basic())
    assert unknown.status_code == 200 and unknown.json() == {"revoked": False}
    stranger = httpx.post(revoke, data=form, headers=basic(secret="wrong"))
    assert stranger.status_code == 401 and stranger.json()["error"] == "invalid_client"
