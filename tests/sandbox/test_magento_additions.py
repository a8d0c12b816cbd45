"""Magento sandbox features the connector needs: invoice comments, the currency directory,
websites and MSI sources, filters on an empty credit memo table, and reauthorizing the
integration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import yaml

from tests.sandbox import test_magento_spec as schema
from tests.sandbox.test_magento import Magento, criteria
from tests.support.processes import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def document() -> schema.Spec:
    if not schema.SPEC.exists():
        pytest.skip(f"Magento admin schema not found at {schema.SPEC}")
    return schema.Spec(yaml.load(schema.SPEC.read_text(), Loader=schema.Loader))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox("magento", tmp_path_factory.mktemp("magento-additions"))
    yield process
    process.stop()


def test_invoice_comments_are_added_and_read_back(document, sandbox):
    shop = Magento(sandbox)
    invoice = shop.get("/V1/invoices", criteria(pageSize=1)).json()["items"][0]
    note = {"entity": {"parent_id": invoice["entity_id"], "comment": "Fortnox invoice 7",
                       "is_visible_on_front": 0, "is_customer_notified": 0}}  # fmt: skip
    saved = schema.call(document, shop, "post", "/V1/invoices/comments", "/V1/invoices/comments",
                        note)  # fmt: skip
    assert (saved["comment"], saved["parent_id"]) == ("Fortnox invoice 7", invoice["entity_id"])
    again = shop.get(f"/V1/invoices/{invoice['entity_id']}").json()
    assert again["comments"][-1]["comment"] == "Fortnox invoice 7"
    assert again["updated_at"] == invoice["updated_at"]
    unknown = shop.post("/V1/invoices/comments", {"entity": note["entity"] | {"parent_id": 999}})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == "Could not save the invoice comment."


def test_the_currency_directory_matches_the_spec(document, sandbox):
    shop = Magento(sandbox)
    body = schema.call(document, shop, "get", "/V1/directory/currency", "/V1/directory/currency")
    assert body["base_currency_code"] == "SEK"
    rates = {rate["currency_to"]: rate["rate"] for rate in body["exchange_rates"]}
    assert rates["SEK"] == 1 and str(rates["EUR"]).startswith("0.08928571")
    assert requests.get(f"{sandbox.base_url}/rest/V1/directory/currency").status_code == 200


def test_websites_and_sources_match_the_spec(document, sandbox):
    shop = Magento(sandbox)
    websites = schema.call(document, shop, "get", "/V1/store/websites", "/V1/store/websites")
    assert [(w["id"], w["code"], w["name"]) for w in websites] == [
        (0, "admin", "Admin"), (1, "base", "Main Website")
    ]  # fmt: skip
    # `getList(SearchCriteriaInterface $searchCriteria = null)`: criteria are optional here.
    sources = schema.call(document, shop, "get", "/V1/inventory/sources", "/V1/inventory/sources")
    assert [(s["source_code"], s["name"]) for s in sources["items"]] == [
        ("default", "Default Source"), ("sthlm", "Stockholm Warehouse")
    ]  # fmt: skip
    found = schema.call(document, shop, "get", "/V1/inventory/sources", "/V1/inventory/sources",
                        params=criteria([("name", "Stock%", "like")], pageSize=10))  # fmt: skip
    assert [s["source_code"] for s in found["items"]] == ["sthlm"] and found["total_count"] == 1
    for path in ("/V1/store/websites", "/V1/inventory/sources"):
        assert requests.get(f"{sandbox.base_url}/rest{path}").status_code == 401


def test_an_empty_credit_memo_table_still_has_its_columns(sandbox):
    shop = Magento(sandbox)
    found = shop.get("/V1/creditmemos", criteria([("created_at", "2026-01-01", "gteq")]))
    assert found.status_code == 200 and found.json()["total_count"] == 0


def test_reauthorizing_the_integration_refuses_the_old_token(tmp_path):
    sandbox = start_sandbox("magento", tmp_path)
    try:
        old = Magento(sandbox)
        assert old.get("/V1/orders/1").status_code == 200
        renewed = requests.post(f"{sandbox.base_url}/_sandbox/integration/reauthorize").json()
        refused = old.get("/V1/orders/1")
        assert refused.status_code == 401
        assert refused.json()["message"] == "Specified token does not exist"
        assert sandbox.credentials() == renewed
        assert renewed["access_token"] != old.credentials["access_token"]
        assert Magento(sandbox).get("/V1/orders/1").status_code == 200
    finally:
        sandbox.stop()
