"""The Visma.net sandbox as a connector meets it: a real process, over loopback HTTP."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from brygga.sandbox import seed
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

CLIENT = "isv_brygga_demo"
SECRET = "brygga-demo-secret"
TENANT = "3f2b8c1e-5a47-4d1b-9c0e-7e6f5d4c3b2a"
CUSTOMER_TENANT = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
READ = "vismanet_erp_service_api:read"
SCOPE = (
    "vismanet_erp_service_api:read vismanet_erp_service_api:create"
    " vismanet_erp_service_api:update vismanet_erp_service_api:delete"
    " visma.net.erp.salesorder:read visma.net.erp.salesorder:write"
)
RATE_HEADERS = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}


def token_response(base_url: str, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT,
        "client_secret": SECRET,
        "tenant_id": TENANT,
        "scope": SCOPE,
    }
    return httpx.post(f"{base_url}/connect/token", data=form | overrides)


def api(base_url: str, **overrides: str) -> httpx.Client:
    response = token_response(base_url, **overrides)
    assert response.status_code == 200, response.text
    bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return httpx.Client(base_url=base_url, headers=bearer)


def wrap(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values in the DtoValue wrapper, nested dicts included."""
    return {
        key: {"value": wrap(value) if isinstance(value, dict) else value}
        for key, value in values.items()
    }


def exact(response: httpx.Response) -> Any:
    return response.json(parse_float=Decimal)


def message(response: httpx.Response) -> str:
    """The ERP API's business error body: only `message`, starting with a VismaId."""
    body = response.json()
    assert list(body) == ["message"]
    assert body["message"].startswith("VismaId: ")
    return body["message"]


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """A SalesOrders V3 RFC 7807 problem."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


def key_of(response: httpx.Response) -> str:
    """The new record's key: the last segment of `Location` (§3.2)."""
    assert response.status_code == 201, response.text
    assert response.content == b""
    return response.headers["location"].rstrip("/").rsplit("/", 1)[1]


sandbox = sandbox_fixture("vismanet")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def new_customer(client: httpx.Client, **values: Any) -> str:
    body = wrap({"name": "Testbolaget AB"} | values)
    return key_of(client.post("/v1/customer", json=body))


# --- Visma Connect --------------------------------------------------------------------------


@pytest.mark.parametrize("auth_method", ["client_secret_post", "client_secret_basic"])
def test_authlib_client_credentials_with_tenant_and_scope(
    sandbox: SandboxProcess, auth_method: str
) -> None:
    with OAuth2Client(CLIENT, SECRET, scope=SCOPE, token_endpoint_auth_method=auth_method) as oauth:
        token = oauth.fetch_token(
            f"{sandbox.base_url}/connect/token", grant_type="client_credentials", tenant_id=TENANT
        )
        assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
        assert "refresh_token" not in token
        claims = jwt.decode(token["access_token"], options={"verify_signature": False})
        assert claims["tenant_id"] == TENANT and claims["client_id"] == CLIENT
        assert set(claims["scope"]) == set(SCOPE.split()) and claims["exp"] > time.time()
        listed = oauth.get(f"{sandbox.base_url}/v1/customer", params={"pageSize": "10"})
        assert listed.status_code == 200 and listed.json()[0]["number"] == "10001"


def test_token_errors_are_identityserver_400s(sandbox: SandboxProcess) -> None:
    with OAuth2Client(CLIENT, "wrong", scope=SCOPE) as oauth, pytest.raises(OAuthError) as error:
        oauth.fetch_token(
            f"{sandbox.base_url}/connect/token", grant_type="client_credentials", tenant_id=TENANT
        )
    assert error.value.error == "invalid_client"
    cases = {
        "invalid_client": {"client_secret": "wrong"},
        "invalid_tenant": {"tenant_id": "00000000-0000-0000-0000-000000000000"},
        "invalid_request": {"tenant_id": ""},
        "invalid_scope": {"scope": "vismanet_erp_interactive_api:read"},
        "unsupported_grant_type": {"grant_type": "password"},
    }
    for code, overrides in cases.items():
        response = token_response(sandbox.base_url, **overrides)
        assert response.status_code == 400
        assert response.json() == {"error": code}


