"""Visma Connect's interactive flow on the Visma.net sandbox (fact sheet §1.2): the consent page
with its company choice, authorization codes (single use, bound to the redirect URI, PKCE),
one-time refresh tokens, and interactive tokens on the ERP API."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from tests.sandbox.test_vismanet import CLIENT, SECRET, TENANT, message, wrap
from tests.support.consent import ConsentForm, consent
from tests.support.processes import SandboxProcess, sandbox_fixture

REDIRECT = "http://localhost:9999/callback"
SCOPE = (
    "vismanet_erp_interactive_api:read vismanet_erp_interactive_api:create"
    " visma.net.erp.salesorder:read offline_access"
)

sandbox = sandbox_fixture("vismanet")


def authorize_url(base_url: str, **changes: str) -> httpx.URL:
    params = {
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": SCOPE,
        "state": "s-1",
    }
    return httpx.URL(f"{base_url}/connect/authorize", params=params | changes)


def callback(location: str) -> dict[str, str]:
    assert location.startswith(f"{REDIRECT}?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def token(base_url: str, **form: str) -> httpx.Response:
    """A token request with the client's secret in the form (`client_secret_post`)."""
    auth = {"client_id": CLIENT, "client_secret": SECRET}
    return httpx.post(f"{base_url}/connect/token", data=auth | form)


def redeem(base_url: str, code: str, **form: str) -> httpx.Response:
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return token(base_url, **grant | form)


def refresh(base_url: str, refresh_token: str) -> httpx.Response:
    return token(base_url, grant_type="refresh_token", refresh_token=refresh_token)


def invalid_grant(response: httpx.Response) -> bool:
    return response.status_code == 400 and response.json() == {"error": "invalid_grant"}


