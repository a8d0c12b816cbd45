"""`POST /_sandbox/simulate` of the Magento sandbox, seen through the signed REST API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from stdnum import ean

from tests.sandbox.test_magento import Magento, criteria, ok
from tests.support.processes import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox("magento", tmp_path_factory.mktemp("magento-simulate"))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def shop(sandbox: SandboxProcess) -> Magento:
    return Magento(sandbox)


def simulate(sandbox: SandboxProcess, body: Any) -> requests.Response:
    return requests.post(f"{sandbox.base_url}/_sandbox/simulate", json=body, timeout=30)


def made(sandbox: SandboxProcess, body: Any) -> dict[str, list[Any]]:
    response = simulate(sandbox, body)
    assert response.status_code == 200, response.text
    return response.json()


def highest_increment_id(shop: Magento) -> str:
    sort = {
        "searchCriteria[sortOrders][0][field]": "increment_id",
        "searchCriteria[sortOrders][0][direction]": "DESC",
        "searchCriteria[pageSize]": "1",
    }
    return ok(shop.get("/V1/orders", sort))["items"][0]["increment_id"]


def source_items(shop: Magento) -> dict[tuple[str, str], Decimal]:
    items = ok(shop.get("/V1/inventory/source-items", criteria()))["items"]
    return {(i["sku"], i["source_code"]): Decimal(i["quantity"]) for i in items}


def test_new_orders_follow_the_highest_increment_id(sandbox: SandboxProcess, shop: Magento) -> None:
    last = int(highest_increment_id(shop))
    numbers = made(sandbox, {"orders": 12})["orders"]
    assert numbers == [f"{n:09d}" for n in range(last + 1, last + 13)]
    found = ok(shop.get("/V1/orders", criteria([("increment_id", ",".join(numbers), "in")])))
    assert found["total_count"] == 12
    orders = sorted(found["items"], key=lambda o: o["increment_id"])
    assert {(o["state"], o["status"]) for o in orders} == {("new", "pending")}
    customers = {c["id"] for c in ok(shop.get("/V1/customers/search", criteria()))["items"]}
    skus = {p["sku"] for p in ok(shop.get("/V1/products", criteria()))["items"]}
    for order in orders:
        if order["customer_is_guest"]:
            assert order.get("customer_id") is None and order["increment_id"].endswith("3")
        else:
            assert order["customer_id"] in customers
        assert order["items"] and {item["sku"] for item in order["items"]} <= skus
        assert Decimal(order["grand_total"]) > 0 and not order.get("total_paid")
        assert order["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert any(o["customer_is_guest"] for o in orders)  # 1xx3 is a guest checkout
    assert highest_increment_id(shop) == numbers[-1]
    # The new orders can be invoiced through the REST API like any other.
    entity_id = orders[0]["entity_id"]
    ok(shop.post(f"/V1/order/{entity_id}/invoice", {"capture": True}))
    assert ok(shop.get(f"/V1/orders/{entity_id}"))["state"] in ("processing", "complete")


def test_refunds_are_credit_memos_that_change_the_order(
    sandbox: SandboxProcess, shop: Magento
) -> None:
    memo_ids = made(sandbox, {"refunds": 5})["refunds"]
    assert len(memo_ids) == 5 and len(set(memo_ids)) == 5
    wanted = criteria([("entity_id", ",".join(map(str, memo_ids)), "in")])
    memos = ok(shop.get("/V1/creditmemos", wanted))["items"]
    assert sorted(m["entity_id"] for m in memos) == sorted(memo_ids)
    for memo in memos:
        assert memo["state"] == 2 and Decimal(memo["grand_total"]) > 0 and memo["items"]
        order = ok(shop.get(f"/V1/orders/{memo['order_id']}"))
        assert Decimal(order["total_refunded"]) >= Decimal(memo["grand_total"])
        assert order["state"] in ("processing", "complete", "closed")
        refunded = {i["item_id"]: Decimal(i["qty_refunded"]) for i in order["items"]}
        assert all(
            refunded[line["order_item_id"]] >= Decimal(line["qty"]) for line in memo["items"]
        )


def test_stock_changes_show_in_source_items(sandbox: SandboxProcess, shop: Magento) -> None:
    before = source_items(shop)
    skus = made(sandbox, {"stock_changes": 8})["stock_changes"]
    assert len(skus) == 8
    after = source_items(shop)
    changed = {sku for key, qty in after.items() if before[key] != qty for sku in [key[0]]}
    assert changed and changed <= set(skus)
    for sku in skus:
        legacy = ok(shop.get(f"/V1/stockItems/{sku}"))
        assert Decimal(legacy["qty"]) == after[(sku, "default")]
        assert legacy["is_in_stock"] == (after[(sku, "default")] > 0)
    assert all(qty >= 0 for qty in after.values())


def attribute(product: dict[str, Any], code: str) -> Any:
    return next(
        (a["value"] for a in product["custom_attributes"] if a["attribute_code"] == code), None
    )


def test_new_products_are_readable_like_admin_made_ones(
    sandbox: SandboxProcess, shop: Magento
) -> None:
    before = ok(shop.get("/V1/products", criteria()))["items"]
    seeded_eans = {attribute(p, "ean") for p in before} - {None}
    seeded_styles = {int(p["sku"][2:5]) for p in before if p["sku"].startswith("NB")}
    since = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")
    skus = made(sandbox, {"products": 6})["products"]
    assert len(skus) == 6 and len(set(skus)) == 6
    assert not set(skus) & {p["sku"] for p in before}
    styles = [int(sku[2:].split("-")[0]) for sku in skus]
    assert styles == list(range(max(seeded_styles) + 1, max(seeded_styles) + 7))
    assert all(re.fullmatch(r"NB\d{3,}-0[1-5]-0[1-5]", sku) for sku in skus)

    changed = ok(shop.get("/V1/products", criteria([("updated_at", since, "gteq")])))
    assert sorted(p["sku"] for p in changed["items"]) == sorted(skus)
    by_sku = ok(shop.get("/V1/products", criteria([("sku", ",".join(skus), "in")])))
    assert by_sku["total_count"] == 6
    sources = source_items(shop)
    url_keys = [attribute(p, "url_key") for p in before]
    for product in by_sku["items"]:
        assert product["type_id"] == "simple" and product["status"] == 1
        assert product["visibility"] == 4 and product["attribute_set_id"] == 4
        assert product["name"] and Decimal(product["price"]) > 0
        assert product["created_at"] == product["updated_at"] >= since
        assert product["extension_attributes"]["website_ids"] == [1]
        assert attribute(product, "tax_class_id") == "2"  # 25 % VAT, as seeded
        code = attribute(product, "ean")
        assert len(code) == 13 and ean.is_valid(code) and code not in seeded_eans
        assert Decimal(attribute(product, "cost")) < Decimal(product["price"])
        url_keys.append(attribute(product, "url_key"))
        quantity = sources[(product["sku"], "default")]
        assert quantity > 0
        single = ok(shop.get(f"/V1/products/{product['sku']}"))
        stock = single["extension_attributes"]["stock_item"]
        assert Decimal(stock["qty"]) == quantity and stock["is_in_stock"] is True
        legacy = ok(shop.get(f"/V1/stockItems/{product['sku']}"))
        assert legacy["product_id"] == product["id"]
    assert len(set(url_keys)) == len(url_keys)
    # The next call goes on from the new style numbers.
    (following,) = made(sandbox, {"products": 1})["products"]
    assert int(following[2:].split("-")[0]) == styles[-1] + 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"orders": 2, "returns": 1}, "unknown keys ['returns']; known: orders, refunds"),
        ({"orders": True}, "orders"),
        ({"stock_changes": "3"}, "stock_changes"),
        ({"orders": -1}, "orders"),
        ({"refunds": "many"}, "refunds"),
        ({"stock_changes": 1.5}, "stock_changes"),
        ({"products": 1001}, "products"),
        ({"products": "2"}, "products"),
        ({"product": 2}, "known: orders, refunds, stock_changes, products"),
        ([1, 2], "dict"),
    ],
)
def test_bad_bodies_are_refused(sandbox: SandboxProcess, body: Any, needle: str) -> None:
    response = simulate(sandbox, body)
    assert response.status_code == 422, response.text
    assert needle in response.text


def test_same_seed_and_calls_give_the_same_ids(tmp_path: Path) -> None:
    calls = [
        {"orders": 3, "refunds": 2, "stock_changes": 4, "products": 3},
        {"orders": 2, "refunds": 2, "products": 2},
    ]
    results = []
    for name in ("first", "second"):
        process = start_sandbox("magento", tmp_path / name)
        try:
            results.append([made(process, call) for call in calls])
        finally:
            process.stop()
    assert results[0] == results[1]
    first, second = results[0]
    assert first["orders"] == ["000001151", "000001152", "000001153"]
    assert second["orders"] == ["000001154", "000001155"]
    assert second["stock_changes"] == [] and len(first["stock_changes"]) == 4
    assert len(set(first["refunds"] + second["refunds"])) == 4
    assert len(set(first["products"] + second["products"])) == 5
