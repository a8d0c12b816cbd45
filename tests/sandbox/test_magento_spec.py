"""The Magento sandbox's real traffic checked against Adobe's admin REST schema (Swagger 2.0).

Bodies are validated with jsonschema Draft 4 on the document's `definitions`, as
`shared/specs/README.md` shows, made strict: every object definition refuses properties it does
not declare, so an invented or misspelt field fails. The document is patched in memory only
where `brygga.sandbox.magento.deviations` says the live API differs, and
`test_each_deviation_still_holds` checks every such entry against the unpatched document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
import yaml

from brygga.sandbox.magento import deviations
from tests.sandbox.test_magento import Magento, criteria
from tests.support.processes import SandboxProcess, start_sandbox

SPEC = Path(__file__).resolve().parents[3] / "shared/specs/magento-2.4.9-admin-schema.yaml"
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Spec:
    """The document, and validators of its operations' bodies under the sandbox's deviations."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        definitions = copy.deepcopy(document["definitions"])
        for definition in definitions.values():
            if "properties" in definition:
                definition["additionalProperties"] = False
        for name, fields in deviations.OMITTED_WHEN_NULL.items():
            definitions[name]["required"] = [
                field for field in definitions[name]["required"] if field not in fields
            ]
        definitions[deviations.NAMED_PARAMETERS_DEFINITION] = {"type": ["array", "object"]}
        self.definitions = definitions
        self.request_definitions = copy.deepcopy(definitions)
        for name in deviations.PARTIAL_IN_REQUESTS:
            del self.request_definitions[name]["required"]

    def operation(self, method: str, path: str) -> dict[str, Any]:
        return self.document["paths"][path][method]

    def validate(self, schema: dict[str, Any], instance: Any, *, request: bool = False) -> None:
        definitions = self.request_definitions if request else self.definitions
        validator = jsonschema.Draft4Validator(schema | {"definitions": definitions})
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(
            f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10]
        )

    def request_body(self, method: str, path: str, body: Any) -> None:
        for parameter in self.operation(method, path).get("parameters", []):
            if parameter["in"] == "body":
                self.validate(parameter["schema"], body, request=True)
                return
        raise AssertionError(f"{method.upper()} {path} takes no body")

    def response(self, method: str, path: str, response: requests.Response) -> Any:
        body = response.json()
        responses = self.operation(method, path)["responses"]
        key = (method, path)
        if response.status_code != 200:
            self.validate(responses["default"]["schema"], body)
        elif key in deviations.STRING_ID_RESULTS:
            assert isinstance(body, str) and body.isdigit(), body
        elif key in deviations.VOID_RESULTS:
            assert body == []
        else:
            self.validate(responses["200"]["schema"], body)
        return body


@pytest.fixture(scope="module")
def spec() -> Spec:
    if not SPEC.exists():
        pytest.skip(f"Magento admin schema not found at {SPEC} (shared/specs beside the repo)")
    return Spec(yaml.load(SPEC.read_text(), Loader=Loader))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Magento]:
    process: SandboxProcess = start_sandbox("magento", tmp_path_factory.mktemp("magento-spec"))
    try:
        yield Magento(process)
    finally:
        process.stop()


def call(
    spec: Spec,
    shop: Magento,
    method: str,
    template: str,
    path: str,
    body: Any = None,
    params: dict[str, str] | None = None,
    status: int = 200,
) -> Any:
    """Send `method path` (`template` is its path in the document); validate both bodies."""
    if body is not None:
        spec.request_body(method, template, body)
    response = shop.request(method.upper(), path, json=body, params=params)
    assert response.status_code == status, response.text
    return spec.response(method, template, response)


