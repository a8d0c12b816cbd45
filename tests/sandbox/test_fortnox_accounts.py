"""The chart of accounts on the Fortnox sandbox, and what it means for document rows: accounts
that must exist and be active, default sales accounts, OSS VAT rates (fact sheet §4.10), over
loopback HTTP."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.fortnox.seeding import seed
from brygga.sandbox.fortnox.tenant import settings
from brygga.sandbox.storage import DocumentStore
from tests.sandbox.test_fortnox import SWEATER, api, error, exact, new_customer, post_order
from tests.sandbox.test_fortnox_oauth import code_grant
from tests.support.processes import SandboxProcess, sandbox_fixture

SINGLE_FIELDS = {
    "@url", "Active", "BalanceBroughtForward", "BalanceCarriedForward", "CostCenter",
    "CostCenterSettings", "Description", "Number", "OpeningQuantities", "Project",
    "ProjectSettings", "QuantitySettings", "QuantityUnit", "SRU", "TransactionInformation",
    "TransactionInformationSettings", "VATCode", "Year",
}  # fmt: skip


sandbox = sandbox_fixture("fortnox")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def put_account(client: httpx.Client, number: int, **fields: Any) -> httpx.Response:
    return client.put(f"/3/accounts/{number}", content=json.dumps({"Account": fields}))


def row(price: str, vat: str, **fields: Any) -> dict[str, Any]:
    return {"Description": "Rad", "OrderedQuantity": 1, "Price": price, "VAT": vat} | fields


def order_of(client: httpx.Client, customer: dict[str, Any], *rows: dict[str, Any]) -> Any:
    response = post_order(
        client,
        CustomerNumber=customer["CustomerNumber"],
        Currency=customer["Currency"],
        OrderRows=list(rows),
    )
    assert response.status_code == 201, response.text
    return exact(response)["Order"]


# --- /3/accounts ------------------------------------------------------------------------------


def test_list_is_the_seeded_bas_chart_sorted_by_number(client: httpx.Client) -> None:
    body = exact(client.get("/3/accounts"))
    assert list(body) == ["MetaInformation", "Accounts"]
    accounts = {account["Number"]: account for account in body["Accounts"]}
    numbers = list(accounts)
    assert numbers == sorted(numbers)
    assert body["MetaInformation"] == {
        "@TotalResources": len(numbers),
        "@TotalPages": 1,
        "@CurrentPage": 1,
    }
    required = {1510, 1930, 2611, 2621, 2631, 2640, 3001, 3002, 3003, 3004, 3011, 3012, 3013,
                3014, 3105, 3106, 3108, 3520, 3740, 3990}  # fmt: skip
    assert required <= set(numbers)
    assert [n for n, account in accounts.items() if not account["Active"]] == [3990]
    assert accounts[3001]["@url"].endswith("/3/accounts/3001")
    assert {name: value for name, value in accounts[3001].items() if name != "@url"} == {
        "Active": True,
        "BalanceBroughtForward": 0,
        "CostCenter": "",
        "CostCenterSettings": "ALLOWED",
        "Description": "Försäljning varor inom Sverige, 25 % moms",
        "Number": 3001,
        "Project": "",
        "ProjectSettings": "ALLOWED",
        "SRU": 7410,
        "VATCode": "MP1",
        "Year": 1,
    }
    oss = {number: accounts[number]["Description"] for number in (3011, 3012, 3013, 3014)}
    assert oss == {
        3011: "Försäljning OSS Tyskland",
        3012: "Försäljning OSS Finland",
        3013: "Försäljning OSS Danmark",
        3014: "Försäljning OSS Nederländerna",
    }
    assert accounts[3108]["Description"] == "Försäljning varor till annat EU-land, momsfri"


def test_list_pages_sorts_and_searches_like_the_other_lists(client: httpx.Client) -> None:
    everything = [a["Number"] for a in client.get("/3/accounts").json()["Accounts"]]
    page = client.get("/3/accounts", params={"limit": 5, "page": 2}).json()
    assert page["MetaInformation"] == {
        "@TotalResources": len(everything),
        "@TotalPages": math.ceil(len(everything) / 5),
        "@CurrentPage": 2,
    }
    assert [a["Number"] for a in page["Accounts"]] == everything[5:10]
    backwards = client.get("/3/accounts", params={"sortby": "number", "sortorder": "descending"})
    assert [a["Number"] for a in backwards.json()["Accounts"]] == everything[::-1]
    by_sru = client.get("/3/accounts", params={"sru": "7413"}).json()["Accounts"]
    assert [a["Number"] for a in by_sru] == [3990]
    assert error(client.get("/3/accounts", params={"sortby": "description"}))["code"] == 2000588


def test_accounts_need_the_bookkeeping_scope(sandbox: SandboxProcess) -> None:
    token = code_grant(sandbox.base_url)["access_token"]  # scopes `customer order` only
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(f"{sandbox.base_url}/3/accounts/3001", headers=headers)
    assert response.status_code == 403 and error(response)["code"] == 2000663


def test_get_one_account_and_a_missing_one(client: httpx.Client) -> None:
    response = client.get("/3/accounts/1930")
    assert response.status_code == 200 and list(response.json()) == ["Account"]
    account = exact(response)["Account"]
    assert set(account) == SINGLE_FIELDS
    assert account["@url"].endswith("/3/accounts/1930")
    assert (account["Number"], account["Active"], account["Year"]) == (1930, True, 1)
    assert account["BalanceBroughtForward"] == account["BalanceCarriedForward"] == 250000
    missing = client.get("/3/accounts/9999")
    assert missing.status_code == 404
    assert error(missing) == {"error": 1, "message": "Kan inte hitta kontot.", "code": 2000423}


def test_put_deactivates_an_account_and_rows_on_it_are_refused(client: httpx.Client) -> None:
    customer = new_customer(client)
    freight = row("49", "25", Description="Frakt", AccountNumber=3520)
    changed = put_account(client, 3520, Active=False, Description="Frakter (ej i bruk)")
    assert changed.status_code == 200, changed.text
    account = changed.json()["Account"]
    assert (account["Active"], account["Description"]) == (False, "Frakter (ej i bruk)")
    assert client.get("/3/accounts/3520").json()["Account"] == account
    refused = post_order(client, CustomerNumber=customer["CustomerNumber"], OrderRows=[freight])
    assert refused.status_code == 400
    assert error(refused) == {"error": 1, "message": "Kunde inte hitta konto", "code": 2001304}

    # Partial update: the description stays; the number in the body cannot change it.
    back = put_account(client, 3520, Active=True, Number=3521).json()["Account"]
    assert (back["Number"], back["Active"], back["Description"]) == (
        3520,
        True,
        account["Description"],
    )
    put_account(client, 3520, Description="Fakturerade frakter")
    assert order_of(client, customer, freight)["OrderRows"][0]["AccountNumber"] == 3520


def test_put_errors(client: httpx.Client) -> None:
    cases = [
        (3001, {"Nope": 1}, 400, 2001399),
        (3001, {"Description": ""}, 400, 2003403),
        (3001, {"CostCenterSettings": "SOMETIMES"}, 400, 2003403),
        (9999, {"Active": False}, 404, 2000423),
    ]
    for number, fields, status, code in cases:
        response = put_account(client, number, **fields)
        assert (response.status_code, error(response)["code"]) == (status, code), fields
    unchanged = client.get("/3/accounts/3001").json()["Account"]
    assert unchanged["Description"] == "Försäljning varor inom Sverige, 25 % moms"


# --- Accounts on document rows ------------------------------------------------------------------


def test_rows_on_an_unknown_or_inactive_account_are_refused(client: httpx.Client) -> None:
    customer = new_customer(client)
    number = customer["CustomerNumber"]
    for account in (1234, 3990):
        order = post_order(
            client, CustomerNumber=number, OrderRows=[row("100", "25", AccountNumber=account)]
        )
        invoice_row = {"DeliveredQuantity": 1, "Price": 100, "VAT": 25, "AccountNumber": account}
        body = {"CustomerNumber": number, "InvoiceRows": [invoice_row]}
        invoice = client.post("/3/invoices", json={"Invoice": body})
        for response in (order, invoice):
            assert response.status_code == 400, response.text
            assert (error(response)["code"], error(response)["message"]) == (
                2001304,
                "Kunde inte hitta konto",
            )
    # Also when an existing row is moved to such an account.
    order = order_of(client, customer, row("100", "25"))
    moved = [{"RowId": order["OrderRows"][0]["RowId"], "AccountNumber": 3990}]
    response = client.put(
        f"/3/orders/{order['DocumentNumber']}", json={"Order": {"OrderRows": moved}}
    )
    assert response.status_code == 400 and error(response)["code"] == 2001304


def test_default_sales_account_follows_the_customer_vat_type(client: httpx.Client) -> None:
    swedish = new_customer(client)
    order = order_of(client, swedish, *(row("10", rate) for rate in ("25", "12", "6", "0", "19")))
    accounts = [r["AccountNumber"] for r in order["OrderRows"]]
    assert accounts == [3001, 3002, 3003, 3004, 3106]  # an OSS rate: an EU sale with VAT
    sweater = {"ArticleNumber": SWEATER, "OrderedQuantity": 1}
    expected = {"EUREVERSEDVAT": (3108, 0, ""), "EUVAT": (3106, 25, "MP1"), "EXPORT": (3105, 0, "")}
    for vat_type, wanted in expected.items():
        customer = new_customer(client, VATType=vat_type, Currency="EUR")
        first = order_of(client, customer, sweater)["OrderRows"][0]
        assert (first["AccountNumber"], first["VAT"], first["VATCode"]) == wanted, vat_type


# --- OSS VAT rates ------------------------------------------------------------------------------


def test_oss_rates_are_accepted_and_totalled_per_rate_to_the_cent(client: httpx.Client) -> None:
    german = new_customer(client, VATType="EUVAT", CountryCode="DE", Currency="EUR")
    order = order_of(
        client,
        german,
        row("10.03", "19", AccountNumber=3011),
        row("10.03", "19", AccountNumber=3011),
        row("12.45", "7", AccountNumber=3011),
    )
    # 19 %: 20.06 × 0.19 = 3.8114 → 3.81 per document (per row it would be 2 × 1.91 = 3.82);
    # 7 %: 12.45 × 0.07 = 0.8715 → 0.87. EUR: no öresavrundning.
    assert order["TotalVAT"] == Decimal("4.68")
    assert (order["Net"], order["Total"], order["RoundOff"]) == (
        Decimal("32.51"),
        Decimal("37.19"),
        0,
    )
    assert [(r["VAT"], r["VATCode"], r["AccountNumber"]) for r in order["OrderRows"]] == [
        (19, "", 3011),
        (19, "", 3011),
        (7, "", 3011),
    ]

    finnish = new_customer(client, VATType="EUVAT", CountryCode="FI", Currency="EUR")
    order = order_of(client, finnish, row("3.00", "25.5"), row("9.90", "13.5"), row("4.50", "10"))
    # 25.5 %: 3.00 × 0.255 = 0.765 → 0.77 (half up); 13.5 %: 1.3365 → 1.34; 10 %: 0.45.
    assert order["OrderRows"][0]["VAT"] == Decimal("25.5")
    assert order["TotalVAT"] == Decimal("2.56")
    assert (order["Net"], order["Total"]) == (Decimal("17.4"), Decimal("19.96"))
    invoice = exact(client.put(f"/3/orders/{order['DocumentNumber']}/createinvoice"))["Invoice"]
    assert invoice["TotalVAT"] == Decimal("2.56")


def test_rates_the_company_does_not_have_are_refused(client: httpx.Client) -> None:
    customer = new_customer(client)["CustomerNumber"]
    response = post_order(client, CustomerNumber=customer, OrderRows=[row("100", "17")])
    assert response.status_code == 400
    assert error(response) == {
        "error": 1,
        "message": "Kunde inte hämta/hitta moms (17)",
        "code": 2003402,
    }
    # An article's VAT is a Swedish rate; OSS rates are chosen per row.
    article = {"ArticleNumber": "OSS-19", "Description": "Mössa", "VAT": 19}
    response = client.post("/3/articles", json={"Article": article})
    assert response.status_code == 400 and error(response)["code"] == 2003402


# --- Seeding -----------------------------------------------------------------------------------


def test_a_data_dir_seeded_before_the_chart_gets_it_and_the_oss_rates() -> None:
    store = DocumentStore(None)
    store.set_meta("seeded", True)
    store.set_meta("tenant", {"VATRates": [25, 12, 6, 0], "FreightVAT": 25})
    with store.bulk():
        seed(store, SandboxConfig())
    try:
        assert store.get("accounts", "3001")["Active"] is True
        assert store.get("accounts", "3990")["Active"] is False
        assert settings(store)["OSSVATRates"]["FI"] == [Decimal("25.5"), Decimal("13.5"), 10]
        assert store.count("articles") == 0  # nothing else is seeded again
    finally:
        store.close()
