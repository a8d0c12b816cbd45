"""The Fortnox sandbox's real traffic checked against Fortnox's own OpenAPI document.

Known gaps of the document (`shared/specs/README.md`, `shared/apis/fortnox.md` §7) are patched
in memory, never in the file: `*/*` request bodies become `application/json`, and every
property is nullable, because the live API sends null for unset fields (recorded responses in
`accodeing/fortnox-api`, e.g. `customers/save_new.yml`, `orders/all.yml`). The document models
ErrorInformation as `Error/Message/Code` and allows extra keys, so the live lowercase casing is
asserted separately.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from tests.sandbox.test_fortnox import api
from tests.support.processes import SandboxProcess, start_sandbox

SPEC = Path(__file__).parents[3] / "shared/specs/fortnox-openapi-3.json"
SERVER = "https://api.fortnox.se"


def _patched(spec: dict[str, Any]) -> dict[str, Any]:
    for path in spec["paths"].values():
        for operation in path.values():
            content = (
                operation.get("requestBody", {}).get("content", {})
                if isinstance(operation, dict)
                else {}
            )
            if "*/*" in content:
                content["application/json"] = content.pop("*/*")
    for schema in spec["components"]["schemas"].values():
        for prop in schema.get("properties", {}).values():
            if "$ref" not in prop:
                prop["nullable"] = True
                if "enum" in prop:
                    prop["enum"] = [*prop["enum"], None]
    return spec


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    if not SPEC.exists():
        pytest.skip(f"Fortnox OpenAPI document not found at {SPEC} (shared/specs beside the repo)")
    return OpenAPI.from_dict(_patched(json.loads(SPEC.read_text())))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    process: SandboxProcess = start_sandbox(
        "fortnox", tmp_path_factory.mktemp("fortnox-spec"), "--no-rate-limit"
    )
    try:
        with api(process.base_url) as client:
            yield client
    finally:
        process.stop()


def call(
    openapi: OpenAPI,
    client: httpx.Client,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    """Send a request to the sandbox; validate it and its response against the document."""
    data = None if body is None else json.dumps(body).encode()
    response = client.request(method, path, content=data, params=params)
    request = MockRequest(SERVER, method.lower(), path, args=params or {}, data=data)
    openapi.validate_request(request)
    openapi.validate_response(
        request, MockResponse(response.content, status_code=response.status_code)
    )
    return response


def test_customers_match_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    customer = {
        "Name": "Spec Kund AB",
        "Email": "spec@example.se",
        "Address1": "Storgatan 1",
        "ZipCode": "114 35",
        "City": "Stockholm",
        "CountryCode": "SE",
        "Type": "COMPANY",
        "VATType": "SEVAT",
        "OrganisationNumber": "556677-8899",
        "DefaultDeliveryTypes": {"Invoice": "EMAIL"},
    }
    created = call(openapi, client, "POST", "/3/customers", {"Customer": customer})
    assert created.status_code == 201
    number = created.json()["Customer"]["CustomerNumber"]
    assert call(openapi, client, "GET", f"/3/customers/{number}").status_code == 200
    # The document marks Name (and CustomerNumber for orders) required on PUT as well.
    update = {"Customer": {"Name": "Spec Kund AB", "Phone1": "08-123"}}
    changed = call(openapi, client, "PUT", f"/3/customers/{number}", update)
    assert changed.json()["Customer"]["Phone1"] == "08-123"
    listed = call(openapi, client, "GET", "/3/customers", params={"email": "spec@example.se"})
    assert [item["CustomerNumber"] for item in listed.json()["Customers"]] == [number]
    assert call(openapi, client, "GET", "/3/customers").json()["Customers"]


def test_orders_match_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    customer = call(openapi, client, "POST", "/3/customers", {"Customer": {"Name": "Order AB"}})
    order = {
        "CustomerNumber": customer.json()["Customer"]["CustomerNumber"],
        "Currency": "EUR",
        "VATIncluded": True,
        "Freight": 5,
        "ExternalInvoiceReference1": "SPEC-1001",
        "YourOrderNumber": "1001",
        "DeliveryDate": "2026-12-01",
        "OrderRows": [
            {"ArticleNumber": "NB001-01-03", "OrderedQuantity": "2", "Price": 115.95, "VAT": 25},
            {"ArticleNumber": "NB013-01-01", "OrderedQuantity": "1", "Price": 17.95, "VAT": 6},
        ],
    }
    created = call(openapi, client, "POST", "/3/orders", {"Order": order})
    assert created.status_code == 201
    number = created.json()["Order"]["DocumentNumber"]
    assert call(openapi, client, "GET", f"/3/orders/{number}").status_code == 200
    update = {"Order": {"CustomerNumber": order["CustomerNumber"], "Remarks": "Tack"}}
    changed = call(openapi, client, "PUT", f"/3/orders/{number}", update)
    assert changed.json()["Order"]["Remarks"] == "Tack"
    params = {"externalinvoicereference1": "SPEC-1001"}
    listed = call(openapi, client, "GET", "/3/orders", params=params)
    assert [item["DocumentNumber"] for item in listed.json()["Orders"]] == [number]
    cancelled = call(openapi, client, "PUT", f"/3/orders/{number}/cancel")
    assert cancelled.json()["Order"]["Cancelled"] is True


def test_errors_match_the_spec_with_lowercase_keys(openapi: OpenAPI, client: httpx.Client) -> None:
    missing = call(openapi, client, "GET", "/3/customers/does-not-exist")
    assert missing.status_code == 404
    invalid = call(openapi, client, "POST", "/3/customers", {"Customer": {"Name": "X", "Y": 1}})
    assert invalid.status_code == 400
    for response in (missing, invalid):
        information = response.json()["ErrorInformation"]
        assert list(information) == ["error", "message", "code"]
        assert information["error"] == 1 and isinstance(information["code"], int)
