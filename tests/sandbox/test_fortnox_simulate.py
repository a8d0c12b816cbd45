"""`POST /_sandbox/simulate` of the Fortnox sandbox: ERP staff activity, readable over REST and
logged as topic events, the same for the same seed and calls."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from brygga.sandbox import seed
from tests.sandbox.test_fortnox import api, exact
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

SEEDED = {size.sku for product in seed.generate(42, 0, 0).products for size in product.skus}


sandbox = sandbox_fixture("fortnox")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def simulate(base_url: str, body: Any) -> dict[str, list[str]]:
    response = httpx.post(f"{base_url}/_sandbox/simulate", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def state(base_url: str) -> dict[str, list[dict[str, Any]]]:
    return httpx.get(f"{base_url}/_sandbox/state").json(parse_float=Decimal)


def events_since(base_url: str, seen: int) -> list[tuple[str, str, str]]:
    """The (topic, type, entityId) of events after the first `seen`, in the order made."""
    logged = state(base_url).get("events", [])  # in the order they were stored
    return [(e["topic"], e["type"], e["entityId"]) for e in logged[seen:]]


def event_count(base_url: str) -> int:
    return len(state(base_url).get("events", []))


def test_invoices_and_articles_are_readable_over_rest(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    seen = event_count(sandbox.base_url)
    made = simulate(sandbox.base_url, {"invoices": 5, "articles": 2})
    assert made["payments"] == [] and made["stock_changes"] == []
    assert len(made["invoices"]) == 5 and len(set(made["invoices"])) == 5
    assert len(made["articles"]) == 2
    customers = {c["CustomerNumber"] for c in client.get("/3/customers").json()["Customers"]}
    for number in made["invoices"]:
        invoice = exact(client.get(f"/3/invoices/{number}"))["Invoice"]
        assert invoice["CustomerNumber"] in customers
        assert 1 <= len(invoice["InvoiceRows"]) <= 3
        assert {row["ArticleNumber"] for row in invoice["InvoiceRows"]} <= SEEDED
        assert invoice["Balance"] == invoice["TotalToPay"] > 0
        assert invoice["Cancelled"] is False and invoice["Credit"] == "false"
    for number in made["articles"]:
        article = exact(client.get(f"/3/articles/{number}"))["Article"]
        assert article["Description"] and article["StockGoods"] is True
        assert article["SalesPrice"] > 0
        prices = client.get(f"/3/prices/sublist/A/{number}")
        assert prices.status_code == 200, prices.text
    logged = events_since(sandbox.base_url, seen)
    for number in made["invoices"]:
        assert ("invoices", "invoice-created-v1", number) in logged
    for number in made["articles"]:
        assert ("articles", "article-created-v1", number) in logged


def test_payments_settle_unpaid_invoices(sandbox: SandboxProcess, client: httpx.Client) -> None:
    simulate(sandbox.base_url, {"invoices": 3})
    unpaid = client.get("/3/invoices", params={"filter": "unpaid"}).json()["Invoices"]
    seen = event_count(sandbox.base_url)
    made = simulate(sandbox.base_url, {"payments": 3})
    assert len(made["payments"]) == 3
    paid = []
    for number in made["payments"]:
        payment = exact(client.get(f"/3/invoicepayments/{number}"))["InvoicePayment"]
        invoice = exact(client.get(f"/3/invoices/{payment['InvoiceNumber']}"))["Invoice"]
        assert invoice["Balance"] == 0 and invoice["FinalPayDate"] == payment["PaymentDate"]
        assert payment["AmountCurrency"] == invoice["TotalToPay"]
        paid.append(invoice["DocumentNumber"])
    assert len(set(paid)) == 3
    still = client.get("/3/invoices", params={"filter": "unpaid"}).json()["Invoices"]
    assert len(still) == len(unpaid) - 3
    logged = events_since(sandbox.base_url, seen)
    assert [("invoices", "invoice-updated-v1", number) for number in paid] == logged
    # Only unpaid invoices are paid: asking for more than are open pays what is left.
    rest = simulate(sandbox.base_url, {"payments": 1000})["payments"]
    assert len(rest) == len(still)
    assert client.get("/3/invoices", params={"filter": "unpaid"}).json()["Invoices"] == []


def test_stock_changes_show_in_articles_and_stock_balances(
    sandbox: SandboxProcess, client: httpx.Client
) -> None:
    before = {a["ArticleNumber"]: a["QuantityInStock"] for a in state(sandbox.base_url)["articles"]}
    seen = event_count(sandbox.base_url)
    changed = simulate(sandbox.base_url, {"stock_changes": 10})["stock_changes"]
    assert len(changed) == 10
    after = {a["ArticleNumber"]: a["QuantityInStock"] for a in state(sandbox.base_url)["articles"]}
    assert {number for number in after if after[number] != before[number]} <= set(changed)
    assert any(after[number] != before[number] for number in changed)
    balances = client.get(
        "/api/warehouse/status-v1/stockbalance", params={"itemIds": ",".join(set(changed))}
    ).json(parse_float=Decimal)
    assert {b["itemId"]: Decimal(b["inStock"]) for b in balances} == {
        number: after[number] for number in changed
    }
    for number in set(changed):
        article = exact(client.get(f"/3/articles/{number}"))["Article"]
        assert article["QuantityInStock"] == after[number] >= 0
    logged = events_since(sandbox.base_url, seen)
    stock_events = [e for e in logged if e[0] == "warehouse-stockbalances"]
    assert stock_events == [
        ("warehouse-stockbalances", "warehouse-stockbalance-changed-v1", n) for n in changed
    ]
    assert [e for e in logged if e[0] == "articles"] == [
        ("articles", "article-updated-v1", n) for n in changed
    ]


def test_same_seed_and_calls_give_the_same_changes(tmp_path: Path) -> None:
    calls = [
        {"payments": 2, "stock_changes": 3},
        {"invoices": 4, "articles": 1},
        {"invoices": 2, "payments": 3, "stock_changes": 5, "articles": 2},
    ]
    runs = []
    for name in ("a", "b"):
        process = start_sandbox("fortnox", tmp_path / name, "--no-rate-limit")
        try:
            answers = [simulate(process.base_url, body) for body in calls]
            with api(process.base_url) as client:
                invoices = [
                    exact(client.get(f"/3/invoices/{number}"))["Invoice"]
                    for answer in answers
                    for number in answer["invoices"]
                ]
            contents = [
                (
                    i["CustomerNumber"],
                    i["Balance"],
                    [(r["ArticleNumber"], r["DeliveredQuantity"]) for r in i["InvoiceRows"]],
                )
                for i in invoices
            ]
            stock = {
                a["ArticleNumber"]: a["QuantityInStock"]
                for a in state(process.base_url)["articles"]
            }
        finally:
            process.stop()
        runs.append((answers, contents, stock))
    assert runs[0] == runs[1]
    answers = runs[0][0]
    assert answers[0]["payments"] == []  # nothing was unpaid yet
    assert answers[1]["invoices"] == ["1", "2", "3", "4"]
    assert len(answers[2]["payments"]) == 3


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"refunds": 1}, "refunds"),
        ({"invoices": -1}, "greater than or equal to 0"),
        ({"payments": "many"}, "valid integer"),
        ({"articles": 1.5}, "valid integer"),
        ([], "valid dictionary"),
    ],
)
def test_bad_bodies_are_refused(sandbox: SandboxProcess, body: Any, complaint: str) -> None:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json=body)
    assert response.status_code == 422
    assert complaint in response.text


def shop_orders(client: httpx.Client, plan: list[tuple[str, str]]) -> list[str]:
    """Orders of (ExternalInvoiceReference1, OrderDate); their numbers."""
    customer = client.post("/3/customers", json={"Customer": {"Name": "Webbkund"}})
    number = customer.json()["Customer"]["CustomerNumber"]
    made = []
    for reference, day in plan:
        row = {"ArticleNumber": sorted(SEEDED)[0], "OrderedQuantity": "1"}
        body = {"CustomerNumber": number, "ExternalInvoiceReference1": reference,
                "OrderDate": day, "OrderRows": [row]}  # fmt: skip
        response = client.post("/3/orders", json={"Order": body})
        assert response.status_code == 201, response.text
        made.append(response.json()["Order"]["DocumentNumber"])
    return made


def test_staff_invoice_the_oldest_open_shop_orders(sandbox: SandboxProcess, client: httpx.Client):
    newer, manual, cancelled, oldest, older = shop_orders(
        client,
        [("S-3", "2026-03-03"), ("", "2026-01-01"), ("S-0", "2026-01-01"),
         ("S-1", "2026-01-01"), ("S-2", "2026-02-02")],
    )  # fmt: skip
    assert client.put(f"/3/orders/{cancelled}/cancel").status_code == 200
    seen = event_count(sandbox.base_url)
    made = simulate(sandbox.base_url, {"invoice_orders": 2})["invoice_orders"]
    assert len(made) == 2
    for order_number, invoice_number in zip((oldest, older), made, strict=True):
        invoice = exact(client.get(f"/3/invoices/{invoice_number}"))["Invoice"]
        order = exact(client.get(f"/3/orders/{order_number}"))["Order"]
        assert invoice["OrderReference"] == order_number
        assert order["InvoiceReference"] == invoice_number
        assert invoice["ExternalInvoiceReference1"] == order["ExternalInvoiceReference1"]
        assert invoice["Total"] == order["Total"]
    # The same events as `PUT /3/orders/{n}/createinvoice`.
    assert events_since(sandbox.base_url, seen) == [
        ("invoices", "invoice-created-v1", made[0]), ("orders", "order-updated-v1", oldest),
        ("invoices", "invoice-created-v1", made[1]), ("orders", "order-updated-v1", older),
    ]  # fmt: skip
    rest = simulate(sandbox.base_url, {"invoice_orders": 100})["invoice_orders"]
    invoiced = {exact(client.get(f"/3/invoices/{n}"))["Invoice"]["OrderReference"] for n in rest}
    assert newer in invoiced and not {manual, cancelled, oldest, older} & invoiced
    assert simulate(sandbox.base_url, {"invoice_orders": 100})["invoice_orders"] == []


def test_staff_fully_credit_invoices_of_shop_orders(sandbox: SandboxProcess, client: httpx.Client):
    shop_orders(client, [("S-10", "2026-04-01"), ("S-11", "2026-04-02")])
    simulate(sandbox.base_url, {"invoice_orders": 100, "invoices": 2})
    seen = event_count(sandbox.base_url)
    credits = simulate(sandbox.base_url, {"credit_invoices": 1})["credit_invoices"]
    assert len(credits) == 1
    credit = exact(client.get(f"/3/invoices/{credits[0]}"))["Invoice"]
    original = exact(client.get(f"/3/invoices/{credit['CreditInvoiceReference']}"))["Invoice"]
    assert credit["Credit"] == "true" and original["CreditInvoiceReference"] == credits[0]
    assert original["OrderReference"] != "0" and original["ExternalInvoiceReference1"]
    assert credit["Total"] == -original["Total"] and original["Balance"] == 0
    assert events_since(sandbox.base_url, seen) == [
        ("invoices", "invoice-created-v1", credits[0]),
        ("invoices", "invoice-updated-v1", original["DocumentNumber"]),
    ]
    rest = simulate(sandbox.base_url, {"credit_invoices": 1000})["credit_invoices"]
    for number in rest:
        credited = exact(client.get(f"/3/invoices/{number}"))["Invoice"]["CreditInvoiceReference"]
        assert exact(client.get(f"/3/invoices/{credited}"))["Invoice"]["OrderReference"] != "0"
    assert simulate(sandbox.base_url, {"credit_invoices": 5})["credit_invoices"] == []


def test_invoicing_and_crediting_are_the_same_for_the_same_seed(tmp_path: Path) -> None:
    answers = []
    for name in ("a", "b"):
        process = start_sandbox("fortnox", tmp_path / name, "--no-rate-limit")
        try:
            with api(process.base_url) as client:
                shop_orders(client, [(f"S-{n}", f"2026-05-{n:02}") for n in range(1, 7)])
            calls = [{"invoice_orders": 4}, {"credit_invoices": 2, "invoice_orders": 5}]
            answers.append([simulate(process.base_url, body) for body in calls])
        finally:
            process.stop()
    assert answers[0] == answers[1]
    assert answers[0][0]["invoice_orders"] == ["1", "2", "3", "4"]
    assert len(answers[0][1]["credit_invoices"]) == 2