def test_expired_token_is_refused_with_401(tmp_path: Path) -> None:
    ttl = {"BRYGGA_SANDBOX_VISMANET_TOKEN_TTL": "3"}
    process = start_sandbox("vismanet", tmp_path, "--no-rate-limit", env=ttl)
    try:
        with api(process.base_url) as client:
            # `exp` is whole seconds, so a 3 s token lives at least 2 s: time for one request.
            assert client.get("/v1/customer").status_code == 200
            time.sleep(4.1)
            expired = client.get("/v1/customer")
            assert expired.status_code == 401
            assert expired.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            assert "Authorization has been denied" in message(expired)
            assert problem(client.get("/api/v3/SalesOrders"), 401)
    finally:
        process.stop()


def test_customer_tenant_gets_a_token_but_the_ipp_refusal(sandbox: SandboxProcess) -> None:
    with api(sandbox.base_url, tenant_id=CUSTOMER_TENANT) as client:
        refused = client.get("/v1/customer")
        assert refused.status_code == 401
        body = refused.json()
        assert list(body) == [
            "ExceptionType",
            "ExceptionMessage",
            "ExceptionFaultCode",
            "ExceptionMessageID",
            "ExceptionDetails",
        ]
        assert body["ExceptionType"] == "IPPException" and body["ExceptionFaultCode"] == "12027"
        assert body["ExceptionMessage"] == "No license for this company."
        assert body["ExceptionMessageID"].startswith("12027_")


def test_scopes_are_enforced_per_operation(sandbox: SandboxProcess) -> None:
    with api(sandbox.base_url, scope=READ) as client:
        assert client.get("/v1/customer").status_code == 200
        refused = client.post("/v1/customer", json=wrap({"name": "Nope AB"}))
        assert refused.status_code == 403
        assert "vismanet_erp_service_api:create" in message(refused)
        assert set(refused.headers) >= RATE_HEADERS
        assert problem(client.get("/api/v3/SalesOrders"), 403)
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = httpx.get(f"{sandbox.base_url}/v1/customer", headers=headers)
        assert response.status_code == 401 and message(response)


# --- Customers, the value wrapper, paging, filters --------------------------------------------


def test_customer_crud_through_the_value_wrapper(client: httpx.Client) -> None:
    number = new_customer(
        client,
        name="Wrapper AB",
        corporateId="556677-8899",
        mainAddress={"addressLine1": "Storgatan 1", "postalCode": "211 22", "city": "Malmö",
                     "countryId": "SE"},
        mainContact={"name": "Karin", "email": "karin@wrapper.se", "phone1": "+46701234567"},
    )  # fmt: skip
    read = client.get(f"/v1/customer/{number}").json()
    assert read["name"] == "Wrapper AB" and read["status"] == "Active"
    assert read["mainAddress"]["country"] == {"id": "SE", "name": "Sweden"}
    assert read["customerClass"]["id"] == "1" and read["vatZone"]["id"] == "01"
    assert read["invoiceAddress"]["city"] == "Malmö"  # starts as a copy of the main address
    # PUT is partial: absent fields stay, and it answers 204 without a body.
    update = wrap({"mainContact": {"phone1": "+46709999999"}, "corporateId": "556677-0000"})
    changed = client.put(f"/v1/customer/{number}", json=update)
    assert changed.status_code == 204 and changed.content == b""
    read = client.get(f"/v1/customer/{number}").json()
    assert read["mainContact"] == read["mainContact"] | {
        "phone1": "+46709999999",
        "email": "karin@wrapper.se",
    }
    assert read["corporateId"] == "556677-0000" and read["name"] == "Wrapper AB"
    by_internal = client.get(f"/v1/customer/internal/{read['internalId']}").json()
    assert by_internal["number"] == number
    # Unwrapped values and wrongly typed leaves make the whole body unreadable.
    for body in ({"name": "Plain AB"}, {"name": {"value": {"nested": 1}}}):
        refused = client.post("/v1/customer", json=body)
        assert refused.status_code == 400
        assert message(refused).endswith("Data received not recognized as CustomerUpdateDto")
    missing = client.post("/v1/customer", json=wrap({"corporateId": "1"}))
    assert missing.status_code == 400 and "'Customer Name' cannot be empty" in message(missing)
    assert client.get("/v1/customer/nope").status_code == 404


