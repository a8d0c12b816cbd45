"""The Centra sandbox's stores and currencies (fact sheet §1, §4.7) over loopback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.test_centra import graphql
from tests.support.processes import SandboxProcess, start_sandbox

SETUP = """
query Setup($page: Int!) {
  stores(limit: 10, page: $page) { id name type }
  base: currencies(where: { isBase: true }) { code }
  others: currencies(where: { isBase: false }) { code }
  all: currencies { id code name }
}
"""


@pytest.fixture(scope="module")
def centra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox("centra", tmp_path_factory.mktemp("centra"), "--no-rate-limit")
    yield sandbox
    sandbox.stop()


def token(sandbox: SandboxProcess, permissions: list[str]) -> str:
    created = httpx.post(f"{sandbox.base_url}/_sandbox/tokens", json={"permissions": permissions})
    created.raise_for_status()
    return created.json()["token"]


def test_stores_and_currencies(centra: SandboxProcess) -> None:
    status, body = graphql(centra, SETUP, {"page": 1})
    assert status == 200 and "errors" not in body
    data = body["data"]
    assert data["stores"] == [{"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"}]
    assert data["base"] == [{"code": "SEK"}]
    assert [c["code"] for c in data["others"]] == ["EUR", "NOK", "DKK", "USD"]
    assert data["all"][:2] == [
        {"id": 1, "code": "SEK", "name": "Swedish Krona"},
        {"id": 2, "code": "EUR", "name": "Euro"},
    ]
    assert graphql(centra, SETUP, {"page": 2})[1]["data"]["stores"] == []
    assert "Store:read" in body["extensions"]["permissionsUsed"]


def test_stores_need_store_read_and_currencies_no_permission(centra: SandboxProcess) -> None:
    without = token(centra, ["Warehouse:read"])
    status, body = graphql(centra, SETUP, {"page": 1}, token=without)
    assert status == 200 and body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == "You need Store:read permission to access stores."
    assert error["extensions"]["category"] == "authorization"
    status, body = graphql(centra, "{ currencies { code } }", token=without)
    assert status == 200 and len(body["data"]["currencies"]) == 5