def test_reads_match_the_spec(spec: Spec, shop: Magento) -> None:
    orders = call(spec, shop, "get", "/V1/orders", "/V1/orders", params=criteria(pageSize=300))
    kinds = {
        (o["customer_is_guest"], o["state"], o["items"][0]["product_type"]) for o in orders["items"]
    }
    assert len(kinds) > 6  # guests and customers, several states, both product types
    call(spec, shop, "get", "/V1/orders/{id}", "/V1/orders/1")
    call(spec, shop, "get", "/V1/orders/{id}/comments", "/V1/orders/1/comments")
    products = call(spec, shop, "get", "/V1/products", "/V1/products", params=criteria())
    assert {p["type_id"] for p in products["items"]} == {"simple", "configurable"}
    for sku in ("NB001", "NB001-01-01", "NB013-01-01"):
        call(spec, shop, "get", "/V1/products/{sku}", f"/V1/products/{sku}")
    call(spec, shop, "get", "/V1/stockItems/{productSku}", "/V1/stockItems/NB001-01-01")
    call(spec, shop, "get", "/V1/inventory/source-items", "/V1/inventory/source-items",
         params=criteria(pageSize=50))  # fmt: skip
    customers = call(spec, shop, "get", "/V1/customers/search", "/V1/customers/search",
                     params=criteria())  # fmt: skip
    assert any("taxvat" in c for c in customers["items"])  # companies carry a VAT number
    call(spec, shop, "get", "/V1/customers/{customerId}", "/V1/customers/1")
    invoices = call(spec, shop, "get", "/V1/invoices", "/V1/invoices", params=criteria())
    invoice = invoices["items"][0]["entity_id"]
    call(spec, shop, "get", "/V1/invoices/{id}", f"/V1/invoices/{invoice}")


def test_writes_match_the_spec(spec: Spec, shop: Magento) -> None:
    customer = {
        "customer": {
            "email": "spec@example.se", "firstname": "Spec", "lastname": "Kund",
            "website_id": 1, "taxvat": "SE556677889901",
            "addresses": [{"firstname": "Spec", "lastname": "Kund", "street": ["Storgatan 1"],
                           "city": "Stockholm", "postcode": "114 35", "country_id": "SE",
                           "telephone": "+46 8 1", "company": "Spec AB", "default_billing": True,
                           "default_shipping": True}],
        },
        "password": "Brygga-2026!",
    }  # fmt: skip
    created = call(spec, shop, "post", "/V1/customers", "/V1/customers", customer)
    update = {"customer": customer["customer"] | {"id": created["id"], "lastname": "Kundsson"}}
    call(spec, shop, "put", "/V1/customers/{customerId}", f"/V1/customers/{created['id']}", update)

    product = {"product": {"sku": "NB-SPEC-1", "name": "Spec Scarf", "price": 249,
                           "attribute_set_id": 4, "type_id": "simple", "status": 1,
                           "visibility": 4, "weight": 0.2,
                           "custom_attributes": [{"attribute_code": "ean", "value": "735000"}],
                           "extension_attributes": {"stock_item": {"qty": 5, "is_in_stock": True}}},
               "saveOptions": True}  # fmt: skip
    call(spec, shop, "post", "/V1/products", "/V1/products", product)
    rename = {"product": {"sku": "NB-SPEC-1", "name": "Spec Shawl"}}
    call(spec, shop, "put", "/V1/products/{sku}", "/V1/products/NB-SPEC-1", rename)
    stock = {"stockItem": {"qty": 3, "is_in_stock": True}}
    item_id = call(spec, shop, "put", "/V1/products/{productSku}/stockItems/{itemId}",
                   "/V1/products/NB-SPEC-1/stockItems/1", stock)  # fmt: skip
    assert isinstance(item_id, int)
    sources = {"sourceItems": [{"sku": "NB-SPEC-1", "source_code": "sthlm", "quantity": 4,
                                "status": 1}]}  # fmt: skip
    call(spec, shop, "post", "/V1/inventory/source-items", "/V1/inventory/source-items", sources)

    history = {"statusHistory": {"comment": "Synced", "is_customer_notified": 0,
                                 "is_visible_on_front": 0, "parent_id": 2}}  # fmt: skip
    assert call(spec, shop, "post", "/V1/orders/{id}/comments", "/V1/orders/2/comments", history)
    pending = shop.get("/V1/orders", criteria([("state", "new", "eq")], pageSize=300)).json()
    order = next(o for o in pending["items"] if len(o["items"]) > 2)
    first = order["items"][0]
    invoice = {"capture": True, "notify": False, "appendComment": True,
               "comment": {"comment": "ERP invoice 1", "is_visible_on_front": 0}}  # fmt: skip
    invoice_path = f"/V1/order/{order['entity_id']}/invoice"
    invoice_id = call(spec, shop, "post", "/V1/order/{orderId}/invoice", invoice_path, invoice)
    refund = {"items": [{"order_item_id": first["item_id"], "qty": 1}], "notify": False,
              "appendComment": True, "comment": {"comment": "ERP credit note 1",
                                                 "is_visible_on_front": 0},
              "arguments": {"shipping_amount": 0, "adjustment_positive": 0,
                            "adjustment_negative": 0,
                            "extension_attributes": {"return_to_stock_items": []}}}  # fmt: skip
    memo = call(spec, shop, "post", "/V1/order/{orderId}/refund",
                f"/V1/order/{order['entity_id']}/refund", refund)  # fmt: skip
    call(spec, shop, "get", "/V1/creditmemo/{id}", f"/V1/creditmemo/{memo}")
    call(spec, shop, "post", "/V1/invoice/{invoiceId}/refund", f"/V1/invoice/{invoice_id}/refund",
         {"isOnline": False, "notify": False})  # fmt: skip
    memos = call(spec, shop, "get", "/V1/creditmemos", "/V1/creditmemos",
                 params=criteria([("order_id", str(order["entity_id"]), "eq")]))  # fmt: skip
    assert memos["total_count"] == 2
    call(spec, shop, "get", "/V1/orders/{id}", f"/V1/orders/{order['entity_id']}")