def test_customer_number_series_and_override(client: httpx.Client) -> None:
    first, second = new_customer(client), new_customer(client, number="IGNORED")
    assert int(second) == int(first) + 1  # a number without overrideNumberSeries is ignored
    chosen = new_customer(client, number="SHOP-42", overrideNumberSeries=True)
    assert chosen == "SHOP-42"
    duplicate = client.post(
        "/v1/customer", json=wrap({"name": "X", "number": "SHOP-42", "overrideNumberSeries": True})
    )
    assert duplicate.status_code == 400 and "already exists" in message(duplicate)


def test_lists_are_paged_bare_arrays_with_metadata(client: httpx.Client) -> None:
    # The catalogue, and the bookkeeping items ROUNDING and SHIPPING.
    total = sum(len(product.skus) for product in seed.generate().products) + 2
    seen: list[str] = []
    for number in range(1, 100):
        page = client.get("/v1/inventory", params={"pageNumber": number, "pageSize": 50}).json()
        assert isinstance(page, list)
        assert all(item["metadata"] == {"totalCount": total, "maxPageSize": 1000} for item in page)
        seen += [item["inventoryNumber"] for item in page]
        if len(page) < 50:
            break
    assert len(seen) == len(set(seen)) == total
    beyond = client.get("/v1/inventory", params={"pageNumber": 99, "pageSize": 50})
    assert beyond.json() == []
    bad = client.get("/v1/inventory", params={"pageNumber": 0})
    assert bad.status_code == 400 and message(bad)


def test_page_size_above_the_maximum_is_capped_silently(tmp_path: Path) -> None:
    cap = {"BRYGGA_SANDBOX_VISMANET_MAX_PAGE_SIZE": "25"}
    process = start_sandbox("vismanet", tmp_path, "--no-rate-limit", env=cap)
    try:
        with api(process.base_url) as client:
            page = client.get("/v1/inventory", params={"pageNumber": 1, "pageSize": 500})
            assert page.status_code == 200 and len(page.json()) == 25
            assert page.json()[0]["metadata"]["maxPageSize"] == 25
    finally:
        process.stop()


def test_last_modified_date_time_filter(client: httpx.Client) -> None:
    number = new_customer(client, name="Changed Since AB")
    stamp = client.get(f"/v1/customer/{number}").json()["lastModifiedDateTime"]
    assert "+" not in stamp and not stamp.endswith("Z")  # monolith stamps carry no offset

    def numbers(condition: str, value: str = stamp) -> list[str]:
        params = {"lastModifiedDateTime": value, "lastModifiedDateTimeCondition": condition}
        response = client.get("/v1/customer", params=params | {"pageSize": 1000})
        assert response.status_code == 200, response.text
        return [customer["number"] for customer in response.json()]

    assert number in numbers(">=") and number not in numbers(">")
    assert number in numbers("<=") and "10001" in numbers("<")
    assert "10001" not in numbers(">=")  # seeded earlier
    assert number in numbers(">", "2020-01-01") and number in numbers(">=", stamp[:19])
    for params in (
        {"lastModifiedDateTime": stamp + "Z", "lastModifiedDateTimeCondition": ">"},
        {"lastModifiedDateTime": stamp[:19] + "+02:00", "lastModifiedDateTimeCondition": ">"},
        {"lastModifiedDateTime": stamp},
        {"lastModifiedDateTime": stamp, "lastModifiedDateTimeCondition": "=="},
    ):
        refused = client.get("/v1/customer", params=params)
        assert refused.status_code == 400 and message(refused)