def code_grant(base_url: str, **changes: str) -> dict[str, Any]:
    """A token response from a fresh consent for the company."""
    code = callback(consent(base_url, authorize_url(base_url, **changes)))["code"]
    answer = redeem(base_url, code)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_user_picks_the_company_approves_and_the_token_reads_customers(
    sandbox: SandboxProcess,
) -> None:
    page = httpx.get(authorize_url(sandbox.base_url))
    assert page.status_code == 200 and "Brygga Demo AB" in page.text
    form = ConsentForm()
    form.feed(page.text)
    assert form.fields["tenant_id"] == TENANT and form.decisions == ["approve", "deny"]
    approval = form.fields | {"decision": "approve"}
    answer = httpx.post(urljoin(sandbox.base_url, form.action), data=approval)
    assert answer.status_code == 302
    back = callback(answer.headers["location"])
    assert set(back) == {"code", "state"} and back["state"] == "s-1"

    granted = redeem(sandbox.base_url, back["code"])
    assert granted.status_code == 200 and granted.headers["cache-control"] == "no-store"
    body = granted.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == SCOPE and body["refresh_token"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tenant_id"] == TENANT and claims["client_id"] == CLIENT
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    with httpx.Client(base_url=sandbox.base_url, headers=bearer) as api:
        listed = api.get("/v1/customer", params={"pageSize": "10"})
        assert listed.status_code == 200 and listed.json()[0]["number"] == "10001"
        assert api.post("/v1/customer", json=wrap({"name": "Interaktiv AB"})).status_code == 201
        assert api.get("/api/v3/SalesOrders").status_code == 200
        refused = api.delete("/v1/customer/10001")  # no delete scope consented
        assert refused.status_code == 403
        assert "'vismanet_erp_interactive_api:delete'" in message(refused)


def test_a_denied_consent_returns_access_denied_with_the_state(sandbox: SandboxProcess) -> None:
    location = consent(sandbox.base_url, authorize_url(sandbox.base_url, state="s-2"), "deny")
    assert callback(location) == {"error": "access_denied", "state": "s-2"}


def test_a_consent_form_is_used_once(sandbox: SandboxProcess) -> None:
    form = ConsentForm()
    form.feed(httpx.get(authorize_url(sandbox.base_url)).text)
    target = urljoin(sandbox.base_url, form.action)
    elsewhere = httpx.post(target, data=form.fields | {"tenant_id": "x", "decision": "approve"})
    assert elsewhere.status_code == 400 and elsewhere.json() == {"error": "invalid_tenant"}
    assert httpx.post(target, data=form.fields | {"decision": "approve"}).status_code == 302
    replay = httpx.post(target, data=form.fields | {"decision": "approve"})
    assert replay.status_code == 400 and replay.json() == {"error": "invalid_request"}


def test_an_authorization_code_is_single_use(sandbox: SandboxProcess) -> None:
    code = callback(consent(sandbox.base_url, authorize_url(sandbox.base_url)))["code"]
    assert redeem(sandbox.base_url, code).status_code == 200
    assert invalid_grant(redeem(sandbox.base_url, code))


def test_a_code_is_bound_to_its_redirect_uri_and_spent_by_a_wrong_one(
    sandbox: SandboxProcess,
) -> None:
    code = callback(consent(sandbox.base_url, authorize_url(sandbox.base_url)))["code"]
    assert invalid_grant(redeem(sandbox.base_url, code, redirect_uri="http://localhost:1/other"))
    assert invalid_grant(redeem(sandbox.base_url, code))


def test_authlib_with_pkce_and_a_wrong_verifier(sandbox: SandboxProcess) -> None:
    base, token_url = sandbox.base_url, f"{sandbox.base_url}/connect/token"
    with OAuth2Client(
        CLIENT,
        SECRET,
        scope=SCOPE,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
    ) as client:
        verifier = generate_token(48)
        url, state = client.create_authorization_url(
            f"{base}/connect/authorize", code_verifier=verifier
        )
        assert "code_challenge=" in url
        wrong = callback(consent(base, url))["code"]
        assert invalid_grant(redeem(base, wrong, code_verifier=generate_token(48)))
        url, state = client.create_authorization_url(
            f"{base}/connect/authorize", code_verifier=verifier
        )
        location = consent(base, url)
        granted = client.fetch_token(
            token_url, authorization_response=location, state=state, code_verifier=verifier
        )
        assert granted["refresh_token"]
        assert client.get(f"{base}/v1/customer").status_code == 200
        renewed = client.refresh_token(token_url)
        assert renewed["refresh_token"] != granted["refresh_token"]
        assert client.get(f"{base}/v1/customer").status_code == 200
        with pytest.raises(OAuthError) as reused:
            client.refresh_token(token_url, refresh_token=granted["refresh_token"])
        assert reused.value.error == "invalid_grant"
    plain = httpx.get(authorize_url(base, code_challenge="abc", code_challenge_method="plain"))
    assert callback(plain.headers["location"]) == {"error": "invalid_request", "state": "s-1"}


def test_refresh_tokens_rotate_and_reusing_a_spent_one_ends_the_grant(
    sandbox: SandboxProcess,
) -> None:
    first = code_grant(sandbox.base_url)["refresh_token"]
    answer = refresh(sandbox.base_url, first)
    assert answer.status_code == 200
    renewed = answer.json()
    second = renewed["refresh_token"]
    assert second != first and renewed["scope"] == SCOPE
    claims = jwt.decode(renewed["access_token"], options={"verify_signature": False})
    assert claims["tenant_id"] == TENANT
    assert invalid_grant(refresh(sandbox.base_url, first))
    assert invalid_grant(refresh(sandbox.base_url, second))  # the grant ended with the reuse
    assert invalid_grant(refresh(sandbox.base_url, "not-a-token"))


def test_without_offline_access_there_is_no_refresh_token(sandbox: SandboxProcess) -> None:
    granted = code_grant(sandbox.base_url, scope="vismanet_erp_interactive_api:read")
    assert "refresh_token" not in granted and granted["access_token"]


def test_bad_authorization_requests(sandbox: SandboxProcess) -> None:
    base = sandbox.base_url
    stranger = httpx.get(authorize_url(base, client_id="someone-else"))
    assert stranger.status_code == 400 and stranger.json() == {"error": "unauthorized_client"}
    nowhere = httpx.get(authorize_url(base, redirect_uri=""))
    assert nowhere.status_code == 400 and nowhere.json() == {"error": "invalid_request"}
    implicit = httpx.get(authorize_url(base, response_type="token"))
    assert implicit.status_code == 302
    unsupported = {"error": "unsupported_response_type", "state": "s-1"}
    assert callback(implicit.headers["location"]) == unsupported
    service = httpx.get(authorize_url(base, scope="vismanet_erp_service_api:read", state=""))
    assert callback(service.headers["location"]) == {"error": "invalid_scope"}
    wrong_secret = token(base, grant_type="authorization_code", code="x", client_secret="no")
    assert wrong_secret.status_code == 400 and wrong_secret.json() == {"error": "invalid_client"}
