"""The Fortnox sandbox's WebSocket topics API (fact sheet §5.1), driven by the `websockets`
client: tenants, topics, live events from REST changes, per-topic offsets and replay."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.sandbox.test_fortnox import SECRET, TENANT, api, new_customer, service_token
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

OFFSET = re.compile(r"[0-9A-Za-z]{6}")
EVENT_KEYS = ["topic", "offset", "type", "tenantId", "entityId", "timestamp"]


sandbox = sandbox_fixture("fortnox")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def socket_url(sandbox: SandboxProcess) -> str:
    return sandbox.base_url.replace("http://", "ws://") + "/topics-v1"


def command(socket: ClientConnection, name: str, **fields: Any) -> dict[str, Any]:
    socket.send(json.dumps({"command": name} | fields))
    reply = json.loads(socket.recv(timeout=5))
    assert reply["response"] == name, reply
    return reply


@contextmanager
def subscribe(sandbox: SandboxProcess, topics: list[dict[str, str]]) -> Iterator[ClientConnection]:
    """A connection subscribed to `topics` for the demo tenant."""
    token = service_token(sandbox.base_url)
    with connect(socket_url(sandbox)) as socket:
        added = command(socket, "add-tenants-v1", clientSecret=SECRET, accessTokens=[token])
        assert added["result"] == "ok" and added["tenantIds"] == {token: int(TENANT)}
        assert command(socket, "add-topics-v1", topics=topics)["invalidTopics"] == []
        assert command(socket, "subscribe-v1")["result"] == "ok"
        yield socket


def events(socket: ClientConnection, count: int) -> list[dict[str, Any]]:
    received = [json.loads(socket.recv(timeout=5)) for _ in range(count)]
    for event in received:
        assert list(event) == EVENT_KEYS and OFFSET.fullmatch(event["offset"]), event
    return received


def by_topic(received: list[dict[str, Any]], topic: str) -> list[tuple[str, str]]:
    return [(event["type"], event["entityId"]) for event in received if event["topic"] == topic]


def test_commands_and_their_replies(sandbox: SandboxProcess) -> None:
    token = service_token(sandbox.base_url)
    with connect(socket_url(sandbox)) as socket:
        wrong = command(socket, "add-tenants-v1", clientSecret="nope", accessTokens=[token])
        assert wrong["result"] == "error"
        added = command(
            socket, "add-tenants-v1", clientSecret=SECRET, accessTokens=[token, "not-a-token"]
        )
        assert added == {
            "response": "add-tenants-v1",
            "result": "ok",
            "tenantIds": {token: int(TENANT)},
            "invalidTokens": ["not-a-token"],
        }
        assert command(socket, "list-tenants-v1")["tenantIds"] == [int(TENANT)]
        topics = [
            {"topic": "customers"},
            {"topic": "nonsense"},
            {"topic": "orders", "offset": "not an offset"},
        ]
        assert command(socket, "add-topics-v1", topics=topics)["invalidTopics"] == [
            "nonsense",
            "orders",
        ]
        removed = command(socket, "remove-tenants-v1", tenants=[int(TENANT)])
        assert removed["result"] == "ok"
        assert command(socket, "list-tenants-v1")["tenantIds"] == []
        assert command(socket, "subscribe-v1")["result"] == "error"  # no tenant left
        socket.send("{not json")
        assert json.loads(socket.recv(timeout=5))["result"] == "error"


def test_rest_changes_arrive_as_events_in_offset_order(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    before = new_customer(client)["CustomerNumber"]  # happens before subscribing: not sent
    topics = ["customers", "orders", "invoices", "articles", "warehouse-stockbalances"]
    with subscribe(sandbox, [{"topic": name} for name in topics]) as socket:
        customer = new_customer(client)["CustomerNumber"]
        client.put(f"/3/customers/{customer}", json={"Customer": {"City": "Lund"}})
        order = client.post("/3/orders", json={"Order": {"CustomerNumber": customer}}).json()
        number = order["Order"]["DocumentNumber"]
        invoice = client.put(f"/3/orders/{number}/createinvoice").json()["Invoice"]
        invoice_number = invoice["DocumentNumber"]
        client.put(f"/3/invoices/{invoice_number}/bookkeep")
        payment = client.post(
            "/3/invoicepayments",
            json={"InvoicePayment": {"InvoiceNumber": int(invoice_number), "Amount": 0}},
        ).json()["InvoicePayment"]
        client.put(f"/3/invoicepayments/{payment['Number']}/bookkeep")
        client.post(
            "/3/articles",
            json={
                "Article": {
                    "ArticleNumber": f"WS-{customer}",
                    "Description": "Ny",
                    "QuantityInStock": 2,
                }
            },
        )
        received = events(socket, 10)
    assert before not in {event["entityId"] for event in received}
    assert by_topic(received, "customers") == [
        ("customer-created-v1", customer),
        ("customer-updated-v2", customer),
    ]
    assert by_topic(received, "orders") == [
        ("order-created-v1", number),
        ("order-updated-v1", number),
    ]
    assert by_topic(received, "invoices") == [
        ("invoice-created-v1", invoice_number),
        ("invoice-bookkeep-v1", invoice_number),
        ("invoice-updated-v1", invoice_number),  # the payment settles the invoice
        ("invoicepayment-bookkeep-v1", payment["Number"]),
    ]
    assert by_topic(received, "articles") == [("article-created-v1", f"WS-{customer}")]
    assert by_topic(received, "warehouse-stockbalances") == [
        ("warehouse-stockbalance-changed-v1", f"WS-{customer}")
    ]
    for topic in topics:
        offsets = [event["offset"] for event in received if event["topic"] == topic]
        assert offsets == sorted(set(offsets))
    assert all(event["tenantId"] == int(TENANT) for event in received)


def test_replay_from_an_offset(sandbox: SandboxProcess, client: httpx.Client) -> None:
    with subscribe(sandbox, [{"topic": "customers"}]) as socket:
        first = new_customer(client)["CustomerNumber"]
        second = new_customer(client)["CustomerNumber"]
        live = events(socket, 2)
    assert [event["entityId"] for event in live] == [first, second]
    # Resuming from an offset starts with that event (a Kafka seek), then goes on live.
    with subscribe(sandbox, [{"topic": "customers", "offset": live[0]["offset"]}]) as socket:
        replayed = events(socket, 2)
        assert replayed == live
        third = new_customer(client)["CustomerNumber"]
        assert [event["entityId"] for event in events(socket, 1)] == [third]


def test_events_survive_a_restart_and_can_be_delivered_twice(tmp_path: Path) -> None:
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit")
    try:
        with api(process.base_url) as client, subscribe(process, [{"topic": "customers"}]) as ws:
            customer = new_customer(client)["CustomerNumber"]
            (event,) = events(ws, 1)
    finally:
        process.stop()
    duplicates = {"BRYGGA_SANDBOX_FORTNOX_WS_DUPLICATES": "1"}
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit", env=duplicates)
    try:
        topics = [{"topic": "customers", "offset": event["offset"]}]
        with subscribe(process, topics) as socket:
            assert events(socket, 2) == [event, event]  # at-least-once: delivered twice
        assert event["entityId"] == customer
    finally:
        process.stop()