def test_seeded_reference_data_items_and_customers(client: httpx.Client) -> None:
    data = seed.generate()
    sku = data.products[0].skus[0]
    item = client.get(f"/v1/inventory/{sku.sku}").json()
    assert item["stockItem"] and item["vatCode"]["id"] == "1"
    assert item["crossReferences"][0]["alternateID"] == sku.ean
    assert exact(client.get(f"/v1/inventory/{sku.sku}"))["defaultPrice"] == Decimal("1039.20")
    encoded = base64.urlsafe_b64encode(sku.sku.encode()).decode().rstrip("=")
    assert client.get(f"/v1/inventory/b64({encoded})").json()["inventoryNumber"] == sku.sku
    stock = client.get(f"/v1/inventorysummary/{sku.sku}").json()
    assert stock[0]["warehouse"]["id"] == "1"
    assert stock[0]["onHand"] == item["warehouseDetails"][0]["quantityOnHand"]
    rates = {rate["fromCurrencyId"]: rate for rate in exact(client.get("/v2/currencyrate"))}
    assert {code: rates[code]["rate"] for code in rates} == {
        code: rate for code, rate in seed.RATES_TO_SEK.items() if code != "SEK"
    }
    categories = client.get("/v1/vatCategory").json()
    assert [line["vatRates"][0]["vatRate"] for c in categories for line in c["vatCategoryLines"]
            if line["vatId"].startswith("M")] == [25, 12, 6, 0]  # fmt: skip
    customers = client.get("/v1/customer", params={"email": data.customers[0].email}).json()
    assert customers[0]["mainContact"]["phone1"] == data.customers[0].phone.replace(" ", "")
    invoices = client.get("/v1/CustomerInvoice").json()  # paths are case-insensitive
    seeded = [invoice for invoice in invoices if invoice["externalReference"].startswith("HIST-")]
    assert [invoice["status"] for invoice in seeded] == ["Open"] * 3


def test_item_cross_references_are_added_listed_and_refused_twice(client: httpx.Client) -> None:
    sku = seed.generate().products[1].skus[0].sku
    path = f"/v1/inventory/{sku}/crossReferences"
    before = client.get(path).json()
    body = wrap({"alternateType": "Global", "alternateID": "SUPPLIER-77"})
    added = client.post(path, json=body)
    assert added.status_code == 200 and added.json() == {}
    after = client.get(path).json()
    assert after[:-1] == [ref | {"timestamp": after[-1]["timestamp"]} for ref in before]
    assert (after[-1]["alternateType"], after[-1]["alternateID"]) == ("Global", "SUPPLIER-77")
    assert "already exists" in message(client.post(path, json=body))
    assert "mandatory" in message(client.post(path, json=wrap({"alternateType": "Barcode"})))
    unknown_type = wrap({"alternateType": "Sticker", "alternateID": "1"})
    assert client.post(path, json=unknown_type).status_code == 400
    assert client.post("/v1/inventory/NO-SUCH/crossReferences", json=body).status_code == 404
    found = client.get("/v1/inventory", params={"alternateID": "SUPPLIER-77"}).json()
    assert [item["inventoryNumber"] for item in found] == [sku]


# --- Invoices and credit notes -------------------------------------------------------------


