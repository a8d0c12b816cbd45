"""The Fortnox sandbox as a connector meets it: a real process, over loopback HTTP."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from brygga.sandbox import seed
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

CLIENT = "brygga-demo-client"
SECRET = "brygga-demo-secret"
TENANT = "1234567"


def basic(client: str = CLIENT, secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client}:{secret}".encode()).decode()}


def service_token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/oauth-v1/token",
        data={"grant_type": "client_credentials"},
        headers=basic() | {"TenantId": TENANT},
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def api(base_url: str) -> httpx.Client:
    token = service_token(base_url)
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"})


def exact(response: httpx.Response) -> Any:
    return response.json(parse_float=Decimal)


def error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert list(body) == ["ErrorInformation"]
    assert set(body["ErrorInformation"]) == {"error", "message", "code"}  # lowercase, as live
    return body["ErrorInformation"]


sandbox = sandbox_fixture("fortnox")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def new_customer(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = client.post("/3/customers", json={"Customer": {"Name": "Testbolaget AB"} | fields})
    assert response.status_code == 201, response.text
    return response.json()["Customer"]


# --- OAuth --------------------------------------------------------------------------------


def test_client_credentials_gives_a_jwt_for_the_tenant(sandbox: SandboxProcess) -> None:
    response = httpx.post(
        f"{sandbox.base_url}/oauth-v1/token",
        data={"grant_type": "client_credentials"},
        headers=basic() | {"TenantId": TENANT},
    )
    body = response.json()
    assert response.status_code == 200
    assert "refresh_token" not in body
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert {"customer", "order", "article", "currency"} <= set(body["scope"].split())
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tenantId"] == int(TENANT) and claims["clientId"] == CLIENT
    assert {"exp", "iat", "jti"} <= set(claims)


def test_token_errors_use_the_hydra_shape(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.base_url}/oauth-v1/token"
    grant = {"grant_type": "client_credentials"}
    wrong = httpx.post(url, data=grant, headers=basic(secret="nope") | {"TenantId": TENANT})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert "error_description" in wrong.json()
    no_tenant = httpx.post(url, data=grant, headers=basic())
    assert no_tenant.status_code == 400 and no_tenant.json()["error"] == "invalid_request"
    other_tenant = httpx.post(url, data=grant, headers=basic() | {"TenantId": "999"})
    assert other_tenant.status_code == 400 and other_tenant.json()["error"] == "invalid_grant"
    unknown = httpx.post(url, data={"grant_type": "password"}, headers=basic())
    assert unknown.json()["error"] == "unsupported_grant_type"


def test_api_needs_a_valid_bearer_token(sandbox: SandboxProcess) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}, basic()):
        response = httpx.get(f"{sandbox.base_url}/3/customers", headers=headers)
        assert response.status_code == 401
        assert error(response)["message"] == "Invalid or expired token"


def test_expired_token_gets_401(tmp_path: Path) -> None:
    process = start_sandbox(
        "fortnox", tmp_path, "--no-rate-limit", env={"BRYGGA_SANDBOX_FORTNOX_TOKEN_TTL": "3"}
    )
    try:
        with api(process.base_url) as client:
            # `exp` is whole seconds, so a 3 s token lives at least 2 s: time for one request.
            assert client.get("/3/currencies").status_code == 200
            time.sleep(3.5)
            assert client.get("/3/currencies").status_code == 401
    finally:
        process.stop()


def test_rate_limit_is_25_per_5_seconds_without_retry_after(tmp_path: Path) -> None:
    process = start_sandbox("fortnox", tmp_path)
    try:
        with api(process.base_url) as client:
            statuses = [client.get("/3/currencies/SEK") for _ in range(26)]
        assert [r.status_code for r in statuses] == [200] * 25 + [429]
        assert "retry-after" not in statuses[-1].headers
        assert error(statuses[-1])["code"]
    finally:
        process.stop()


# --- Customers ------------------------------------------------------------------------------


def test_customer_create_read_partial_update_delete(client: httpx.Client) -> None:
    created = new_customer(client, Email="kund@example.se", CountryCode="SE", ZipCode="114 35")
    number = created["CustomerNumber"]
    assert created["@url"].endswith(f"/3/customers/{number}")
    assert (created["Type"], created["VATType"], created["Currency"]) == ("COMPANY", "SEVAT", "SEK")
    assert created["Active"] is True and created["Country"] == "Sverige"
    assert client.get(f"/3/customers/{number}").json()["Customer"] == created

    changed = client.put(f"/3/customers/{number}", json={"Customer": {"City": "Malmö"}})
    assert changed.status_code == 200
    assert changed.json()["Customer"] == created | {"City": "Malmö"}

    assert client.delete(f"/3/customers/{number}").status_code == 204
    missing = client.get(f"/3/customers/{number}")
    assert missing.status_code == 404 and error(missing)["code"] == 2000433
    reused = client.post("/3/customers", json={"Customer": {"Name": "X", "CustomerNumber": number}})
    assert reused.status_code == 400 and error(reused)["code"] == 2000637


def test_customer_bodies_are_checked(client: httpx.Client) -> None:
    cases = [
        ({"Customer": {"Name": "X", "Nmae": "typo"}}, 2001399),
        ({"Name": "not wrapped"}, 2001392),
        ({"Customer": {"Name": "X", "VATType": "VAT25"}}, 2003403),
        ({"Customer": {"Name": "X", "CountryCode": "XX"}}, 2003403),
        ({"Customer": {"Name": "X", "Active": "maybe"}}, 2000134),
        ({"Customer": {"Email": "no-name@example.se"}}, 2003403),
    ]
    for body, code in cases:
        response = client.post("/3/customers", json=body)
        assert response.status_code == 400 and error(response)["code"] == code, body
    broken = client.post("/3/customers", content=b'{"Customer": {"Name": ')
    assert error(broken)["code"] == 2002115


def test_customer_list_envelope_and_paging(client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    for index in range(5):
        new_customer(client, Name=f"Paging {tag} {index}")
    response = client.get("/3/customers", params={"name": tag, "limit": 2, "page": 2})
    body = json.loads(response.text)
    assert list(body) == ["MetaInformation", "Customers"]  # MetaInformation first (§3.1)
    assert response.text.startswith('{"MetaInformation"')
    meta = body["MetaInformation"]
    assert meta == {"@TotalResources": 5, "@TotalPages": 3, "@CurrentPage": 2}
    assert [item["Name"] for item in body["Customers"]] == [f"Paging {tag} 2", f"Paging {tag} 3"]
    assert set(body["Customers"][0]) == {
        "@url", "Address1", "Address2", "City", "CustomerNumber", "Email", "Name",
        "OrganisationNumber", "Phone", "ZipCode",
    }  # fmt: skip
    descending = client.get("/3/customers", params={"name": tag, "sortorder": "descending"})
    assert descending.json()["Customers"][0]["Name"] == f"Paging {tag} 4"
    too_many = client.get("/3/customers", params={"limit": 501})
    assert too_many.status_code == 400 and error(too_many)["code"] == 2000588
    bad_filter = client.get("/3/customers", params={"filter": "deleted"})
    assert error(bad_filter)["code"] == 2000587


def test_search_is_a_substring_match_so_clients_compare_exactly(client: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    new_customer(client, Email=f"anna.{tag}@example.se")
    new_customer(client, Email=f"hanna.{tag}@example.se")
    found = client.get("/3/customers", params={"email": f"ANNA.{tag}@example.se"}).json()
    emails = {item["Email"] for item in found["Customers"]}
    assert emails == {f"anna.{tag}@example.se", f"hanna.{tag}@example.se"}


def test_lastmodified_lists_records_changed_since(client: httpx.Client) -> None:
    future = client.get("/3/customers", params={"lastmodified": "2999-01-01 00:00"}).json()
    assert future["MetaInformation"]["@TotalResources"] == 0
    past = client.get("/3/customers", params={"lastmodified": "2000-01-01"}).json()
    assert past["MetaInformation"]["@TotalResources"] >= 3
    assert client.get("/3/customers", params={"lastmodified": "igår"}).status_code == 400


def test_seeded_reference_data_and_existing_customers(client: httpx.Client) -> None:
    data = seed.generate()
    first = data.customers[0]
    existing = client.get("/3/customers", params={"email": first.email}).json()["Customers"]
    assert [item["Email"] for item in existing] == [first.email]
    eur = client.get("/3/currencies/EUR").json()["Currency"]
    assert Decimal(str(eur["SellRate"])) == seed.RATES_TO_SEK["EUR"] and eur["Unit"] == 1
    currencies = client.get("/3/currencies").json()["Currencies"]
    assert {currency["Code"] for currency in currencies} == set(seed.RATES_TO_SEK)
    product = data.products[0]
    size = product.skus[0]
    article = exact(client.get(f"/3/articles/{size.sku}"))["Article"]
    assert (article["EAN"], article["VAT"]) == (size.ean, product.tax_percent)
    assert article["SalesPrice"] == product.prices["SEK"]
    articles = client.get("/3/articles", params={"limit": 500}).json()
    assert articles["MetaInformation"]["@TotalResources"] == sum(len(p.skus) for p in data.products)


# --- Orders ---------------------------------------------------------------------------------

SWEATER = "NB001-01-03"  # 25 % VAT
LOOKBOOK = "NB013-01-01"  # 6 % VAT


def post_order(client: httpx.Client, **fields: Any) -> httpx.Response:
    return client.post("/3/orders", content=json.dumps({"Order": fields}))


def test_eur_order_with_two_vat_rates_and_freight_vat_included(client: httpx.Client) -> None:
    customer = new_customer(client, Name="Kund i Helsingfors", CountryCode="FI", Currency="EUR")
    response = post_order(
        client,
        CustomerNumber=customer["CustomerNumber"],
        Currency="EUR",
        VATIncluded=True,
        Freight=5,
        ExternalInvoiceReference1="EXT-EUR-1",
        Total=1,  # read-only: ignored
        DocumentNumber="999999",  # read-only: ignored
        OrderRows=[
            {"ArticleNumber": SWEATER, "OrderedQuantity": "2", "Price": 115.95, "VAT": 25},
            {"ArticleNumber": LOOKBOOK, "OrderedQuantity": 1, "Price": "17.95", "VAT": 6},
        ],
    )
    assert response.status_code == 201, response.text
    order = exact(response)["Order"]
    assert order["DocumentNumber"] != "999999"
    assert order["CustomerName"] == "Kund i Helsingfors"
    assert (order["Currency"], order["CurrencyRate"], order["CurrencyUnit"]) == (
        "EUR",
        Decimal("11.2"),
        1,
    )
    rows = order["OrderRows"]
    assert [row["Total"] for row in rows] == [Decimal("231.90"), Decimal("17.95")]
    assert [row["OrderedQuantity"] for row in rows] == ["2", "1"]  # strings, as the spec types
    assert [row["DeliveredQuantity"] for row in rows] == ["2", "1"]
    assert rows[0]["Description"] == "Wool Sweater Black M" and rows[0]["RowId"]
    # 231.90 gross at 25 % → VAT 46.38; 17.95 at 6 % → 1.02; freight 5 at 25 % → 1.00.
    assert order["TotalVAT"] == Decimal("48.40")
    assert order["FreightVAT"] == Decimal("1")
    assert order["Net"] == Decimal("202.45")
    assert order["Total"] == order["TotalToPay"] == Decimal("254.85")
    assert order["RoundOff"] == 0  # no öresavrundning outside SEK
    assert exact(client.get(f"/3/orders/{order['DocumentNumber']}"))["Order"] == order


def test_sek_order_matches_the_recorded_live_totals(client: httpx.Client) -> None:
    customer = new_customer(client)
    order = exact(
        post_order(
            client,
            CustomerNumber=customer["CustomerNumber"],
            Freight=25,
            AdministrationFee=50,
            OrderRows=[{"Description": "Rad", "OrderedQuantity": 1, "Price": 100, "VAT": 25}],
        )
    )["Order"]
    expected = {"Net": "100", "FreightVAT": "6.25", "AdministrationFeeVAT": "12.5",
                "TotalVAT": "43.75", "RoundOff": "0.25", "Total": "219"}  # fmt: skip
    assert {name: order[name] for name in expected} == {k: Decimal(v) for k, v in expected.items()}


def test_order_reference_errors_are_clear(client: httpx.Client) -> None:
    number = new_customer(client)["CustomerNumber"]
    row = {"ArticleNumber": SWEATER, "OrderedQuantity": 1, "Price": 100, "VAT": 25}
    cases = [
        ({"CustomerNumber": number, "Currency": "GBP", "OrderRows": [row]}, 2003401, "valuta"),
        ({"CustomerNumber": number, "OrderRows": [row | {"VAT": 17}]}, 2003402, "moms"),
        ({"CustomerNumber": number, "OrderRows": [row | {"ArticleNumber": "NOPE"}]}, 2001302,
         "artikel"),
        ({"CustomerNumber": "987654", "OrderRows": [row]}, 2000204, "kund"),
        ({"OrderRows": [row]}, 2000204, "kund"),
        ({"CustomerNumber": number, "YourOrderNumber": "x" * 76}, 2003403, "YourOrderNumber"),
    ]  # fmt: skip
    for body, code, words in cases:
        response = post_order(client, **body)
        assert response.status_code == 400, body
        assert error(response)["code"] == code and words in error(response)["message"]
    missing = client.get("/3/orders/987654")
    assert missing.status_code == 404 and error(missing)["code"] == 2000439


def test_externalinvoicereference1_search_is_a_substring_match(client: httpx.Client) -> None:
    number = new_customer(client)["CustomerNumber"]
    tag = str(uuid.uuid4().int)[:10]
    for reference in (tag, f"{tag}7"):
        post_order(client, CustomerNumber=number, ExternalInvoiceReference1=reference)
    found = client.get("/3/orders", params={"externalinvoicereference1": tag}).json()
    assert list(found) == ["MetaInformation", "Orders"]
    references = [order["ExternalInvoiceReference1"] for order in found["Orders"]]
    assert references == [tag, f"{tag}7"]


def test_order_rows_on_update_and_cancel(client: httpx.Client) -> None:
    number = new_customer(client)["CustomerNumber"]
    rows = [{"ArticleNumber": SWEATER, "OrderedQuantity": 1}, {"ArticleNumber": LOOKBOOK}]
    order = post_order(client, CustomerNumber=number, OrderRows=rows).json()["Order"]
    first, second = order["OrderRows"]
    assert first["Price"] == 1299 and first["VAT"] == 25 and second["VAT"] == 6  # from articles
    url = f"/3/orders/{order['DocumentNumber']}"

    # With RowIds: listed rows change, rows without one are added, the rest go.
    body = {"OrderRows": [{"RowId": first["RowId"], "OrderedQuantity": 3}, {"Description": "Ny"}]}
    updated = client.put(url, json={"Order": body}).json()["Order"]
    assert [row["Description"] for row in updated["OrderRows"]] == [first["Description"], "Ny"]
    assert updated["OrderRows"][0]["OrderedQuantity"] == "3"
    assert not {row["RowId"] for row in updated["OrderRows"]} & {first["RowId"], second["RowId"]}

    # Without RowIds: by position; a header-only update keeps the rows but renumbers them.
    positional = client.put(url, json={"Order": {"OrderRows": [{"Price": 10}]}}).json()["Order"]
    assert [row["Price"] for row in positional["OrderRows"]] == [10]
    remarked = client.put(url, json={"Order": {"Remarks": "Ring först"}}).json()["Order"]
    assert remarked["Remarks"] == "Ring först" and remarked["Total"] == positional["Total"]
    assert remarked["OrderRows"][0]["RowId"] != positional["OrderRows"][0]["RowId"]

    cancelled = client.put(f"{url}/cancel").json()["Order"]
    assert cancelled["Cancelled"] is True
    listed = client.get("/3/orders", params={"filter": "cancelled"}).json()["Orders"]
    assert order["DocumentNumber"] in {item["DocumentNumber"] for item in listed}
    assert client.put(url, json={"Order": {"Remarks": "x"}}).status_code == 400


# --- Persistence ----------------------------------------------------------------------------


def test_data_and_counters_survive_a_restart(tmp_path: Path) -> None:
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit")
    try:
        token = service_token(process.base_url)
        with api(process.base_url) as client:
            customer = new_customer(client, Email="kvar@example.se")
            order = post_order(
                client,
                CustomerNumber=customer["CustomerNumber"],
                VATIncluded=True,
                Freight=49,  # whole numbers come back from storage as int
                OrderRows=[{"ArticleNumber": "NB001-01-01", "OrderedQuantity": 2, "Price": 100}],
            ).json()["Order"]
    finally:
        process.stop()
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit")
    try:
        # The JWT signing secret persists too, so issued tokens stay valid.
        with httpx.Client(
            base_url=process.base_url, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            assert (
                client.get(f"/3/customers/{customer['CustomerNumber']}").json()["Customer"]["Email"]
                == "kvar@example.se"
            )
            assert client.get(f"/3/orders/{order['DocumentNumber']}").status_code == 200
            # A partial update recomputes the totals from what was stored before the restart.
            updated = client.put(
                f"/3/orders/{order['DocumentNumber']}", json={"Order": {"Remarks": "omstart"}}
            )
            assert updated.status_code == 200, updated.text
            assert updated.json()["Order"]["Total"] == order["Total"] == 249
            total = client.get("/3/customers").json()["MetaInformation"]["@TotalResources"]
            assert total == 4  # three seeded, one created: not seeded again
            again = new_customer(client)
            assert int(again["CustomerNumber"]) == int(customer["CustomerNumber"]) + 1
    finally:
        process.stop()
