"""Fault injection and reset, which every sandbox gets from the host around it."""

import subprocess
import sys
import time

import httpx
import pytest

from brygga.connectors.fortnox.client import FortnoxClient
from tests.support.processes import start_sandbox


@pytest.fixture
def fortnox(tmp_path):
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit", "--fault", "error_rate=1")
    yield process
    process.stop()


def token_status(base_url: str) -> int:
    return httpx.post(
        f"{base_url}/oauth-v1/token", data={"grant_type": "client_credentials"}
    ).status_code


def set_faults(base_url: str, **faults) -> httpx.Response:
    return httpx.post(f"{base_url}/_sandbox/faults", json=faults)


def test_faults_from_the_command_line_and_at_run_time(fortnox):
    assert token_status(fortnox.base_url) == 500
    assert httpx.get(f"{fortnox.base_url}/_sandbox/health").status_code == 200  # never faulted
    assert set_faults(fortnox.base_url).json()["error_rate"] == 0
    assert token_status(fortnox.base_url) == 401  # the real answer: no client credentials

    storm = set_faults(fortnox.base_url, storm_seconds=30, retry_after=3).json()
    assert 29 < storm["storm_seconds"] <= 30
    response = httpx.get(f"{fortnox.base_url}/3/customers")
    assert (response.status_code, response.headers["retry-after"]) == (429, "3")

    set_faults(fortnox.base_url, latency_ms=300)
    started = time.monotonic()
    assert token_status(fortnox.base_url) == 401
    assert time.monotonic() - started >= 0.3

    set_faults(fortnox.base_url, drop_rate=1)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{fortnox.base_url}/3/customers")

    refused = set_faults(fortnox.base_url, error_rate=2, typo=1)
    assert refused.status_code == 422


async def test_brygga_retries_through_a_flaky_sandbox(fortnox):
    set_faults(fortnox.base_url, error_rate=0.4)
    client = FortnoxClient(fortnox.base_url, fortnox.credentials() | {"rate_limit": False})
    client.http.max_wait = 0.05
    try:
        for _ in range(5):
            body = await client.get("/3/customers")
            assert body["MetaInformation"]["@TotalResources"] >= 3
    finally:
        await client.aclose()
    assert client.http.stats.retries > 0


def test_reset_reseeds_from_scratch(fortnox):
    set_faults(fortnox.base_url)
    credentials = fortnox.credentials()
    token = httpx.post(
        f"{fortnox.base_url}/oauth-v1/token",
        data={"grant_type": "client_credentials"},
        headers={"TenantId": credentials["tenant_id"]},
        auth=(credentials["client_id"], credentials["client_secret"]),
    ).json()["access_token"]
    api = httpx.Client(base_url=fortnox.base_url, headers={"Authorization": f"Bearer {token}"})
    seeded = api.get("/3/customers").json()["MetaInformation"]["@TotalResources"]
    created = api.post("/3/customers", json={"Customer": {"Name": "Ny kund"}})
    assert created.status_code == 201
    assert api.get("/3/customers").json()["MetaInformation"]["@TotalResources"] == seeded + 1

    assert httpx.post(f"{fortnox.base_url}/_sandbox/reset").status_code == 200
    state = fortnox.state()
    assert len(state["customers"]) == seeded
    assert "Ny kund" not in {c["Name"] for c in state["customers"]}


def test_a_bad_fault_option_is_a_clear_usage_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "brygga", "sandbox", "serve", "fortnox", "--fault", "eror_rate=1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "eror_rate" in done.stderr


def test_reset_of_a_sandbox_with_background_work(tmp_path):
    centra = start_sandbox("centra", tmp_path, "--no-rate-limit", "--orders", "20")
    try:
        seeded = len(centra.state()["orders"])
        made = httpx.post(f"{centra.base_url}/_sandbox/simulate", json={"orders": 2}).json()
        assert len(made["orders"]) == 2 and len(centra.state()["orders"]) == seeded + 2
        for _ in range(2):  # twice: the first reset's new app must be resettable too
            assert httpx.post(f"{centra.base_url}/_sandbox/reset").status_code == 200
            assert len(centra.state()["orders"]) == seeded
        body = httpx.post(
            f"{centra.base_url}/graphql",
            json={"query": "{ orders(limit: 1) { number } }"},
            headers={"Authorization": "Bearer centra-demo-token"},
        ).json()
        assert body["data"]["orders"][0]["number"] == 1001
    finally:
        centra.stop()
