"""The Visma.net sandbox's real traffic checked against Visma's own OpenAPI document.

Every implemented monolith operation is called over loopback; the request bodies sent and the
responses received are validated with openapi-core. Known gaps of the document
(`shared/specs/README.md`, `shared/apis/vismanet.md` §7) are handled in memory, never in the
file: `date-time` accepts timestamps without offset, bodiless write responses and error
responses are not body-validated. Each place where the sandbox follows the live API instead of
the document is listed in `brygga.sandbox.vismanet.deviations` and asserted by a
`test_deviation_*` test below.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import InvalidRequestBody
from openapi_core.validation.response.exceptions import InvalidData, MissingData
from openapi_schema_validator import oas30_format_checker

from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.vismanet.app import create_app
from brygga.sandbox.vismanet.deviations import DEVIATIONS
from tests.sandbox.test_vismanet import CUSTOMER_TENANT, READ, api, key_of, message, wrap
from tests.support.processes import SandboxProcess, start_sandbox

SPEC = Path(__file__).resolve().parents[3] / "shared/specs/vismanet-erp-openapi.json"
SERVER = "https://api.finance.visma.net"
MAX_PAGE_SIZE = 50
CALLED: set[tuple[str, str]] = set()  # (method, path) of every validated call
# openapi-core cannot check the `serviceapi` OAuth scheme; the sandbox's tokens are tested apart.
pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")


def lenient_date_time(value: Any) -> bool:
    """RFC 3339 date-times, and the offset-less ones the live API also sends."""
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"Visma.net OpenAPI document not found at {SPEC} (shared/specs beside repo)")
    return json.loads(SPEC.read_text())


@pytest.fixture(scope="module")
def openapi(document: dict[str, Any]) -> OpenAPI:
    config = Config(extra_format_validators={"date-time": lenient_date_time})
    return OpenAPI.from_dict(document, config=config)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    env = {"BRYGGA_SANDBOX_VISMANET_MAX_PAGE_SIZE": str(MAX_PAGE_SIZE)}
    directory = tmp_path_factory.mktemp("vismanet-spec")
    process = start_sandbox("vismanet", directory, "--no-rate-limit", env=env)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def call(
    openapi: OpenAPI,
    client: httpx.Client,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Send a request; validate it and its (successful) response against the document."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} | (headers or {})
    response = client.request(method, path, content=data, params=params, headers=sent)
    assert response.status_code < 400, response.text
    request = MockRequest(
        SERVER, method.lower(), path, args=params or {}, data=data, headers=headers or {}
    )
    openapi.validate_request(request)
    CALLED.add((method.upper(), path))
    if response.content:
        content_type = response.headers["content-type"].split(";")[0]
        openapi.validate_response(
            request,
            MockResponse(
                response.content, status_code=response.status_code, content_type=content_type
            ),
        )
    else:  # deviation "bodiless-writes"
        assert response.status_code in (200, 201, 204)
    return response


def test_customers_match_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    body = wrap(
        {
            "name": "Spec Kund AB",
            "corporateId": "556677-8899",
            "customerClassId": "1",
            "mainAddress": {"addressLine1": "Storgatan 1", "postalCode": "114 35",
                            "city": "Stockholm", "countryId": "SE"},
            "mainContact": {"name": "Spec", "email": "spec@example.se", "phone1": "08-123"},
        }
    )  # fmt: skip
    number = key_of(call(openapi, client, "POST", "/v1/customer", body))
    read = call(openapi, client, "GET", f"/v1/customer/{number}").json()
    update = wrap({"mainContact": {"phone1": "08-456"}}) | {"overrideWithClassValues": False}
    call(openapi, client, "PUT", f"/v1/customer/{number}", update)
    internal = f"/v1/customer/internal/{read['internalId']}"
    call(openapi, client, "PUT", internal, wrap({"vatRegistrationId": "SE556677889901"}))
    assert call(openapi, client, "GET", internal).json()["mainContact"]["phone1"] == "08-456"
    params = {"email": "spec@example.se", "pageNumber": "1", "pageSize": "10"}
    listed = call(openapi, client, "GET", "/v1/customer", params=params).json()
    assert [customer["number"] for customer in listed] == [number]


def test_inventory_matches_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    body = wrap(
        {"inventoryNumber": "SPEC-1", "description": "Spec item", "itemClass": "1",
         "type": "FinishedGoodItem", "vatCode": "2", "defaultPrice": 100, "baseUnit": "ST"}
    )  # fmt: skip
    number = key_of(call(openapi, client, "POST", "/v1/inventory", body))
    read = call(openapi, client, "GET", f"/v1/inventory/{number}").json()
    call(openapi, client, "PUT", f"/v1/inventory/{number}", wrap({"description": "Spec 2"}))
    call(openapi, client, "GET", f"/v1/inventory/internal/{read['inventoryId']}")
    barcode = wrap({"alternateType": "Barcode", "alternateID": "7350000000016", "uom": "ST"})
    call(openapi, client, "POST", f"/v1/inventory/{number}/crossReferences", barcode)
    references = call(openapi, client, "GET", f"/v1/inventory/{number}/crossReferences").json()
    assert [ref["alternateID"] for ref in references] == ["7350000000016"]
    params = {"pageNumber": "2", "pageSize": "10", "expandWarehouseDetail": "true"}
    assert len(call(openapi, client, "GET", "/v1/inventory", params=params).json()) == 10
    summary = call(openapi, client, "GET", "/v1/inventorysummary/NB001-01-01").json()
    assert summary[0]["inventory"]["number"] == "NB001-01-01"


@pytest.mark.parametrize(
    ("collection", "create", "lines"),
    [
        ("/v1/customerinvoice", "/v2/customerinvoice", "invoiceLines"),
        ("/v1/customerCreditNote", "/v2/customerCreditNote", "lines"),
    ],
)
def test_documents_match_the_spec(
    openapi: OpenAPI, client: httpx.Client, collection: str, create: str, lines: str
) -> None:
    line = wrap({"inventoryNumber": "NB001-01-01", "quantity": 1, "unitPriceInCurrency": 100})
    header = {"customerNumber": "10001", "documentDate": "2026-09-01T00:00:00"}
    body = wrap(header | {"externalReference": "SPEC"}) | {lines: [line | {"operation": "Insert"}]}
    number = key_of(call(openapi, client, "POST", create, body))
    deprecated = key_of(call(openapi, client, "POST", collection, body))
    edit = {lines: [wrap({"lineNumber": 1, "quantity": 2}) | {"operation": "Update"}]}
    call(openapi, client, "PUT", f"{collection}/{number}", edit)
    call(openapi, client, "DELETE", f"{collection}/{deprecated}")
    released = call(openapi, client, "POST", f"{collection}/{number}/action/release").json()
    assert released["actionResult"] == "Done"
    read = call(openapi, client, "GET", f"{collection}/{number}").json()
    assert read["status"] == "Open" and read["taxDetails"][0]["vatRate"] == 25
    params = {"externalReference": "SPEC", "expandTaxDetails": "true", "pageSize": "10"}
    listed = call(openapi, client, "GET", collection, params=params).json()
    assert [document["referenceNumber"] for document in listed] == [number]


def test_customer_payments_match_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    line = wrap({"inventoryNumber": "NB001-01-01", "quantity": 1, "unitPriceInCurrency": 100})
    invoice = wrap({"customerNumber": "10002"}) | {"invoiceLines": [line | {"operation": "Insert"}]}
    number = key_of(client.post("/v2/customerinvoice", json=invoice))
    client.post(f"/v1/customerinvoice/{number}/action/release").raise_for_status()
    applied = wrap({"documentType": "Invoice", "refNbr": number, "amountPaid": 50})
    body = wrap(
        {"type": "Payment", "customer": "10002", "applicationDate": "2026-09-02T00:00:00",
         "paymentRef": "psp_spec", "paymentMethod": "KORT", "currency": "SEK",
         "paymentAmount": 50}
    ) | {"paymentLines": [applied | {"operation": "Insert"}]}  # fmt: skip
    payment = key_of(call(openapi, client, "POST", "/v1/customerPayment", body))
    call(openapi, client, "PUT", f"/v1/customerPayment/{payment}", wrap({"invoiceText": "Spec"}))
    action = f"/v1/customerPayment/{payment}/action/release"
    released = call(openapi, client, "POST", action, wrap({"type": "Payment"})).json()
    assert released["actionResult"] == "Done"
    read = call(openapi, client, "GET", f"/v1/customerPayment/{payment}").json()
    assert (read["status"], read["paymentLines"][0]["balance"]) == ("Closed", 75)
    params = {"invoiceRefNbr": number, "pageNumber": "1", "pageSize": "10"}
    listed = call(openapi, client, "GET", "/v1/customerPayment", params=params).json()
    assert [entry["refNbr"] for entry in listed] == [payment]


def test_reference_data_matches_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    rate = wrap({"fromCurrencyId": "EUR", "toCurrencyId": "SEK", "rateType": "SPOT",
                 "effectiveDate": "2026-10-01T00:00:00", "rate": 11.5,
                 "multDiv": "Multiply"})  # fmt: skip
    call(openapi, client, "POST", "/v2/currencyrate", rate)
    params = {"fromCurrency": "EUR", "fromDate": "2026-09-01T00:00:00"}
    rates = call(openapi, client, "GET", "/v2/currencyrate", params=params).json()
    assert [entry["rate"] for entry in rates] == [11.5]
    call(openapi, client, "PUT", f"/v2/currencyrate/{rates[0]['id']}", wrap({"rate": 11.4}))
    assert len(call(openapi, client, "GET", "/v1/vatCategory").json()) == 8
    assert call(openapi, client, "GET", "/v1/vatCategory/3").json()["description"] == "Moms 6 %"
    assert len(call(openapi, client, "GET", "/v1/vatZone").json()) == 5
    assert call(openapi, client, "GET", "/v1/vatZone/02").json()["defaultVatCategory"] == "4"


def test_the_company_setup_matches_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    (organization,) = call(openapi, client, "GET", "/v1/organization").json()
    assert (organization["name"], organization["baseCurrency"]) == ("Brygga Demo AB", "SEK")
    currencies = call(openapi, client, "GET", "/v1/currency").json()
    assert [(c["id"], c["isBaseCurrency"]) for c in currencies] == [
        ("SEK", True), ("DKK", False), ("EUR", False), ("NOK", False), ("USD", False)
    ]  # fmt: skip
    params = {"active": "true", "branch": "1"}
    warehouses = call(openapi, client, "GET", "/v1/warehouse", params=params).json()
    assert [(w["warehouseID"], w["description"]) for w in warehouses] == [("1", "Huvudlager")]
    assert call(openapi, client, "GET", "/v1/warehouse", params={"active": "false"}).json() == []
    methods = call(openapi, client, "GET", "/v1/paymentmethod").json()
    assert [(m["paymentMethodID"], m["meansOfPayment"]) for m in methods] == [
        ("KORT", "CreditCard"), ("BANKGIRO", "DirectDeposit"), ("PRESENTKORT", "CashOrCheck")
    ]  # fmt: skip


def test_background_calls_match_the_spec(openapi: OpenAPI, client: httpx.Client) -> None:
    background = {"erp-api-background": "none"}
    accepted = call(openapi, client, "GET", "/v1/vatZone/03", headers=background)
    assert accepted.status_code == 202
    job = accepted.json()["id"]
    state = call(openapi, client, "GET", f"/v1/background/{job}").json()
    assert state["statusCode"] == 200 and state["hasResponseContent"]
    content = call(openapi, client, "GET", f"/v1/background/{job}/content")
    assert content.json()["description"] == "Export"


# --- Deviations: the sandbox follows the live API here ----------------------------------------


def test_deviation_bodiless_writes(openapi: OpenAPI, client: httpx.Client) -> None:
    created = client.post("/v1/customer", json=wrap({"name": "Tom AB"}))
    number = key_of(created)  # 201, empty body, Location
    request = MockRequest(SERVER, "post", "/v1/customer", data=b'{"name": {"value": "Tom AB"}}')
    with pytest.raises(MissingData):
        openapi.validate_response(request, MockResponse(created.content, status_code=201))
    put = client.put(f"/v1/customer/{number}", json=wrap({"name": "Tom 2 AB"}))
    assert put.status_code == 204 and put.content == b""
    put_request = MockRequest(SERVER, "put", f"/v1/customer/{number}", data=b"{}")
    with pytest.raises(MissingData):
        openapi.validate_response(put_request, MockResponse(put.content, status_code=204))


def test_deviation_undeclared_errors(
    openapi: OpenAPI, client: httpx.Client, sandbox: SandboxProcess
) -> None:
    missing = client.get("/v1/customer/does-not-exist")
    assert missing.status_code == 404 and message(missing)
    with api(sandbox.base_url, tenant_id=CUSTOMER_TENANT) as refused_client:
        refused = refused_client.get("/v1/customer/10001")
    assert refused.status_code == 401 and refused.json()["ExceptionType"] == "IPPException"
    request = MockRequest(SERVER, "get", "/v1/customer/does-not-exist")
    for response in (missing, refused):
        with pytest.raises(ResponseNotFound):
            openapi.validate_response(
                request, MockResponse(response.content, status_code=response.status_code)
            )


def test_deviation_rate_limit(document: dict[str, Any], client: httpx.Client) -> None:
    response = client.get("/v1/vatZone")
    assert response.headers["x-ratelimit-policy"] == "4-fixed-window"
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
        response.headers
    )
    operations = [
        operation
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert not any("429" in operation["responses"] for operation in operations)
    declared = {
        header.lower()
        for operation in operations
        for answer in operation["responses"].values()
        for header in answer.get("headers", {})
    }
    assert not any(header.startswith("x-ratelimit") for header in declared)


def test_deviation_scopes(document: dict[str, Any], sandbox: SandboxProcess) -> None:
    flows = document["components"]["securitySchemes"]["serviceapi"]["flows"]
    assert flows["clientCredentials"]["scopes"] == {}
    with api(sandbox.base_url, scope=READ) as reader:
        assert reader.get("/v1/vatZone").status_code == 200
        assert reader.post("/v1/customer", json=wrap({"name": "X"})).status_code == 403


def test_deviation_offset_less_timestamps(openapi: OpenAPI, client: httpx.Client) -> None:
    stamp = client.get("/v1/customer/10001").json()["lastModifiedDateTime"]
    assert not oas30_format_checker.conforms(stamp, "date-time")
    assert lenient_date_time(stamp)
    call(openapi, client, "GET", "/v1/customer/10001")  # valid with the relaxed format


def test_deviation_explicit_null(openapi: OpenAPI, client: httpx.Client) -> None:
    body = {"name": {"value": "Null AB"}, "vatRegistrationId": {"value": None}}
    request = MockRequest(SERVER, "post", "/v1/customer", data=json.dumps(body).encode())
    with pytest.raises(InvalidRequestBody):
        openapi.validate_request(request)
    number = key_of(client.post("/v1/customer", json=body))
    assert client.get(f"/v1/customer/{number}").json()["name"] == "Null AB"


def test_deviation_page_cap(openapi: OpenAPI, client: httpx.Client) -> None:
    params = {"pageNumber": "1", "pageSize": "500"}
    page = call(openapi, client, "GET", "/v1/inventory", params=params).json()
    assert len(page) == MAX_PAGE_SIZE and page[0]["metadata"]["maxPageSize"] == MAX_PAGE_SIZE
    assert page[0]["metadata"]["totalCount"] > MAX_PAGE_SIZE


def test_deviation_b64_ids(openapi: OpenAPI, client: httpx.Client) -> None:
    sku = "NB001-01-02"
    encoded = base64.urlsafe_b64encode(sku.encode()).decode().rstrip("=")
    read = call(openapi, client, "GET", f"/v1/inventory/b64({encoded})").json()
    assert read["inventoryNumber"] == sku


def test_deviation_business_rules(openapi: OpenAPI, client: httpx.Client) -> None:
    body = wrap({"corporateId": "556000-0000"})  # no name
    openapi.validate_request(
        MockRequest(SERVER, "post", "/v1/customer", data=json.dumps(body).encode())
    )
    refused = client.post("/v1/customer", json=body)
    assert refused.status_code == 400 and "'Customer Name' cannot be empty" in message(refused)
    item = wrap({"inventoryNumber": "NO-CLASS"})
    openapi.validate_request(
        MockRequest(SERVER, "post", "/v1/inventory", data=json.dumps(item).encode())
    )
    assert client.post("/v1/inventory", json=item).status_code == 400


def test_deviation_background_content(openapi: OpenAPI, client: httpx.Client) -> None:
    job = client.get("/v1/vatZone", headers={"erp-api-background": "none"}).json()["id"]
    content = client.get(f"/v1/background/{job}/content")
    # The list, as sent.
    assert [zone["id"] for zone in content.json()] == ["01", "02", "03", "11", "12"]
    request = MockRequest(SERVER, "get", f"/v1/background/{job}/content")
    with pytest.raises(InvalidData):
        openapi.validate_response(request, MockResponse(content.content, status_code=200))


def test_deviation_salesorders_v3(document: dict[str, Any], client: httpx.Client) -> None:
    assert not [path for path in document["paths"] if path.lower().startswith("/api/v3")]
    created = client.post("/api/v3/SalesOrders", json={"type": "SO", "customer": {"id": "10001"}})
    assert created.status_code == 201 and created.headers["etag"]


def test_every_sandbox_operation_was_validated(document: dict[str, Any]) -> None:
    """Every monolith route of the sandbox is in the document and was called above."""
    if not CALLED:
        pytest.skip("run the whole module: the earlier tests record the calls")

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    templates = sorted(document["paths"], key=lambda path: path.count("{"))
    patterns = [(re.compile(shape(path).replace("{}", "[^/]+") + "$"), path) for path in templates]

    def template(path: str) -> str:
        return next(template for pattern, template in patterns if pattern.match(path))

    served = {
        (method.upper(), shape(path))
        for path, operations in create_app(SandboxConfig()).openapi()["paths"].items()
        if path.startswith(("/v1/", "/v2/"))
        for method in operations
    }
    documented = {
        (method.upper(), shape(path))
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    assert served <= documented, served - documented
    assert served == {(method, shape(template(path))) for method, path in CALLED}


def test_every_deviation_is_asserted() -> None:
    asserted = {
        name.removeprefix("test_deviation_").replace("_", "-")
        for name in globals()
        if name.startswith("test_deviation_")
    }
    assert asserted == set(DEVIATIONS)
