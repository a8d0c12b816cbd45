"""The Centra sandbox's change feeds: the events queue, signed webhooks and the simulation."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from brygga.sandbox import seed
from brygga.sandbox.centra.webhooks import signature
from tests.sandbox.test_centra import TOKEN, graphql
from tests.support.processes import SandboxProcess, start_sandbox
from tests.support.servers import serving

OTHER_TOKEN = "centra-demo-token-other-integration"
DEMO = seed.generate(42, 150)
# Confirmed orders nobody else in this module ships.
CONFIRMED = [o.number for o in DEMO.orders if o.status == "CONFIRMED" and not o.is_on_hold]
PAYLOAD = "userErrors { message path } userWarnings { message path }"
EVENTS = """query($where: EventFilter, $limit: Int) { events(where: $where, limit: $limit) {
  id objectType changeType objectReference store { id type }
  object { __typename ... on Order { number status } ... on Shipment { id } } } }"""


@pytest.fixture(scope="module")
def centra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox("centra", tmp_path_factory.mktemp("centra-events"), "--no-rate-limit")
    yield sandbox
    sandbox.stop()


def data(
    sandbox: SandboxProcess, query: str, variables: dict[str, Any] | None = None, token: str = TOKEN
) -> dict[str, Any]:
    status, body = graphql(sandbox, query, variables, token)
    assert status == 200 and "errors" not in body, body
    return body["data"]


def control(sandbox: SandboxProcess, route: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/{route}", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def events(sandbox: SandboxProcess, token: str = TOKEN, **variables: Any) -> list[dict[str, Any]]:
    return data(sandbox, EVENTS, variables, token)["events"]


def kinds(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(event["objectType"], event["changeType"]) for event in found]


def test_signature_reproduces_the_fact_sheet_test_vector() -> None:
    body = b"payload=%7B%22x%22%3A%22test%22%7D"
    expected = "0b9cd84f5d583e5e1aadfb9f160aa8080b51d5b85ff85808d6b75bdac356c549"
    assert signature("test123", 12345678, body) == f"t=12345678,v1={expected}"
    assert hmac.new(b"test123", b"12345678." + body, hashlib.sha256).hexdigest() == expected


def test_events_queue_per_integration_with_confirm_and_unset(centra: SandboxProcess) -> None:
    listen = f"""mutation($input: [EventListenerInput!]!) {{ setEventListeners(input: $input) {{
      eventListeners {{ objectType changeTypes }} {PAYLOAD} }} }}"""
    data(
        centra,
        listen,
        {
            "input": [
                {"objectType": "Order"},
                {"objectType": "Shipment", "changeTypes": ["CREATED"]},
            ]
        },
    )
    added = data(
        centra, listen, {"input": [{"objectType": "Shipment", "changeTypes": ["DELETED"]}]}
    )
    assert added["setEventListeners"]["eventListeners"][1] == {
        "objectType": "Shipment",
        "changeTypes": ["CREATED", "DELETED"],  # additive
    }
    data(
        centra,
        listen,
        {"input": [{"objectType": "Order", "changeTypes": ["CREATED"]}]},
        OTHER_TOKEN,
    )
    line_id = DEMO.orders[CONFIRMED[-1] - 1001].lines[0].id
    create = f"""mutation($number: Int!) {{ createShipment(input: {{order: {{number: $number}},
      lines: [{{orderLine: {{id: {line_id}}}, quantity: 1}}]}}) {{
      shipment {{ id }} {PAYLOAD} }} }}"""
    shipment = data(centra, create, {"number": CONFIRMED[-1]})["createShipment"]["shipment"]
    delete = f"mutation($id: Int!) {{ deleteShipment(id: $id) {{ {PAYLOAD} }} }}"
    assert data(centra, delete, {"id": shipment["id"]})["deleteShipment"]["userErrors"] == []
    queued = events(centra)
    assert kinds(queued) == [
        ("Shipment", "CREATED"),
        ("Order", "UPDATED"),
        ("Shipment", "DELETED"),
        ("Order", "UPDATED"),
    ]
    assert [e["id"] for e in queued] == sorted(e["id"] for e in queued)  # oldest first
    # `object` is the current state: the deleted shipment is gone, the order CONFIRMED again.
    assert [e["object"] for e in queued[::2]] == [None, None]
    assert queued[3]["object"] == {
        "__typename": "DirectToConsumerOrder",
        "number": CONFIRMED[-1],
        "status": "CONFIRMED",
    }
    assert queued[1]["objectReference"] == str(CONFIRMED[-1])
    assert queued[0]["store"] == {"id": 1, "type": "DIRECT_TO_CONSUMER"}
    assert events(centra, OTHER_TOKEN) == []  # its own queue, listening to CREATED orders only
    confirm = (
        f"mutation($ids: [Int!]!) {{ confirmEvents(input: {{eventsIds: $ids}}) {{ {PAYLOAD} }} }}"
    )
    first_two = [e["id"] for e in events(centra, limit=2)]
    warnings = data(centra, confirm, {"ids": [*first_two, 999_999]})["confirmEvents"][
        "userWarnings"
    ]
    assert [w["path"] for w in warnings] == [["input", "eventsIds", "2"]]
    assert [e["id"] for e in events(centra)] == [e["id"] for e in queued[2:]]
    numbers = control(centra, "simulate", {"orders": 2})["orders"]
    created = events(centra, OTHER_TOKEN)
    assert kinds(created) == [("Order", "CREATED")] * 2
    assert [e["object"]["number"] for e in created] == numbers
    unset = f"""mutation {{ unsetEventListeners(input: [{{objectType: Order}}]) {{
      eventListeners {{ objectType }} {PAYLOAD} }} }}"""
    assert data(centra, unset)["unsetEventListeners"]["eventListeners"] == []
    listeners = data(centra, "{ eventListeners { integrationName objectType changeTypes } }")
    assert listeners["eventListeners"] == [
        {
            "integrationName": "brygga-demo",
            "objectType": "Shipment",
            "changeTypes": ["CREATED", "DELETED"],
        }
    ]
    # Unsetting dropped the queued Order events; the Shipment one stays.
    assert kinds(events(centra)) == [("Shipment", "DELETED")]
    assert events(centra, where={"storeId": 2}) == []


class Receiver:
    """A webhook target that records each call and answers 500 to the first `failures`."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.failures = failures
        self.app = FastAPI()
        self.app.add_api_route("/hook", self.hook, methods=["POST"])

    async def hook(self, request: Request) -> Response:
        self.calls.append((dict(request.headers), await request.body()))
        return Response(status_code=500 if len(self.calls) <= self.failures else 200)

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.calls) >= count, self.calls
        return self.calls