def test_invoice_lifecycle_release_and_credit_note(client: httpx.Client) -> None:
    customer = new_customer(client, name="Faktura AB")
    line = wrap({"inventoryNumber": "NB001-01-01", "quantity": 2, "unitPriceInCurrency": 100})
    reduced = wrap({"inventoryNumber": "NB013-01-01", "quantity": 1, "unitPriceInCurrency": 50})
    body = wrap({"customerNumber": customer, "documentDate": "2026-09-01",
                 "externalReference": "SHOP-1001"}) | {
        "invoiceLines": [line | {"operation": "Insert"}, reduced | {"operation": "Insert"}]
    }  # fmt: skip
    number = key_of(client.post("/v2/customerinvoice", json=body))
    invoice = exact(client.get(f"/v1/customerinvoice/{number}"))
    assert invoice["status"] == "Balanced" and invoice["documentType"] == "Invoice"
    assert invoice["vatTotal"] == Decimal("53.00")  # 25 % of 200 + 6 % of 50
    assert invoice["amount"] == invoice["balance"] == Decimal("303.00")
    assert invoice["documentDueDate"] == "2026-10-01T00:00:00"
    # Edits before release: update line 2, delete nothing, header text.
    edit = wrap({"invoiceText": "Tack"}) | {
        "invoiceLines": [wrap({"lineNumber": 2, "quantity": 2}) | {"operation": "Update"}]
    }
    assert client.put(f"/v1/customerinvoice/{number}", json=edit).status_code == 204
    assert exact(client.get(f"/v1/customerinvoice/{number}"))["amount"] == Decimal("356.00")
    released = client.post(f"/v1/customerinvoice/{number}/action/release")
    assert released.status_code == 200 and released.json()["actionResult"] == "Done"
    assert client.get(f"/v1/customerinvoice/{number}").json()["status"] == "Open"
    again = client.put(f"/v1/customerinvoice/{number}", json=edit)
    assert again.status_code == 400 and "released" in message(again)
    assert client.post(f"/v1/customerinvoice/{number}/action/release").status_code == 400
    found = client.get("/v1/customerinvoice", params={"externalReference": "SHOP-1001"}).json()
    assert [item["referenceNumber"] for item in found] == [number]
    # A credit note for one sweater, applied to the invoice on release.
    credit = wrap({"customerNumber": customer, "externalReference": "REFUND-1"}) | {
        "lines": [wrap({"inventoryNumber": "NB001-01-01", "quantity": 1,
                        "unitPriceInCurrency": 100}) | {"operation": "Insert"}],
        "applicationLines": [wrap({"documentType": "Invoice", "refNbr": number,
                                   "amountPaid": 125}) | {"operation": "Insert"}],
    }  # fmt: skip
    note = key_of(client.post("/v2/customerCreditNote", json=credit))
    assert client.get(f"/v1/customerCreditNote/{note}").json()["status"] == "Balanced"
    assert client.post(f"/v1/customerCreditNote/{note}/action/release").status_code == 200
    note_read = exact(client.get(f"/v1/customerCreditNote/{note}"))
    invoice = exact(client.get(f"/v1/customerinvoice/{number}"))
    assert note_read["status"] == "Closed" and invoice["balance"] == Decimal("231.00")
    assert (
        invoice["applications"][0] | {"docType": "CreditNote", "refNbr": note}
        == (invoice["applications"][0])
    )
    assert note_read["applications"][0]["refNbr"] == number


def test_invoice_business_rules(client: httpx.Client) -> None:
    customer = new_customer(client, name="Regler AB")

    def invoice(**line: Any) -> httpx.Response:
        lines = [wrap({"inventoryNumber": "NB001-01-01"} | line) | {"operation": "Insert"}]
        return client.post("/v2/customerinvoice", json=wrap({"customerNumber": customer})
                           | {"invoiceLines": lines})  # fmt: skip

    unknown = invoice(vatCodeId="0")
    assert unknown.status_code == 400
    assert message(unknown).endswith(
        "Error creating document. Error: TaxCategoryID '0' cannot be found in the system."
    )
    explicit_null = invoice(uom=None)  # {"value": null} is a value, and here an invalid one
    assert explicit_null.status_code == 400 and "'UOM' cannot be empty" in message(explicit_null)
    held = key_of(client.post("/v2/customerinvoice", json=wrap(
        {"customerNumber": customer, "hold": True})))  # fmt: skip
    assert client.get(f"/v1/customerinvoice/{held}").json()["status"] == "Hold"
    assert client.post(f"/v1/customerinvoice/{held}/action/release").status_code == 400
    assert client.delete(f"/v1/customerinvoice/{held}").status_code == 204
    assert client.get(f"/v1/customerinvoice/{held}").status_code == 404


