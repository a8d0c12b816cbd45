"""The Visma.net sandbox's staff simulation of shop orders (`invoice_orders`, `credit_invoices`),
customer payments and token revocation, against a real process."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.test_vismanet import api, exact, key_of, message, wrap
from tests.support.processes import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    directory = tmp_path_factory.mktemp("vismanet-shop")
    process = start_sandbox("vismanet", directory, "--no-rate-limit")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def made(sandbox: SandboxProcess, **wanted: int) -> dict[str, list[str]]:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json=wanted, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def shop_order(client: httpx.Client, number: str | None, freight: int = 0) -> str:
    body: dict[str, Any] = {
        "type": "SO",
        "customer": {"id": "10002"} | ({"order": number, "refNo": number} if number else {}),
        "orderLines": [
            {"inventoryId": "NB001-01-01", "quantity": 2, "unitPrice": 100, "discountAmount": 10},
            {"inventoryId": "NB013-01-01", "quantity": 1, "unitPrice": 50},
        ],
    }
    if freight:
        body["freight"] = {"cost": freight, "taxCategoryId": "1"}
    created = client.post("/api/v3/SalesOrders", json=body)
    assert created.status_code == 201, created.text
    return key_of(created)


def test_invoice_orders_invoices_shop_orders_oldest_first(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    first = shop_order(client, "W-1", freight=40)
    shop_order(client, None)  # an order entered in the ERP: not invoiced by this knob
    second = shop_order(client, "W-2")
    made_first = made(sandbox, invoice_orders=1)["invoice_orders"]
    made_rest = made(sandbox, invoice_orders=5)["invoice_orders"]
    assert (len(made_first), len(made_rest)) == (1, 1)
    invoice = exact(client.get(f"/v1/customerinvoice/{made_first[0]}"))
    assert (invoice["status"], invoice["externalReference"]) == ("Open", "W-1")
    assert invoice["customerRefNumber"] == "W-1"
    items = [line for line in invoice["invoiceLines"] if line.get("inventoryNumber")]
    assert [(line["soOrderType"], line["soOrderNbr"]) for line in items] == [("SO", first)] * 2
    assert [line["amountInCurrency"] for line in items] == [Decimal(190), Decimal(50)]
    freight = [line for line in invoice["invoiceLines"] if not line.get("inventoryNumber")]
    assert [(line["description"], line["amountInCurrency"]) for line in freight] == [
        ("Frakt", Decimal(40))
    ]
    assert invoice["amountInCurrency"] == Decimal("340.50")  # 230 + 25 % and 50 + 6 %
    order = client.get(f"/api/v3/SalesOrders/SO/{first}").json()
    assert order["status"]["description"] == "Completed"
    second_invoice = client.get(f"/v1/customerinvoice/{made_rest[0]}").json()
    assert second_invoice["invoiceLines"][0]["soOrderNbr"] == second
    assert made(sandbox, invoice_orders=3)["invoice_orders"] == []


def test_credit_invoices_credits_shop_invoices_in_full_once(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    shop_order(client, "W-3")
    invoiced = made(sandbox, invoice_orders=1, invoices=2)
    notes = made(sandbox, credit_invoices=10)["credit_invoices"]
    assert notes
    for number in notes:
        note = exact(client.get(f"/v1/customerCreditNote/{number}"))
        [applied] = note["applications"]
        invoice = exact(client.get(f"/v1/customerinvoice/{applied['refNbr']}"))
        assert applied["refNbr"] not in invoiced["invoices"]  # ERP-only invoices stay
        assert invoice["status"] == "Closed" and invoice["balanceInCurrency"] == 0
        assert note["externalReference"] == invoice["externalReference"]
        assert note["amountInCurrency"] == invoice["amountInCurrency"]
    assert made(sandbox, credit_invoices=10)["credit_invoices"] == []


def test_shop_order_knobs_are_deterministic(tmp_path_factory: pytest.TempPathFactory) -> None:
    results = []
    for name in ("a", "b"):
        process = start_sandbox(
            "vismanet", tmp_path_factory.mktemp(f"vismanet-shop-{name}"), "--no-rate-limit"
        )
        try:
            with api(process.base_url) as client:
                for number in range(6):
                    shop_order(client, f"D-{number}")
            results.append([made(process, invoice_orders=4), made(process, credit_invoices=2)])
        finally:
            process.stop()
    assert results[0] == results[1]


def test_payments_apply_to_open_invoices_of_their_customer(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    shop_order(client, "W-4")
    [number] = made(sandbox, invoice_orders=1)["invoice_orders"]
    base = {"customer": "10002", "paymentMethod": "KORT", "paymentAmount": 100}

    def pay(refs: list[dict[str, Any]], **values: Any) -> httpx.Response:
        lines = [wrap(ref) | {"operation": "Insert"} for ref in refs]
        return client.post(
            "/v1/customerPayment", json=wrap(base | values) | {"paymentLines": lines}
        )

    too_much = pay([{"refNbr": number, "amountPaid": 101}])
    assert too_much.status_code == 400 and "exceeds" in message(too_much)
    other = pay([{"refNbr": number}], customer="10001")
    assert other.status_code == 400 and "another customer" in message(other)
    unknown = pay([], paymentMethod="CASH")
    assert unknown.status_code == 400 and "cannot be found" in message(unknown)
    payment = key_of(pay([{"refNbr": number}]))
    read = exact(client.get(f"/v1/customerPayment/{payment}"))
    assert (read["status"], read["cashAccount"], read["availableBalance"]) == (
        "Balanced",
        "1580",
        0,
    )
    assert read["paymentLines"][0]["amountPaid"] == 100
    client.post(f"/v1/customerPayment/{payment}/action/release").raise_for_status()
    invoice = exact(client.get(f"/v1/customerinvoice/{number}"))
    assert invoice["balanceInCurrency"] == Decimal("190.50")  # 290.50 less 100
    assert (
        invoice["applications"][-1] | {"docType": "Payment", "refNbr": payment}
        == (invoice["applications"][-1])
    )
    again = client.post(f"/v1/customerPayment/{payment}/action/release")
    assert again.status_code == 400 and "already released" in message(again)
    changed = client.put(f"/v1/customerPayment/{payment}", json=wrap({"invoiceText": "x"}))
    assert changed.status_code == 400


def test_revoked_tokens_are_refused(tmp_path: Path) -> None:
    process = start_sandbox("vismanet", tmp_path, "--no-rate-limit")
    try:
        with api(process.base_url) as client:
            assert client.get("/v1/vatZone").status_code == 200
            httpx.post(f"{process.base_url}/_sandbox/revoke-tokens").raise_for_status()
            refused = client.get("/v1/vatZone")
            assert refused.status_code == 401 and "Authorization has been denied" in message(
                refused
            )
        with api(process.base_url) as renewed:
            assert renewed.get("/v1/vatZone").status_code == 200
    finally:
        process.stop()