def webhook_status(
    sandbox: SandboxProcess, done: Callable[[dict[str, Any]], bool], timeout: float = 10
) -> dict[str, Any]:
    """`GET /_sandbox/webhooks` once `done` holds: the sender counts after each call ends."""
    deadline = time.monotonic() + timeout
    while not done(status := httpx.get(f"{sandbox.base_url}/_sandbox/webhooks").json()):
        assert time.monotonic() < deadline, status
        time.sleep(0.02)
    return status


def idle(status: dict[str, Any]) -> bool:
    """No call under way: each call ended delivered, failed or as a redelivery."""
    return status["calls"] == status["delivered"] + status["failed"] + status["redelivered"]


def verified(headers: dict[str, str], body: bytes, secret: str) -> list[dict[str, Any]]:
    """The items of a call, after checking its signature as a receiver should (§5.2)."""
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    parts = dict(part.split("=", 1) for part in headers["x-centra-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())
    assert abs(time.time() - int(parts["t"])) < 300
    return json.loads(parse_qs(body.decode())["payload"][0])["events"]


def test_order_events_are_posted_signed_and_form_encoded(centra: SandboxProcess) -> None:
    receiver = Receiver()
    with serving(receiver.app) as url:
        status = control(centra, "webhooks", {"url": f"{url}/hook", "secret": "s3cret"})
        assert status["signed"] and "secret" not in status
        numbers = control(centra, "simulate", {"orders": 3})["orders"]
        [(headers, body)] = receiver.wait_for(1)  # one call: the plugin batches items
        items = verified(headers, body, "s3cret")
    control(centra, "webhooks", {"url": None})
    assert [(i["type"], i["action"], i["id"]) for i in items] == [
        ("order", "create", n) for n in numbers
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", items[0]["date"])


def test_webhook_retries_drops_duplicates_and_disorder(centra: SandboxProcess) -> None:
    flaky, down, busy = Receiver(failures=2), Receiver(failures=99), Receiver()
    before = webhook_status(centra, idle)
    with serving(flaky.app) as url:
        control(centra, "webhooks", {"url": f"{url}/hook", "retries": 2, "retry_delay": 0.05})
        control(centra, "simulate", {"orders": 1})
        assert len({body for _, body in flaky.wait_for(3)}) == 1  # the same call, retried
    with serving(down.app) as url:
        control(centra, "webhooks", {"url": f"{url}/hook", "retries": 1, "retry_delay": 0.05})
        control(centra, "simulate", {"orders": 1})
        down.wait_for(2)
        after = webhook_status(centra, lambda status: status["dropped"] > before["dropped"])
    assert after["delivered"] - before["delivered"] == 1
    assert after["failed"] - before["failed"] == 4 and after["dropped"] - before["dropped"] == 1
    with serving(busy.app) as url:
        knobs = {
            "url": f"{url}/hook",
            "secret": "k",
            "batch_size": 1,
            "shuffle": True,
            "redeliver_rate": 1,
        }
        control(centra, "webhooks", knobs)
        numbers = control(centra, "simulate", {"orders": 12})["orders"]
        calls = busy.wait_for(24)
    control(centra, "webhooks", {"url": None})
    ids = [item["id"] for headers, body in calls for item in verified(headers, body, "k")]
    assert Counter(ids) == Counter(numbers * 2)  # every call delivered twice
    assert list(dict.fromkeys(ids)) != numbers  # and out of order


def test_simulation_adds_orders_refunds_and_stock_changes(centra: SandboxProcess) -> None:
    last = data(centra, "{ orders(sort: [number_DESC], limit: 1) { number } }")["orders"][0]
    made = control(centra, "simulate", {"orders": 3, "refunds": 2, "stock_changes": 4})
    assert made["orders"] == [last["number"] + 1, last["number"] + 2, last["number"] + 3]
    orders = data(
        centra,
        """query($numbers: [Int!]) { orders(where: {number: $numbers}) { number status
          grandTotal { value } lines { quantity unitPrice { value } }
          ... on DirectToConsumerOrder { customer { id } } } }""",
        {"numbers": made["orders"]},
    )["orders"]
    assert [o["status"] for o in orders] == ["PENDING"] * 3
    assert all(o["customer"]["id"] and o["lines"] for o in orders)
    returns = data(
        centra,
        """query($ids: [Int!]) { returns(where: {id: $ids}) { id status grandTotal { value }
          order { status } ... on DirectToConsumerReturn {
            refundPaymentHistory { entryType status value { value } } } } }""",
        {"ids": made["refunds"]},
    )["returns"]
    assert [r["id"] for r in returns] == made["refunds"] and len(returns) == 2
    for returned in returns:
        assert returned["status"] == "COMPLETED" and returned["order"]["status"] == "SHIPPED"
        [refund] = returned["refundPaymentHistory"]
        assert (refund["entryType"], refund["status"]) == ("REFUND", "SUCCESS")
        assert refund["value"]["value"] == returned["grandTotal"]["value"]
    lines = data(centra, "{ stockChangeLines(limit: 200) { stockChange { id } } }")
    assert {line["stockChange"]["id"] for line in lines["stockChangeLines"]} >= set(
        made["stock_changes"]
    )


def test_simulation_is_deterministic(tmp_path_factory: pytest.TempPathFactory) -> None:
    query = """query($numbers: [Int!]) { orders(where: {number: $numbers}) { id number
      shippingAddress { city } totals { grandTotal { value } } ... on DirectToConsumerOrder {
      customer { id } } lines { id quantity taxPercent productSize { SKU } unitPrice { value } } }
      returns(limit: 200, sort: [id_DESC]) { id grandTotal { value } } }"""
    wanted = {"orders": 4, "refunds": 2, "stock_changes": 3}
    results = []
    for name in ("a", "b"):
        sandbox = start_sandbox(
            "centra", tmp_path_factory.mktemp(f"centra-sim-{name}"), "--orders", "40"
        )
        try:
            made = control(sandbox, "simulate", wanted)
            results.append((made, data(sandbox, query, {"numbers": made["orders"]})))
        finally:
            sandbox.stop()
    assert results[0] == results[1]
    assert results[0][0]["orders"] == [1041, 1042, 1043, 1044]