def test_error_bodies_match_the_spec(spec: Spec, shop: Magento) -> None:
    call(spec, shop, "get", "/V1/orders/{id}", "/V1/orders/99999", status=404)
    call(spec, shop, "get", "/V1/orders/{id}", "/V1/orders/abc", status=400)
    call(spec, shop, "get", "/V1/orders", "/V1/orders", status=400)
    guest = requests.get(f"{shop.base_url}/rest/V1/orders/1")
    assert guest.status_code == 401
    spec.response("get", "/V1/orders/{id}", guest)
    call(spec, shop, "get", "/V1/customers/{customerId}", "/V1/customers/99999", status=404)
    invalid = shop.post("/V1/customers", {"customer": {"email": "x@example.se"}})
    assert invalid.status_code == 400
    spec.response("post", "/V1/customers", invalid)


def test_each_deviation_still_holds(spec: Spec, shop: Magento) -> None:
    document = spec.document
    for method, path in deviations.STRING_ID_RESULTS:
        assert document["paths"][path][method]["responses"]["200"]["schema"] == {"type": "integer"}
    for method, path in deviations.VOID_RESULTS:
        assert "200" not in document["paths"][path][method]["responses"]
    for name, fields in deviations.OMITTED_WHEN_NULL.items():
        assert set(fields) <= set(document["definitions"][name]["required"])
    for name in deviations.PARTIAL_IN_REQUESTS:
        assert {"qty", "is_in_stock", "min_qty"} <= set(document["definitions"][name]["required"])
    stock = shop.get("/V1/stockItems/NB001-01-01").json()
    payment = shop.get("/V1/orders/1").json()["payment"]
    region = shop.get("/V1/customers/1").json()["addresses"][0]["region"]
    for name, body in (
        ("catalog-inventory-data-stock-item-interface", stock),
        ("sales-data-order-payment-interface", payment),
        ("customer-data-region-interface", region),
    ):
        assert not set(deviations.OMITTED_WHEN_NULL[name]) & body.keys()
    parameters = document["definitions"][deviations.NAMED_PARAMETERS_DEFINITION]
    assert parameters["type"] == "array" and "$ref" in parameters["items"]
    named = shop.get("/V1/orders").json()["parameters"]
    positional = shop.get("/V1/products", criteria([("nope", "1", "eq")])).json()["parameters"]
    assert named == {"fieldName": "searchCriteria"} and positional == ["nope"]
    # The document knows /rest/default and camelCase index-0 searchCriteria parameters only.
    assert document["basePath"] == "/rest/default"
    names = {p["name"] for p in spec.operation("get", "/V1/orders")["parameters"]}
    assert "searchCriteria[filterGroups][0][filters][0][field]" in names
    assert not any("filter_groups" in name or "[1]" in name for name in names)
    history = {"statusHistory": {"comment": "Through another base path"}}
    for base in deviations.BASE_PATHS:
        url = f"{shop.base_url}{base}/V1/orders/4/comments"
        assert shop.session.post(url, json=history).json() is True
    snake = criteria([("entity_id", "4", "eq")]) | {"searchCriteria[page_size]": "1"}
    assert shop.get("/V1/orders", snake).json()["total_count"] == 1


def test_admin_token_matches_the_spec(spec: Spec, shop: Magento) -> None:
    body = {"username": "admin", "password": "brygga-demo-123"}
    token = call(
        spec, shop, "post", "/V1/integration/admin/token", "/V1/integration/admin/token", body
    )
    assert isinstance(token, str) and token.count(".") == 2  # a JWT, as 2.4.4+ issues