# --- SalesOrders V3 ----------------------------------------------------------------------------


def test_salesorders_v3_create_read_and_if_match(client: httpx.Client) -> None:
    customer = new_customer(client, name="Order AB", mainAddress={"countryId": "SE"})
    order = {
        "type": "SO",
        "customer": {"id": customer, "order": "1001", "refNo": "shop-1001"},
        "orderLines": [{"inventoryId": "NB001-01-03", "quantity": 2, "unitPrice": 1000}],
        "freight": {"cost": 39.2},
        "shipping": {"address": {"line1": "Kungsgatan 1", "city": "Stockholm",
                                 "postalCode": "111 22", "countryId": "SE"}},
    }  # fmt: skip
    created = client.post("/api/v3/SalesOrders", json=order)
    assert created.status_code == 201 and created.content == b""
    assert "/api/v3/SalesOrders/SO/" in created.headers["location"]
    order_id = created.headers["location"].rsplit("/", 1)[1]
    url = f"/api/v3/SalesOrders/SO/{order_id}"
    read = client.get(url)
    etag = read.headers["etag"]
    assert etag == created.headers["etag"] and read.json()["version"] == etag.strip('"')
    assert "shipping" not in read.json()  # parts come with `expand`
    full = exact(client.get(url, params={"expand": "Shipping,Customer,Freight"}))
    assert full["shipping"]["address"]["line1"] == "Kungsgatan 1"
    assert full["customer"]["order"] == "1001"
    assert full["totals"]["orderTotal"] == Decimal("2549.00")  # (2000 + 39.20) * 1.25
    lines = client.get(f"{url}/lines").json()
    assert lines["totalCount"] == 1 and lines["value"][0]["inventory"]["id"] == "NB001-01-03"

    patch = {"description": "Webborder 1001"}
    problem(client.patch(url, json=patch), 428)
    problem(client.patch(url, json=patch, headers={"If-Match": '"AAAAAAAAAAA="'}), 412)
    accepted = client.patch(url, json=patch, headers={"If-Match": etag})
    assert accepted.status_code == 202 and accepted.headers["etag"] != etag
    assert client.get(url).json()["description"] == "Webborder 1001"
    problem(client.patch(url, json={"note": "stale"}, headers={"If-Match": etag}), 412)

    both = {"status": "Hold", "description": "x"}
    invalid = problem(client.patch(url, json=both, headers={"If-Match": "*"}), 400)
    assert "status" in invalid["errors"] and invalid["details"][0]["code"]
    listed = client.get("/api/v3/SalesOrders/SO", params={"filter": "1001"}).json()
    assert order_id in [item["orderId"] for item in listed["value"]]
    item = next(item for item in listed["value"] if item["orderId"] == order_id)
    assert item["customerOrder"] == "1001" and item["_links"]["self"]["href"].endswith(url)


def test_salesorders_v3_validation_paging_and_conflicts(client: httpx.Client) -> None:
    customer = new_customer(client, name="Paging AB")
    bad_line = {"type": "SO", "customer": {"id": customer},
                "orderLines": [{"inventoryId": "NOPE", "quantity": 1}]}  # fmt: skip
    body = problem(client.post("/api/v3/SalesOrders", json=bad_line), 400)
    assert list(body["errors"]) == ["orderLines[0].inventoryId"]
    typed = problem(client.post("/api/v3/SalesOrders", json={"type": "SO", "date": 5}), 400)
    assert list(typed["errors"]) == ["date"]
    chosen = {"type": "SO", "customer": {"id": customer}, "orderId": "WEB-1",
              "overrideNumberSeries": True}  # fmt: skip
    assert client.post("/api/v3/SalesOrders", json=chosen).status_code == 201
    problem(client.post("/api/v3/SalesOrders", json=chosen), 409)
    for _ in range(2):
        plain = {"type": "SO", "customer": {"id": customer}}
        assert client.post("/api/v3/SalesOrders", json=plain).status_code == 201
    params = {"customerId": customer, "pageSize": 2, "pageIndex": 0, "orderBy": "orderId desc"}
    first = client.get("/api/v3/SalesOrders", params=params).json()
    assert first["totalCount"] == 3 and len(first["value"]) == 2
    following = httpx.get(first["nextPage"], headers=client.headers).json()
    assert len(following["value"]) == 1 and "nextPage" not in following
    assert first["value"][0]["orderId"] == "WEB-1"
    problem(client.get("/api/v3/SalesOrders/SO/NOPE"), 404)
    deleted = client.delete(f"/api/v3/SalesOrders/SO/{following['value'][0]['orderId']}")
    assert deleted.status_code == 204


