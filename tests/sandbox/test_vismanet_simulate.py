"""`POST /_sandbox/simulate` of the Visma.net sandbox, against a real process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.sandbox.test_vismanet import api, exact
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

sandbox = sandbox_fixture("vismanet")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def simulate(sandbox: SandboxProcess, body: Any) -> httpx.Response:
    return httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json=body, timeout=60)


def made(sandbox: SandboxProcess, **wanted: int) -> dict[str, list[str]]:
    response = simulate(sandbox, wanted)
    assert response.status_code == 200, response.text
    return response.json()


def test_invoices_are_released_and_readable(sandbox: SandboxProcess, client: httpx.Client) -> None:
    customers = {c["number"] for c in client.get("/v1/customer").json()}
    items = {i["inventoryNumber"] for i in client.get("/v1/inventory").json()}
    numbers = made(sandbox, invoices=4)["invoices"]
    assert len(numbers) == len(set(numbers)) == 4
    for number in numbers:
        invoice = exact(client.get(f"/v1/customerinvoice/{number}"))
        assert invoice["status"] == "Open"
        assert invoice["customer"]["number"] in customers
        assert invoice["invoiceLines"]
        assert {line["inventoryNumber"] for line in invoice["invoiceLines"]} <= items
        assert invoice["balanceInCurrency"] == invoice["amountInCurrency"] > 0
    listed = client.get("/v1/customerinvoice", params={"released": "1"}).json()
    assert set(numbers) <= {invoice["referenceNumber"] for invoice in listed}


def test_credit_notes_reduce_balances(sandbox: SandboxProcess, client: httpx.Client) -> None:
    before = {
        invoice["referenceNumber"]: Decimal(invoice["balanceInCurrency"])
        for invoice in exact(client.get("/v1/customerinvoice", params={"status": "Open"}))
    }
    numbers = made(sandbox, credit_notes=3)["credit_notes"]
    assert len(numbers) == 3
    credited: dict[str, Decimal] = {}
    for number in numbers:
        note = exact(client.get(f"/v1/customerCreditNote/{number}"))
        assert note["documentType"] == "CreditNote" and note["status"] in ("Open", "Closed")
        [application] = note["applications"]
        assert application["refNbr"] in before
        amount = Decimal(application["amountPaid"])
        assert amount > 0
        credited[application["refNbr"]] = credited.get(application["refNbr"], 0) + amount
    for number, amount in credited.items():
        invoice = exact(client.get(f"/v1/customerinvoice/{number}"))
        assert Decimal(invoice["balanceInCurrency"]) == before[number] - amount
        assert invoice["status"] == ("Closed" if before[number] == amount else "Open")
        assert {a["refNbr"] for a in invoice["applications"]} & set(numbers)


def test_stock_changes_show_in_summary_and_filters(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    state = exact(httpx.get(f"{sandbox.base_url}/_sandbox/state"))
    on_hand = {
        item["inventoryNumber"]: sum(Decimal(r["quantityOnHand"]) for r in item["warehouseDetails"])
        for item in state["inventory"]
    }
    time.sleep(1.1)  # filters compare whole seconds
    mark = datetime.now(UTC).replace(tzinfo=None, microsecond=0).isoformat()
    numbers = made(sandbox, stock_changes=8)["stock_changes"]
    assert len(numbers) == 8
    changed = [
        number
        for number in set(numbers)
        if sum(row["onHand"] for row in exact(client.get(f"/v1/inventorysummary/{number}")))
        != on_hand[number]
    ]
    assert changed, "no stock change shows in the inventory summary"
    for moment in ("lastModifiedDateTime", "availabilityLastModifiedDateTime"):
        params = {moment: mark, f"{moment}Condition": ">=", "pageSize": "1000"}
        found = {i["inventoryNumber"] for i in client.get("/v1/inventory", params=params).json()}
        assert found == set(numbers), moment


def test_new_items_are_active_stock_items_with_stock(client: httpx.Client, sandbox) -> None:
    numbers = made(sandbox, items=2)["items"]
    assert len(set(numbers)) == 2
    for number in numbers:
        item = exact(client.get(f"/v1/inventory/{number}"))
        assert (item["status"], item["stockItem"], item["description"]) == (
            "Active",
            True,
            f"New item {number}",
        )
        assert item["vatCode"]["id"] == "1" and item["defaultPrice"] > 0
        stock = exact(client.get(f"/v1/inventorysummary/{number}"))
        assert sum(row["onHand"] for row in stock) >= 5


def test_same_seed_and_calls_give_same_numbers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    results = []
    for name in ("a", "b"):
        process = start_sandbox(
            "vismanet", tmp_path_factory.mktemp(f"vismanet-sim-{name}"), "--no-rate-limit"
        )
        try:
            calls = [
                made(process, invoices=3, credit_notes=2, stock_changes=4),
                made(process, invoices=1, stock_changes=2),
            ]
            with api(process.base_url) as client:
                amounts = [
                    client.get(f"/v1/customerinvoice/{number}").json()["amountInCurrency"]
                    for number in calls[0]["invoices"]
                ]
            results.append((calls, amounts))
        finally:
            process.stop()
    assert results[0] == results[1]
    assert results[0][0][0] != results[0][0][1]  # each call draws from its own stream


@pytest.mark.parametrize(
    "body",
    [
        {"invoices": 1, "orders": 2},
        {"invoices": -1},
        {"credit_notes": "2"},
        {"stock_changes": 1.5},
        {"stock_changes": True},
        [1, 2],
        "invoices",
    ],
)
def test_bad_bodies_are_refused(sandbox: SandboxProcess, body: Any) -> None:
    response = simulate(sandbox, body)
    assert response.status_code == 422, response.text
    assert response.json()["message"]


def test_unknown_key_is_named(sandbox: SandboxProcess) -> None:
    response = simulate(sandbox, {"orders": 2})
    assert response.status_code == 422
    text = response.json()["message"]
    assert "'orders'" in text and "invoices, credit_notes, stock_changes" in text


def test_broken_json_is_refused(sandbox: SandboxProcess) -> None:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/simulate", content=b"{not json")
    assert response.status_code == 422
    assert "JSON object" in response.json()["message"]


def test_empty_body_object_changes_nothing(sandbox: SandboxProcess) -> None:
    assert made(sandbox) == {
        "invoices": [],
        "credit_notes": [],
        "stock_changes": [],
        "invoice_orders": [],
        "credit_invoices": [],
        "items": [],
    }
