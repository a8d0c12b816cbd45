"""The shared HTTP client against a real server on loopback."""

import email.utils
import logging
import time
from collections import Counter
from decimal import Decimal

import pytest
from fastapi import FastAPI, Request, Response

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import classify as fortnox_classify
from brygga.connectors.http import HttpClient, retry_after_seconds
from brygga.sandbox.processes import free_port
from tests.support.servers import serving

calls: Counter[str] = Counter()


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/flaky")
    def flaky() -> Response:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            return Response(status_code=503)
        return Response('{"amount": 10.10}', media_type="application/json")

    @app.api_route("/throttled", methods=["GET", "POST"])
    def throttled() -> Response:
        calls["throttled"] += 1
        if calls["throttled"] == 1:
            return Response(status_code=429, headers={"Retry-After": "1"})
        return Response('{"ok": true}', status_code=201, media_type="application/json")

    @app.post("/broken")
    def broken() -> Response:
        calls["broken"] += 1
        return Response(status_code=500)

    @app.post("/graphql")
    def query() -> Response:  # a read sent as POST, like a GraphQL query
        calls["graphql"] += 1
        if calls["graphql"] < 3:
            return Response(status_code=502)
        return Response('{"data": {}}', media_type="application/json")

    @app.get("/private")
    def private(request: Request) -> Response:
        calls["private"] += 1
        if request.headers.get("authorization") != "Bearer fresh":
            return Response(status_code=401)
        return Response("{}", media_type="application/json")

    @app.post("/customers")
    def duplicate() -> Response:
        body = (
            '{"ErrorInformation":{"error":1,"message":"Kundnummer används redan","code":2000637}}'
        )
        return Response(body, status_code=400, media_type="application/json")

    return app


@pytest.fixture(scope="module")
def base_url():
    with serving(make_app()) as url:
        yield url


@pytest.fixture(autouse=True)
def reset_calls():
    calls.clear()


class Token:
    def __init__(self) -> None:
        self.value = "stale"
        self.refreshes = 0

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.value}"}

    async def refresh(self) -> None:
        self.refreshes += 1
        self.value = "fresh"


async def test_idempotent_requests_retry_server_errors_and_parse_decimals(base_url):
    async with HttpClient(base_url, max_wait=0.05) as client:
        body = await client.json("GET", "/flaky")
    assert body == {"amount": Decimal("10.10")}
    assert (calls["flaky"], client.stats.requests, client.stats.retries) == (3, 3, 2)


async def test_a_429_waits_for_retry_after_even_for_a_post(base_url):
    async with HttpClient(base_url) as client:
        started = time.monotonic()
        body = await client.json("POST", "/throttled", json={"price": Decimal("1.10")})
        elapsed = time.monotonic() - started
    assert body == {"ok": True}
    assert client.stats.throttled == 1 and calls["throttled"] == 2
    assert elapsed >= 0.9


async def test_a_failed_post_is_not_sent_twice(base_url):
    async with HttpClient(base_url, max_wait=0.05) as client:
        with pytest.raises(ConnectorError) as raised:
            await client.request("POST", "/broken")
    assert raised.value.error_class is ErrorClass.TRANSIENT and raised.value.status == 500
    assert calls["broken"] == 1


async def test_a_post_that_changes_nothing_is_retried_like_a_get(base_url):
    async with HttpClient(base_url, max_wait=0.05) as client:
        body = await client.json("POST", "/graphql", writes=False, json={"query": "{ a }"})
    assert body == {"data": {}}
    assert (calls["graphql"], client.stats.retries) == (3, 2)


async def test_a_refused_connection_is_retried_then_reported():
    async with HttpClient(f"http://127.0.0.1:{free_port()}", attempts=3, max_wait=0.01) as client:
        with pytest.raises(ConnectorError, match="could not reach") as raised:
            await client.request("POST", "/anything")
    assert raised.value.error_class is ErrorClass.TRANSIENT
    assert client.stats.requests == 3


async def test_a_401_refreshes_credentials_once(base_url):
    token = Token()
    async with HttpClient(base_url, auth=token) as client:
        await client.request("GET", "/private")
    assert token.refreshes == 1 and calls["private"] == 2


async def test_fortnox_error_codes_classify_beyond_the_status(base_url):
    async with HttpClient(base_url, classify=fortnox_classify) as client:
        with pytest.raises(ConnectorError) as raised:
            await client.request("POST", "/customers", json={})
    assert raised.value.error_class is ErrorClass.DUPLICATE
    assert raised.value.code == "2000637" and "Kundnummer används redan" in str(raised.value)


async def test_secrets_never_reach_the_log(base_url, caplog):
    caplog.set_level(logging.DEBUG, logger="brygga.http")
    async with HttpClient(base_url, secrets=["s3cr3t-value"], max_wait=0.01) as client:
        await client.request("GET", "/flaky", params={"token": "s3cr3t-value"})
    assert "/flaky?token=***" in caplog.text
    assert "s3cr3t-value" not in caplog.text


def test_retry_after_accepts_delta_date_and_epoch():
    now = 1_800_000_000.0
    assert retry_after_seconds("7", now) == 7
    assert retry_after_seconds(str(now + 12), now) == 12
    assert retry_after_seconds(email.utils.formatdate(now + 30, usegmt=True), now) == 30
    assert retry_after_seconds(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