# --- Rate limit, background calls, persistence ------------------------------------------------


def test_rate_limit_headers_and_429_with_retry_after(tmp_path: Path) -> None:
    process = start_sandbox("vismanet", tmp_path, env={"BRYGGA_SANDBOX_VISMANET_RATE_LIMIT": "3"})
    try:
        with api(process.base_url) as client:
            responses = [
                client.get("/v1/customer"),
                client.get("/v1/customer/does-not-exist"),
                client.get("/api/v3/SalesOrders"),
            ]
            assert [r.status_code for r in responses] == [200, 404, 200]
            assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0"]
            for response in responses:
                assert response.headers["x-ratelimit-limit"] == "3"
                assert response.headers["x-ratelimit-policy"] == "4-fixed-window"
                assert 3500 < int(response.headers["x-ratelimit-reset"]) <= 3600
            throttled = client.get("/v1/customer")
            assert throttled.status_code == 429
            assert 0 < int(throttled.headers["retry-after"]) <= 3600
            assert throttled.headers["x-ratelimit-remaining"] == "0"
            assert set(throttled.headers) >= RATE_HEADERS and message(throttled)
            # The token endpoint is Visma Connect's, outside the ERP API's limit.
            assert token_response(process.base_url).status_code == 200
    finally:
        process.stop()


def test_background_call_answers_202_and_keeps_the_response(client: httpx.Client) -> None:
    accepted = client.post(
        "/v1/customer",
        json=wrap({"name": "Bakgrund AB"}),
        headers={"erp-api-background": "subscription:Correlation=42"},
    )
    assert accepted.status_code == 202
    job_id = accepted.json()["id"]
    assert accepted.json()["stateLocation"].endswith(f"/v1/background/{job_id}")
    state = client.get(f"/v1/background/{job_id}").json()
    assert state["status"] == "Finished" and state["statusCode"] == 201
    assert state["webhookAddress"] == "subscription:Correlation=42"
    number = state["responseHeaders"]["location"].rsplit("/", 1)[1]
    assert client.get(f"/v1/customer/{number}").json()["name"] == "Bakgrund AB"
    listed = client.get("/v1/vatZone", headers={"erp-api-background": "none"}).json()
    content = client.get(f"/v1/background/{listed['id']}/content")
    assert [zone["id"] for zone in content.json()] == ["01", "02", "03", "11", "12"]
    assert client.get("/v1/background/unknown").status_code == 404


def test_data_and_counters_survive_a_restart(tmp_path: Path) -> None:
    process = start_sandbox("vismanet", tmp_path, "--no-rate-limit")
    try:
        with api(process.base_url) as client:
            number = new_customer(client, name="Kvar AB")
            order = {"type": "SO", "customer": {"id": number}}
            first_order = key_of(client.post("/api/v3/SalesOrders", json=order))
    finally:
        process.stop()
    process = start_sandbox("vismanet", tmp_path, "--no-rate-limit")
    try:
        with api(process.base_url) as client:
            assert client.get(f"/v1/customer/{number}").json()["name"] == "Kvar AB"
            assert len(client.get("/v1/customerinvoice").json()) == 3  # not seeded twice
            assert int(new_customer(client)) == int(number) + 1
            order = {"type": "SO", "customer": {"id": number}}
            assert int(key_of(client.post("/api/v3/SalesOrders", json=order))) == (
                int(first_order) + 1
            )
    finally:
        process.stop()
