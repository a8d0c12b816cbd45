"""The Fortnox sandbox's real traffic checked against Fortnox's own OpenAPI document.

Every operation the sandbox serves is called here at least once, and each request body the
tests send and each response is validated (the last test checks the coverage against the
sandbox's routes). Known gaps of the document are patched in memory, never in the file, by
`brygga.sandbox.fortnox.deviations` — the one list of where the sandbox (like the live API)
deviates. The document models ErrorInformation as `Error/Message/Code` and allows extra keys, so
the live lowercase casing is asserted separately. Request bodies use the spec's types (string
quantities) and send the fields the document marks required, also on PUT.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.fortnox import deviations
from brygga.sandbox.fortnox.app import create_app
from tests.sandbox.test_fortnox import api
from tests.support.processes import SandboxProcess, start_sandbox

SPEC = Path(__file__).parents[3] / "shared/specs/fortnox-openapi-3.json"
SERVER = "https://api.fortnox.se"
SKU = "NB001-01-03"
CALLED: set[tuple[str, str]] = set()  # (method, spec path template) of every validated call


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"Fortnox OpenAPI document not found at {SPEC} (shared/specs beside the repo)")
    return deviations.patched(json.loads(SPEC.read_text()))


@pytest.fixture(scope="module")
def openapi(spec: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(spec)


@pytest.fixture(scope="module")
def templates(spec: dict[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    """Spec paths as patterns, the most literal first (`/3/prices/sublist/...` before
    `/3/prices/{PriceList}/{ArticleNumber}/{FromQuantity}`)."""
    paths = sorted(spec["paths"], key=lambda path: path.count("{"))
    return [(re.compile(re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in paths]


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


@pytest.fixture
def call(
    openapi: OpenAPI, client: httpx.Client, templates: list[tuple[re.Pattern[str], str]]
) -> Any:
    def send(
        method: str, path: str, body: dict[str, Any] | None = None, **params: str
    ) -> httpx.Response:
        """Send a request to the sandbox; validate it and its response against the document."""
        data = None if body is None else json.dumps(body).encode()
        response = client.request(method, path, content=data, params=params)
        request = MockRequest(SERVER, method.lower(), path, args=params, data=data)
        openapi.validate_request(request)
        openapi.validate_response(
            request, MockResponse(response.content, status_code=response.status_code)
        )
        CALLED.add((method, next(t for pattern, t in templates if pattern.match(path))))
        return response

    return send


def created(response: httpx.Response, wrapper: str) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()[wrapper]


def ok(response: httpx.Response, wrapper: str | None = None) -> Any:
    assert response.status_code == 200, response.text
    return response.json() if wrapper is None else response.json()[wrapper]


def test_customers_match_the_spec(call: Any) -> None:
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
    number = created(call("POST", "/3/customers", {"Customer": customer}), "Customer")[
        "CustomerNumber"
    ]
    ok(call("GET", f"/3/customers/{number}"))
    # The document marks Name (and CustomerNumber for orders) required on PUT as well.
    update = {"Customer": {"Name": "Spec Kund AB", "Phone1": "08-123"}}
    assert ok(call("PUT", f"/3/customers/{number}", update), "Customer")["Phone1"] == "08-123"
    listed = ok(call("GET", "/3/customers", email="spec@example.se"), "Customers")
    assert [item["CustomerNumber"] for item in listed] == [number]
    assert ok(call("GET", "/3/customers"), "Customers")
    other = created(call("POST", "/3/customers", {"Customer": {"Name": "Borta AB"}}), "Customer")
    assert call("DELETE", f"/3/customers/{other['CustomerNumber']}").status_code == 204


def order_body(customer: str, reference: str) -> dict[str, Any]:
    return {
        "CustomerNumber": customer,
        "Currency": "EUR",
        "VATIncluded": True,
        "Freight": 5,
        "ExternalInvoiceReference1": reference,
        "YourOrderNumber": "1001",
        "DeliveryDate": "2026-12-01",
        "OrderRows": [
            {"ArticleNumber": SKU, "OrderedQuantity": "2", "Price": 115.95, "VAT": 25},
            {"ArticleNumber": "NB013-01-01", "OrderedQuantity": "1", "Price": 17.95, "VAT": 6},
        ],
    }


def test_orders_match_the_spec(call: Any) -> None:
    customer = created(call("POST", "/3/customers", {"Customer": {"Name": "Order AB"}}), "Customer")
    body = order_body(customer["CustomerNumber"], "SPEC-1001")
    number = created(call("POST", "/3/orders", {"Order": body}), "Order")["DocumentNumber"]
    ok(call("GET", f"/3/orders/{number}"))
    update = {"Order": {"CustomerNumber": body["CustomerNumber"], "Remarks": "Tack"}}
    assert ok(call("PUT", f"/3/orders/{number}", update), "Order")["Remarks"] == "Tack"
    listed = ok(call("GET", "/3/orders", externalinvoicereference1="SPEC-1001"), "Orders")
    assert [item["DocumentNumber"] for item in listed] == [number]
    assert ok(call("PUT", f"/3/orders/{number}/externalprint"), "Order")["Sent"] is True
    assert ok(call("PUT", f"/3/orders/{number}/cancel"), "Order")["Cancelled"] is True
    second = created(call("POST", "/3/orders", {"Order": body}), "Order")["DocumentNumber"]
    invoice = ok(call("PUT", f"/3/orders/{second}/createinvoice"), "Invoice")
    assert invoice["OrderReference"] == second


def test_invoices_and_their_actions_match_the_spec(call: Any) -> None:
    customer = created(
        call("POST", "/3/customers", {"Customer": {"Name": "Faktura AB"}}), "Customer"
    )
    body = {
        "CustomerNumber": customer["CustomerNumber"],
        "InvoiceDate": "2026-05-01",
        "ExternalInvoiceReference1": "SPEC-INV-1",
        "YourOrderNumber": "SPEC-2002",
        "Freight": 25,
        "AdministrationFee": 50,
        "PaymentWay": "CARD",
        "EmailInformation": {"EmailAddressTo": "faktura@example.se"},
        "EDIInformation": {"EDIGlobalLocationNumber": "7300009000000"},
        "InvoiceRows": [{"ArticleNumber": SKU, "DeliveredQuantity": "1", "Price": 100, "VAT": 25}],
    }
    invoice = created(call("POST", "/3/invoices", {"Invoice": body}), "Invoice")
    number = invoice["DocumentNumber"]
    assert invoice["Total"] == 219 and invoice["Credit"] == "false"
    ok(call("GET", f"/3/invoices/{number}"))
    update = {"Invoice": {"CustomerNumber": body["CustomerNumber"], "Remarks": "Tack"}}
    assert ok(call("PUT", f"/3/invoices/{number}", update), "Invoice")["Remarks"] == "Tack"
    for filter_ in ("unpaid", "unbooked", "fullypaid", "cancelled", "unpaidoverdue"):
        ok(call("GET", "/3/invoices", filter=filter_))
    found = ok(call("GET", "/3/invoices", yourordernumber="SPEC-2002"), "Invoices")
    assert [item["DocumentNumber"] for item in found] == [number]
    assert ok(call("PUT", f"/3/invoices/{number}/externalprint"), "Invoice")["Sent"] is True
    assert ok(call("PUT", f"/3/invoices/{number}/warehouseready"), "Invoice")["WarehouseReady"]
    assert ok(call("PUT", f"/3/invoices/{number}/bookkeep"), "Invoice")["Booked"] is True
    original = ok(call("PUT", f"/3/invoices/{number}/credit"), "Invoice")
    assert original["DocumentNumber"] == number and original["CreditInvoiceReference"] != "0"

    partial = body | {
        "CreditInvoiceReference": created(
            call("POST", "/3/invoices", {"Invoice": body}), "Invoice"
        )["DocumentNumber"],
        "InvoiceRows": [
            {"Description": "Retur", "DeliveredQuantity": "-1", "Price": 40, "VAT": 25}
        ],
    }
    credit = created(call("POST", "/3/invoices", {"Invoice": partial}), "Invoice")
    assert credit["Credit"] == "true"
    cancelled = ok(call("PUT", f"/3/invoices/{credit['DocumentNumber']}/cancel"), "Invoice")
    assert cancelled["Cancelled"] is True


def test_invoice_payments_match_the_spec(call: Any) -> None:
    customer = created(
        call("POST", "/3/customers", {"Customer": {"Name": "Betalar AB"}}), "Customer"
    )
    row = {"Description": "Rad", "DeliveredQuantity": "1", "Price": 80, "VAT": 25}
    body = {"CustomerNumber": customer["CustomerNumber"], "InvoiceRows": [row]}
    invoice = created(call("POST", "/3/invoices", {"Invoice": body}), "Invoice")
    number = int(invoice["DocumentNumber"])
    payment_body = {
        "InvoiceNumber": number,
        "Amount": 60,
        "ModeOfPayment": "BG",
        "WriteOffs": [{"AccountNumber": 6570, "Amount": 1, "Description": "Bankavgift"}],
    }
    payment = created(
        call("POST", "/3/invoicepayments", {"InvoicePayment": payment_body}), "InvoicePayment"
    )
    paid = ok(call("GET", f"/3/invoices/{number}"), "Invoice")
    assert paid["Balance"] == 39  # 100 - 60 - 1 written off
    path = f"/3/invoicepayments/{payment['Number']}"
    ok(call("GET", path))
    changed = ok(call("PUT", path, {"InvoicePayment": {"InvoiceNumber": number, "Amount": 99}}))
    assert changed["InvoicePayment"]["AmountCurrency"] == 99
    listed = ok(call("GET", "/3/invoicepayments", invoicenumber=str(number)), "InvoicePayments")
    assert [item["Number"] for item in listed] == [payment["Number"]]
    ok(call("PUT", f"/3/invoices/{number}/bookkeep"))
    assert ok(call("PUT", f"{path}/bookkeep"), "InvoicePayment")["Booked"] is True
    spare = created(
        call(
            "POST", "/3/invoicepayments", {"InvoicePayment": {"InvoiceNumber": number, "Amount": 1}}
        ),
        "InvoicePayment",
    )
    assert call("DELETE", f"/3/invoicepayments/{spare['Number']}").status_code == 204


def test_articles_prices_and_currencies_match_the_spec(call: Any) -> None:
    sku = f"SPEC-{uuid.uuid4().hex[:6]}"
    article = {
        "ArticleNumber": sku,
        "Description": "Spec-mössa",
        "StockGoods": True,
        "QuantityInStock": 4,
        "PurchasePrice": 50,
        "VAT": 25,
        "Unit": "st",
    }
    created(call("POST", "/3/articles", {"Article": article}), "Article")
    ok(call("GET", f"/3/articles/{sku}"))
    change = {"Article": {"Description": "Spec-mössa", "QuantityInStock": 6}}
    assert ok(call("PUT", f"/3/articles/{sku}", change), "Article")["DisposableQuantity"] == 6
    assert ok(call("GET", "/3/articles", articlenumber=sku), "Articles")

    price_list = {"Code": "SPEC", "Description": "Spec-lista"}
    created(call("POST", "/3/pricelists", {"PriceList": price_list}), "PriceList")
    ok(call("GET", "/3/pricelists/SPEC"))
    ok(call("PUT", "/3/pricelists/SPEC", {"PriceList": price_list | {"Comments": "Test"}}))
    assert ok(call("GET", "/3/pricelists"), "PriceLists")
    base = {"PriceList": "A", "ArticleNumber": sku, "Price": 199}
    created(call("POST", "/3/prices", {"Price": base}), "Price")
    created(
        call("POST", "/3/prices", {"Price": base | {"FromQuantity": 10, "Price": 179}}), "Price"
    )
    ok(call("GET", f"/3/prices/A/{sku}"))
    ok(call("PUT", f"/3/prices/A/{sku}", {"Price": base | {"Price": 189}}))
    ok(call("GET", f"/3/prices/A/{sku}/10"))
    ok(call("PUT", f"/3/prices/A/{sku}/10", {"Price": base | {"Price": 169}}))
    assert len(ok(call("GET", f"/3/prices/sublist/A/{sku}"), "Prices")) == 2
    assert ok(call("GET", "/3/prices"), "Prices")
    assert call("DELETE", f"/3/prices/A/{sku}/10").status_code == 204
    assert ok(call("GET", f"/3/articles/{sku}"), "Article")["SalesPrice"] == 189

    currency = {"Code": "PLN", "Description": "Polsk zloty", "BuyRate": 2.6, "SellRate": 2.7}
    created(call("POST", "/3/currencies", {"Currency": currency}), "Currency")
    ok(call("GET", "/3/currencies/PLN"))
    ok(call("PUT", "/3/currencies/PLN", {"Currency": currency | {"SellRate": 2.8}}))
    assert ok(call("GET", "/3/currencies"), "Currencies")
    assert call("DELETE", "/3/currencies/PLN").status_code == 204

    balances = ok(call("GET", "/api/warehouse/status-v1/stockbalance", itemIds=sku))
    assert balances == [
        {"itemId": sku, "stockPointCode": "HUVUDLAGER", "availableStock": 6, "inStock": 6}
    ]
    assert call("DELETE", f"/3/articles/{sku}").status_code == 204


def test_accounts_match_the_spec(call: Any) -> None:
    numbers = [item["Number"] for item in ok(call("GET", "/3/accounts"), "Accounts")]
    assert 3001 in numbers and numbers == sorted(numbers)
    found = ok(call("GET", "/3/accounts", sru="7413", sortby="number"), "Accounts")
    assert [item["Number"] for item in found] == [3990]
    assert ok(call("GET", "/3/accounts/3990"), "Account")["Active"] is False
    # The document marks Description and Number required on PUT as well.
    update = {"Account": {"Number": 3990, "Description": "Övriga intäkter", "SRU": 7413}}
    assert ok(call("PUT", "/3/accounts/3990", update), "Account")["Description"] == (
        "Övriga intäkter"
    )
    assert call("GET", "/3/accounts/9999").status_code == 404


def test_company_modes_of_payment_and_stock_points_match_the_spec(call: Any) -> None:
    company = ok(call("GET", "/3/companyinformation"), "CompanyInformation")
    assert (company["CompanyName"], company["DatabaseNumber"]) == ("Brygga Demo AB", 1234567)
    modes = ok(call("GET", "/3/modesofpayments"), "ModesOfPayments")
    assert [(mode["Code"], mode["AccountNumber"]) for mode in modes] == [
        ("BG", "1930"), ("KORT", "1580"), ("PRESENTKORT", "2421")
    ]  # fmt: skip
    points = ok(call("GET", "/api/warehouse/stockpoints-v1"))
    assert [(point["code"], point["name"], point["active"]) for point in points] == [
        ("HUVUDLAGER", "Huvudlager", True)
    ]
    assert ok(call("GET", "/api/warehouse/stockpoints-v1", q="huvud", state="ALL")) == points
    assert ok(call("GET", "/api/warehouse/stockpoints-v1", state="INACTIVE")) == []
    assert ok(call("GET", "/api/warehouse/stockpoints-v1", q="NOPE")) == []


def test_errors_match_the_spec_with_lowercase_keys(call: Any) -> None:
    missing = call("GET", "/3/customers/does-not-exist")
    assert missing.status_code == 404
    invalid = call("POST", "/3/customers", {"Customer": {"Name": "X", "Y": 1}})
    assert invalid.status_code == 400
    locked = call("PUT", "/3/invoices/987654/bookkeep")
    assert locked.status_code == 404
    for response in (missing, invalid, locked):
        information = response.json()["ErrorInformation"]
        assert list(information) == ["error", "message", "code"]
        assert information["error"] == 1 and isinstance(information["code"], int)
    warehouse = call(
        "GET", "/api/warehouse/status-v1/stockbalance", itemIds=SKU, stockPointCodes="NOPE"
    )
    assert warehouse.status_code == 404 and set(warehouse.json()) == {"error", "id", "message"}


def test_every_sandbox_operation_was_validated(spec: dict[str, Any]) -> None:
    """Runs last: every REST route of the sandbox is in the document and was called above."""
    if not CALLED:
        pytest.skip("run the whole module: the earlier tests record the calls")

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    served = {
        (method.upper(), shape(path))
        for path, operations in create_app(SandboxConfig()).openapi()["paths"].items()
        if path.startswith(("/3/", "/api/"))
        for method in operations
    }
    documented = {
        (method.upper(), shape(path))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    assert served <= documented, served - documented
    assert served == {(method, shape(path)) for method, path in CALLED}
