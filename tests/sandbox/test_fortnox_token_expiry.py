"""`POST /_sandbox/expire-tokens` of the Fortnox sandbox: the "expired JWT → 401" fault (fact
sheet §7.9). Access tokens issued before it are refused; new tokens and refresh tokens work."""

from __future__ import annotations

import httpx

from tests.sandbox.test_fortnox import basic, service_token
from tests.sandbox.test_fortnox_oauth import code_grant
from tests.support.processes import SandboxProcess, sandbox_fixture

sandbox = sandbox_fixture("fortnox")


def customers(base_url: str, token: str) -> httpx.Response:
    return httpx.get(f"{base_url}/3/customers", headers={"Authorization": f"Bearer {token}"})


def test_expired_tokens_get_401_and_new_ones_work(sandbox: SandboxProcess) -> None:
    old = service_token(sandbox.base_url)
    grant = code_grant(sandbox.base_url)
    assert customers(sandbox.base_url, old).status_code == 200
    answer = httpx.post(f"{sandbox.base_url}/_sandbox/expire-tokens")
    assert answer.status_code == 200 and answer.json() == {"expired": True}
    refused = customers(sandbox.base_url, old)
    assert refused.status_code == 401 and refused.json()["ErrorInformation"]["code"]
    assert customers(sandbox.base_url, grant["access_token"]).status_code == 401
    assert customers(sandbox.base_url, service_token(sandbox.base_url)).status_code == 200
    form = {"grant_type": "refresh_token", "refresh_token": grant["refresh_token"]}
    renewed = httpx.post(f"{sandbox.base_url}/oauth-v1/token", data=form, headers=basic())
    assert renewed.status_code == 200
    assert customers(sandbox.base_url, renewed.json()["access_token"]).status_code == 200
