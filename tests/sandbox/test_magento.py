"""The Magento sandbox as a connector meets it: a real process over loopback HTTP, requests signed
by a standard OAuth 1.0a client (requests-oauthlib), as the fact sheet recommends (§1.1)."""

from __future__ import annotations

import base64
import functools
import json
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, SIGNATURE_PLAINTEXT
from requests_oauthlib import OAuth1

from brygga.sandbox import seed
from brygga.sandbox.magento.oauth1 import strnatcmp
from tests.support.processes import SandboxProcess, start_sandbox

BEARER_ENV = "BRYGGA_SANDBOX_MAGENTO_BEARER_INTEGRATION_TOKENS"
LIFETIME_ENV = "BRYGGA_SANDBOX_MAGENTO_ADMIN_TOKEN_LIFETIME"
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
BAD_SIGNATURE = "The signature is invalid. Verify and try again."
SIGN_IN_FAILED = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)


class Magento:
    """A signed client for one sandbox: `get("/V1/orders", params)` etc. under `/rest`."""

    def __init__(self, sandbox: SandboxProcess, method: str = SIGNATURE_HMAC_SHA256) -> None:
        self.base_url = sandbox.base_url
        self.credentials = sandbox.credentials()
        self.session = requests.Session()
        self.session.auth = self.oauth(method)

    def oauth(self, method: str = SIGNATURE_HMAC_SHA256, **overrides: Any) -> OAuth1:
        c = self.credentials
        keys = {
            "client_key": c["consumer_key"],
            "client_secret": c["consumer_secret"],
            "resource_owner_key": c["access_token"],
            "resource_owner_secret": c["access_token_secret"],
        }
        return OAuth1(**(keys | overrides), signature_method=method)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base_url}/rest{path}", **kwargs)

    def get(self, path: str, params: Any = None) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.request("PUT", path, json=body)


def exact(response: requests.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return exact(response)


def error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) <= {"message", "parameters", "errors"}, body
    return body


def criteria(*groups: list[tuple[str, str, str]], **extra: Any) -> dict[str, str]:
    """searchCriteria query parameters: groups of (field, value, condition) filters."""
    params = {}
    for g, group in enumerate(groups):
        for f, (field, value, condition) in enumerate(group):
            prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
            params |= {
                f"{prefix}[field]": field,
                f"{prefix}[value]": value,
                f"{prefix}[condition_type]": condition,
            }
    for name, value in extra.items():
        params[f"searchCriteria[{name}]"] = str(value)
    return params or {"searchCriteria": ""}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox("magento", tmp_path_factory.mktemp("magento"))
    yield process
    process.stop()


@pytest.fixture(scope="module")
def shop(sandbox: SandboxProcess) -> Magento:
    return Magento(sandbox)


@pytest.fixture(scope="module")
def lenient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """A sandbox that takes integration tokens as Bearer and issues 3 s admin tokens (`exp` is
    whole seconds, so they live at least 2 s: time for one request)."""
    env = {BEARER_ENV: "1", LIFETIME_ENV: "3"}
    process = start_sandbox("magento", tmp_path_factory.mktemp("magento-lenient"), env=env)
    yield process
    process.stop()


# --- OAuth 1.0a (§1.1) ----------------------------------------------------------------------


@pytest.mark.parametrize("method", [SIGNATURE_HMAC_SHA256, SIGNATURE_HMAC_SHA1])
def test_requests_signed_with_hmac_sha256_or_sha1_are_accepted(
    sandbox: SandboxProcess, method: str
) -> None:
    client = Magento(sandbox, method)
    order = ok(client.get("/V1/orders/1"))
    assert order["entity_id"] == 1
    # The query string is part of the signature, brackets and all.
    params = criteria([("increment_id", "000001001", "eq")], pageSize=5, currentPage=1)
    listed = ok(client.get("/V1/orders", params))
    assert [o["increment_id"] for o in listed["items"]] == ["000001001"]
    for base in ("/rest/default", "/index.php/rest/default", "/index.php/rest"):
        # Other URL forms of the same route, each signed as sent.
        assert client.session.get(f"{sandbox.base_url}{base}/V1/orders/1").status_code == 200


def test_a_changed_query_string_breaks_the_signature(shop: Magento) -> None:
    request = requests.Request(
        "GET", f"{shop.base_url}/rest/V1/orders", params=criteria(pageSize=1)
    )
    prepared = shop.oauth()(request.prepare())
    prepared.url = prepared.url.replace("pageSize%5D=1", "pageSize%5D=2")
    body = error(shop.session.send(prepared), 401)
    assert body == {"message": BAD_SIGNATURE}


def test_form_fields_are_signed_json_bodies_are_not(shop: Magento) -> None:
    url = f"{shop.base_url}/rest/V1/orders/1/comments"
    form = {"note": "signed"}
    signed = shop.session.post(url, data=form)
    # Past authentication; the REST layer then refuses the media type.
    assert error(signed, 400)["parameters"] == ["application/x-www-form-urlencoded"]
    request = shop.oauth()(requests.Request("POST", url, data=form).prepare())
    request.body = "note=tampered"
    request.headers["Content-Length"] = str(len(request.body))
    assert error(shop.session.send(request), 401)["message"] == BAD_SIGNATURE
    comment = {"statusHistory": {"comment": "JSON is not signed", "is_customer_notified": 0}}
    request = shop.oauth()(requests.Request("POST", url, json=comment).prepare())
    request.body = json.dumps({"statusHistory": {"comment": "changed after signing"}}).encode()
    request.headers["Content-Length"] = str(len(request.body))
    assert ok(shop.session.send(request)) is True


def test_wrong_signature_or_secret_is_refused(shop: Magento) -> None:
    url = f"{shop.base_url}/rest/V1/orders/1"
    wrong_secret = shop.oauth(client_secret="x" * 32)
    assert error(requests.get(url, auth=wrong_secret), 401) == {"message": BAD_SIGNATURE}
    wrong_token_secret = shop.oauth(resource_owner_secret="y" * 32)
    assert error(requests.get(url, auth=wrong_token_secret), 401)["message"] == BAD_SIGNATURE
    prepared = shop.oauth()(requests.Request("GET", url).prepare())
    header = prepared.headers["Authorization"].decode()  # requests-oauthlib sets bytes
    start = header.index('oauth_signature="') + len('oauth_signature="')
    prepared.headers["Authorization"] = header[:start] + "AAAA" + header[start + 4 :]
    assert error(shop.session.send(prepared), 401)["message"] == BAD_SIGNATURE


def test_timestamps_may_be_old_but_not_ahead(shop: Magento) -> None:
    """Magento only refuses timestamps <= 0 or more than 600 s ahead (Nonce\\Generator), and
    reports them as a nonce error."""
    url = f"{shop.base_url}/rest/V1/orders/1"
    hour_ago = str(int(time.time()) - 3600)
    assert requests.get(url, auth=shop.oauth(timestamp=hour_ago)).status_code == 200
    for stamp in (str(int(time.time()) + 660), "0"):
        body = error(requests.get(url, auth=shop.oauth(timestamp=stamp)), 401)
        assert body == {"message": "An error occurred validating the nonce"}


def test_a_nonce_is_used_once(shop: Magento) -> None:
    url = f"{shop.base_url}/rest/V1/orders/1"
    nonce = uuid.uuid4().hex
    assert requests.get(url, auth=shop.oauth(nonce=nonce)).status_code == 200
    body = error(requests.get(url, auth=shop.oauth(nonce=nonce)), 401)
    assert body == {
        "message": "The nonce is already being used by the consumer with ID %1",
        "parameters": ["1"],
    }


def test_parameters_are_signed_in_php_natural_order(shop: Magento) -> None:
    """Magento orders the base string's parameters with strnatcmp, not bytewise (RFC 5849):
    `[2]` before `[10]`. Byte-ordered signatures over ten or more indices are refused."""
    files = ["img12.png", "img10.png", "img2.png", "img1.png"]  # the PHP manual's example
    ordered = sorted(files, key=functools.cmp_to_key(strnatcmp))
    assert ordered == ["img1.png", "img2.png", "img10.png", "img12.png"]
    ten = criteria(*[[("entity_id", str(i), "neq")] for i in range(10)])  # indices 0-9
    assert ok(shop.get("/V1/orders", ten))["total_count"] == 150 - 9
    eleven = criteria(*[[("entity_id", str(i), "neq")] for i in range(11)])
    assert error(shop.get("/V1/orders", eleven), 401) == {"message": BAD_SIGNATURE}


def test_oauth_input_errors(shop: Magento) -> None:
    url = f"{shop.base_url}/rest/V1/orders/1"
    plaintext = error(requests.get(url, auth=shop.oauth(SIGNATURE_PLAINTEXT)), 400)
    assert plaintext == {
        "message": "Signature method %1 is not supported",
        "parameters": ["PLAINTEXT"],
    }
    unknown = error(requests.get(url, auth=shop.oauth(client_key="z" * 32)), 401)
    assert unknown["message"] == "A consumer having the specified key does not exist"
    header = 'OAuth oauth_consumer_key="abc", oauth_version="1.0"'
    missing = error(requests.get(url, headers={"Authorization": header}), 400)
    assert missing["message"] == "One or more input exceptions have occurred."
    assert {e["parameters"]["fieldName"] for e in missing["errors"]} == {
        "oauth_signature", "oauth_signature_method", "oauth_nonce", "oauth_timestamp",
        "oauth_token",
    }  # fmt: skip
    prepared = shop.oauth()(requests.Request("GET", url).prepare())
    header = prepared.headers["Authorization"].decode()
    prepared.headers["Authorization"] = header.replace('oauth_version="1.0"', 'oauth_version="2.0"')
    assert error(shop.session.send(prepared), 400) == {
        "message": 'The "%1" Oauth version isn\'t supported.',
        "parameters": ["2.0"],
    }


# --- Bearer tokens (§1.2, §1.3) -------------------------------------------------------------


def test_integration_token_as_bearer_is_refused_by_default(shop: Magento) -> None:
    token = shop.credentials["access_token"]
    response = requests.get(
        f"{shop.base_url}/rest/V1/orders/1", headers={"Authorization": f"Bearer {token}"}
    )
    assert error(response, 401) == {
        "message": NOT_AUTHORIZED,
        "parameters": {"resources": "Magento_Sales::actions_view"},
    }
    assert (
        error(requests.get(f"{shop.base_url}/rest/V1/orders/1"), 401)["message"] == NOT_AUTHORIZED
    )


def test_integration_token_as_bearer_when_the_store_allows_it(lenient: SandboxProcess) -> None:
    token = lenient.credentials()["access_token"]
    response = requests.get(
        f"{lenient.base_url}/rest/V1/orders/1", headers={"Authorization": f"Bearer {token}"}
    )
    assert ok(response)["entity_id"] == 1


def admin_token(sandbox: SandboxProcess, password: str | None = None) -> requests.Response:
    credentials = sandbox.credentials()
    body = {"username": credentials["admin_username"]}
    body["password"] = credentials["admin_password"] if password is None else password
    return requests.post(f"{sandbox.base_url}/rest/V1/integration/admin/token", json=body)


def test_admin_token_is_a_json_string_used_as_bearer(sandbox: SandboxProcess) -> None:
    response = admin_token(sandbox)
    token = ok(response)
    assert isinstance(token, str) and response.text == json.dumps(token)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "HS256"  # a JWT since 2.4.4
    orders = requests.get(
        f"{sandbox.base_url}/rest/V1/orders",
        params=criteria(pageSize=1),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert ok(orders)["total_count"] == 150
    assert error(admin_token(sandbox, "wrong"), 401) == {"message": SIGN_IN_FAILED}
    missing = requests.post(f"{sandbox.base_url}/rest/V1/integration/admin/token", json={})
    assert error(missing, 400)["message"] == "One or more input exceptions have occurred."


def test_admin_tokens_expire(lenient: SandboxProcess) -> None:
    token = ok(admin_token(lenient))
    url = f"{lenient.base_url}/rest/V1/orders/1"
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    time.sleep(4.2)
    expired = requests.get(url, headers={"Authorization": f"Bearer {token}"})
    assert error(expired, 401)["message"] == NOT_AUTHORIZED


def test_six_failed_sign_ins_lock_the_admin(lenient: SandboxProcess) -> None:
    for _ in range(6):
        assert admin_token(lenient, "wrong").status_code == 401
    assert error(admin_token(lenient), 401) == {"message": SIGN_IN_FAILED}


# --- Routing and errors (§3.4, §7.1) --------------------------------------------------------


def test_routes_store_codes_and_errors(shop: Magento) -> None:
    assert ok(shop.get("/V1/orders/1/"))["entity_id"] == 1  # trailing slash
    refused = error(shop.get("/all/V1/orders/1"), 400)
    assert refused == {"message": "Cannot perform GET operation with store code 'all'"}
    for response in (shop.get("/V1/nothing"), shop.request("DELETE", "/V1/orders/1"),
                     shop.get("/nostore/V1/orders/1")):  # fmt: skip
        assert error(response, 404) == {"message": "Request does not match any route."}
    assert error(shop.get("/V1/orders/99999"), 404) == {
        "message": "The entity that was requested doesn't exist. Verify the entity and try again."
    }
    typed = error(shop.get("/V1/orders/abc"), 400)
    assert typed["parameters"] == {"value": "abc", "type": "int"}
    assert error(shop.get("/V1/orders"), 400) == {
        "message": '"%fieldName" is required. Enter and try again.',
        "parameters": {"fieldName": "searchCriteria"},
    }
    broken = shop.request(
        "POST", "/V1/orders/1/comments", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert error(broken, 400) == {"message": "Decoding error."}


# --- searchCriteria (§3.3) ------------------------------------------------------------------


def test_filters_or_within_a_group_and_across_groups(shop: Magento) -> None:
    either = [("increment_id", "000001001", "eq"), ("increment_id", "000001002", "eq")]
    both = ok(shop.get("/V1/orders", criteria(either)))
    assert sorted(o["increment_id"] for o in both["items"]) == ["000001001", "000001002"]
    narrowed = ok(shop.get("/V1/orders", criteria(either, [("entity_id", "2", "eq")])))
    assert [o["increment_id"] for o in narrowed["items"]] == ["000001002"]
    assert narrowed["search_criteria"]["filter_groups"][1] == {
        "filters": [{"field": "entity_id", "value": "2", "condition_type": "eq"}]
    }


def test_condition_types(shop: Magento) -> None:
    def count(*groups: list[tuple[str, str, str]]) -> int:
        return ok(shop.get("/V1/orders", criteria(*groups, pageSize=1)))["total_count"]

    total = count()
    guests = count([("customer_id", "", "null")])
    assert 0 < guests < total and count([("customer_id", "", "notnull")]) == total - guests
    assert count([("customer_is_guest", "1", "eq")]) == guests
    assert count([("increment_id", "00000100%", "like")]) == 9  # 1001..1009
    assert count([("increment_id", "00000100%", "nlike")]) == total - 9
    assert count([("entity_id", "1,2,3", "in")]) == 3
    assert count([("entity_id", "1,2,3", "nin")]) == total - 3
    assert count([("entity_id", "10", "gt")]) == total - 10
    assert count([("entity_id", "10", "gteq")]) == total - 9
    assert count([("entity_id", "10", "lt")]) == 9
    assert count([("entity_id", "10", "lteq")]) == 10
    assert count([("entity_id", "10", "neq")]) == total - 1
    assert count([("entity_id", "5", "from")], [("entity_id", "7", "to")]) == 3
    assert count([("status", "pending", "finset")]) == count([("status", "PENDING", "eq")])
    assert count([("created_at", "2026-09-01", "gteq")]) == total  # dates compare as dates
    # A NULL column matches no comparison: neq skips guest orders.
    assert count([("customer_id", "1", "neq")]) == total - guests - count(
        [("customer_id", "1", "eq")]
    )


def test_keys_may_be_snake_or_camel_with_any_index(shop: Magento) -> None:
    params = {
        "searchCriteria[filterGroups][7][filters][3][field]": "entity_id",
        "searchCriteria[filterGroups][7][filters][3][value]": "4",
        "searchCriteria[filterGroups][7][filters][3][conditionType]": "lteq",
        "searchCriteria[sort_orders][2][field]": "entity_id",
        "searchCriteria[sort_orders][2][direction]": "desc",
        "searchCriteria[page_size]": "2",
    }
    listed = ok(shop.get("/V1/orders", params))
    assert [o["entity_id"] for o in listed["items"]] == [4, 3]
    assert listed["search_criteria"] == {
        "filter_groups": [
            {"filters": [{"field": "entity_id", "value": "4", "condition_type": "lteq"}]}
        ],
        "sort_orders": [{"field": "entity_id", "direction": "DESC"}],
        "page_size": 2,
    }


def test_sorting_and_paging(shop: Magento) -> None:
    params = criteria(pageSize=10, currentPage=2)
    params |= {
        "searchCriteria[sortOrders][0][field]": "created_at",
        "searchCriteria[sortOrders][0][direction]": "DESC",
    }
    page = ok(shop.get("/V1/orders", params))
    stamps = [o["created_at"] for o in page["items"]]
    assert len(stamps) == 10 and stamps == sorted(stamps, reverse=True)
    assert page["total_count"] == 150
    first = ok(shop.get("/V1/orders", params | {"searchCriteria[currentPage]": "1"}))
    assert first["items"][-1]["created_at"] >= stamps[0]
    # Past the end: the last page again (§3.3).
    last = ok(shop.get("/V1/orders", params | {"searchCriteria[currentPage]": "15"}))
    beyond = ok(shop.get("/V1/orders", params | {"searchCriteria[currentPage]": "99"}))
    assert beyond["items"] == last["items"] and beyond["search_criteria"]["current_page"] == 99
    too_big = error(shop.get("/V1/orders", criteria(pageSize=301)), 400)
    assert too_big == {
        "message": "Maximum SearchCriteria pageSize is %max",
        "parameters": {"max": 300},
    }


def test_unknown_filter_fields(shop: Magento) -> None:
    flat = error(shop.get("/V1/orders", criteria([("no_such_column", "1", "eq")])), 500)
    assert flat["message"].startswith("Internal Error. Details are available in Magento log file.")
    eav = error(shop.get("/V1/products", criteria([("no_such_attribute", "1", "eq")])), 400)
    assert eav == {"message": "Invalid attribute name: %1", "parameters": ["no_such_attribute"]}


# --- Customers (§4.2) ------------------------------------------------------------------------


def test_customers_create_read_update_search(shop: Magento) -> None:
    address = {
        "firstname": "Klara", "lastname": "Nyström", "street": ["Sveavägen 1"],
        "city": "Stockholm", "postcode": "111 57", "country_id": "SE",
        "telephone": "+46 8 123 45", "default_billing": True, "default_shipping": True,
    }  # fmt: skip
    customer = {"email": "klara@example.se", "firstname": "Klara", "lastname": "Nyström",
                "addresses": [address]}  # fmt: skip
    created = ok(shop.post("/V1/customers", {"customer": customer, "password": "Brygga-2026!"}))
    assert created["id"] == len(seed.generate().customers) + 1
    assert created["default_billing"] == str(created["addresses"][0]["id"])  # a string id
    assert created["addresses"][0]["region"] == {"region_id": 0}  # nulls omitted
    duplicate = error(shop.post("/V1/customers", {"customer": customer}), 400)
    assert duplicate["message"].startswith("A customer with the same email address already exists")
    path = f"/V1/customers/{created['id']}"
    changed = ok(shop.put(path, {"customer": {"email": "klara@example.se", "firstname": "Klara",
                                             "lastname": "Berg", "website_id": 1}}))  # fmt: skip
    assert changed["lastname"] == "Berg" and changed["addresses"] == created["addresses"]
    assert ok(shop.get(path))["lastname"] == "Berg"
    found = ok(shop.get("/V1/customers/search", criteria([("email", "KLARA@example.se", "eq")])))
    assert [c["id"] for c in found["items"]] == [created["id"]]
    assert error(shop.get("/V1/customers/99999"), 404) == {
        "message": "No such entity with %fieldName = %fieldValue",
        "parameters": {"fieldName": "customerId", "fieldValue": 99999},
    }
    missing = error(shop.post("/V1/customers", {"customer": {"email": "x@example.se"}}), 400)
    assert missing["message"] == "One or more input exceptions have occurred."
    unknown = error(shop.post("/V1/customers", {"customer": customer | {"nickname": "K"}}), 400)
    assert unknown["message"] == (
        'Property "Nickname" does not have accessor method "getNickname" in class '
        '"Magento\\Customer\\Api\\Data\\CustomerInterface".'
    )
    weak = error(shop.post("/V1/customers", {"customer": customer, "password": "short"}), 400)
    assert weak["parameters"] == [8]


# --- Products and stock (§4.3, §4.4) ---------------------------------------------------------


def test_products_create_upsert_update(shop: Magento) -> None:
    seeded = ok(shop.get("/V1/products/NB001-01-01"))
    assert seeded["type_id"] == "simple" and seeded["price"] == 1299
    assert seeded["extension_attributes"]["stock_item"]["item_id"] == seeded["id"]
    parent = ok(shop.get("/V1/products/NB001"))
    assert parent["type_id"] == "configurable"
    assert seeded["id"] in parent["extension_attributes"]["configurable_product_links"]
    sku = "NB-TEST/1 & co"  # a SKU with / and & works %-encoded (§3.1)
    encoded = requests.utils.quote(sku, safe="")
    product = {"sku": sku, "name": "Test Scarf", "price": 249.5, "type_id": "simple"}
    created = ok(shop.post("/V1/products", {"product": product, "saveOptions": True}))
    assert created["sku"] == sku and created["price"] == Decimal("249.5")
    again = ok(shop.post("/V1/products", {"product": product | {"price": 199}}))
    assert again["id"] == created["id"] and again["price"] == 199  # upsert by SKU
    renamed = ok(shop.put(f"/V1/products/{encoded}", {"product": {"name": "Test Shawl"}}))
    assert renamed["name"] == "Test Shawl" and renamed["price"] == 199
    assert ok(shop.get(f"/V1/products/{encoded}"))["name"] == "Test Shawl"
    listed = ok(shop.get("/V1/products", criteria([("sku", "NB-TEST%", "like")])))
    assert [p["sku"] for p in listed["items"]] == [sku]
    assert "stock_item" not in listed["items"][0]["extension_attributes"]  # lighter list items
    assert error(shop.get("/V1/products/NOPE"), 404) == {
        "message": "The product that was requested doesn't exist. Verify the product and try again."
    }
    nameless = error(shop.post("/V1/products", {"product": {"sku": "NB-NONAME", "price": 1}}), 400)
    assert nameless["parameters"] == ["name"]


def test_legacy_and_msi_stock(shop: Magento) -> None:
    sku = "NB002-01-01"
    stock_item = {"stockItem": {"qty": 7, "is_in_stock": True}}
    assert (
        ok(shop.put(f"/V1/products/{sku}/stockItems/1", stock_item))
        == ok(shop.get(f"/V1/products/{sku}"))["id"]
    )
    assert ok(shop.get(f"/V1/stockItems/{sku}"))["qty"] == 7
    sources = ok(shop.get("/V1/inventory/source-items", criteria([("sku", sku, "eq")])))
    by_source = {item["source_code"]: item for item in sources["items"]}
    assert by_source["default"] == {
        "sku": sku,
        "source_code": "default",
        "quantity": 7,
        "status": 1,
    }
    items = [
        {"sku": sku, "source_code": "default", "quantity": 0, "status": 0},
        {"sku": sku, "source_code": "sthlm", "quantity": 12.5, "status": 1},
    ]
    assert ok(shop.post("/V1/inventory/source-items", {"sourceItems": items})) == []
    legacy = ok(shop.get(f"/V1/stockItems/{sku}"))
    assert legacy["qty"] == 0 and legacy["is_in_stock"] is False  # only `default` shows
    sources = ok(shop.get("/V1/inventory/source-items", criteria([("sku", sku, "eq")])))
    assert {i["source_code"]: i["quantity"] for i in sources["items"]} == {
        "default": 0, "sthlm": Decimal("12.5"),
    }  # fmt: skip
    invalid = error(shop.post("/V1/inventory/source-items", {"sourceItems": [{"sku": ""}]}), 400)
    assert invalid["message"] == "Validation Failed"
    assert {e["parameters"]["field"] for e in invalid["errors"]} == {
        "sku",
        "source_code",
        "quantity",
    }
    unknown = [{"sku": sku, "source_code": "nowhere", "quantity": 1, "status": 1}]
    assert error(shop.post("/V1/inventory/source-items", {"sourceItems": unknown}), 400) == {
        "message": "Could not save Source Item"
    }
    assert error(shop.get("/V1/stockItems/NOPE"), 404)["parameters"] == ["NOPE"]


# --- Orders, invoices, credit memos (§4.1, §4.5, §4.6) --------------------------------------


def test_seeded_orders_carry_the_demo_totals_exactly(shop: Magento) -> None:
    demo = {f"{o.number:09d}": o for o in seed.generate().orders}
    listed = ok(shop.get("/V1/orders", criteria(pageSize=300)))["items"]
    assert len(listed) == len(demo)
    for order in listed:
        source = demo[order["increment_id"]]
        # What gift cards and store credit paid is not in grand_total (Adobe Commerce).
        paid = order["extension_attributes"]
        prepaid = paid.get("gift_cards_amount", 0) + paid.get("customer_balance_amount", 0)
        assert order["grand_total"] + prepaid == source.grand_total
        assert order["order_currency_code"] == source.currency
        assert order["base_currency_code"] == "SEK"
        visible = [i for i in order["items"] if "parent_item_id" not in i]
        assert [i["sku"] for i in visible] == [line.sku for line in source.lines]
        shipping = order["extension_attributes"]["shipping_assignments"][0]["shipping"]
        assert shipping["address"]["address_type"] == "shipping"
        assert order["customer_email"] == source.billing_address.email
        for child in (i for i in order["items"] if "parent_item_id" in i):
            assert child["price"] == 0 and child["parent_item"]["product_type"] == "configurable"


def new_order(shop: Magento, lines: int = 1) -> dict[str, Any]:
    """A seeded order not yet invoiced, with at least `lines` lines, the first configurable."""
    orders = ok(shop.get("/V1/orders", criteria([("state", "new", "eq")], pageSize=300)))["items"]
    for order in orders:
        visible = [i for i in order["items"] if "parent_item_id" not in i]
        if len(visible) >= lines and visible[0]["product_type"] == "configurable":
            return order
    raise AssertionError("no suitable seeded order")


def test_invoice_then_refund_an_order(shop: Magento) -> None:
    order = new_order(shop, lines=2)
    path = f"/V1/orders/{order['entity_id']}"
    first, second = [i for i in order["items"] if "parent_item_id" not in i][:2]
    partial = {"items": [{"order_item_id": first["item_id"], "qty": 1}], "appendComment": True,
               "comment": {"comment": "ERP invoice 1042", "is_visible_on_front": 0}}  # fmt: skip
    response = shop.post(f"/V1/order/{order['entity_id']}/invoice", partial)
    invoice_id = ok(response)
    assert isinstance(invoice_id, str) and invoice_id.isdigit()  # a string on the wire (§3.2)
    after = ok(shop.get(path))
    invoice = ok(shop.get(f"/V1/invoices/{invoice_id}"))
    assert after["state"] == "processing" and after["status"] == "processing"
    assert after["total_invoiced"] == after["total_paid"] == invoice["grand_total"]
    assert after["total_due"] == order["grand_total"] - invoice["grand_total"]
    line = next(i for i in after["items"] if i["item_id"] == first["item_id"])
    assert line["qty_invoiced"] == 1
    assert invoice["comments"][0]["comment"] == "ERP invoice 1042"
    assert invoice["shipping_incl_tax"] == order["shipping_incl_tax"]  # all shipping at once
    too_many = {"items": [{"order_item_id": second["item_id"], "qty": 99}]}
    refused = error(shop.post(f"/V1/order/{order['entity_id']}/invoice", too_many), 400)
    assert refused["message"] == (
        "Invoice Document Validation Error(s):\nThe quantity to invoice must not be greater "
        f'than the uninvoiced quantity for product SKU "{second["sku"]}".'
    )
    rest = ok(shop.post(f"/V1/order/{order['entity_id']}/invoice", {"capture": True}))
    invoiced = ok(shop.get(path))
    assert invoiced["total_invoiced"] == order["grand_total"]  # the shares add up exactly
    assert invoiced["base_total_invoiced"] == order["base_grand_total"]
    listed = ok(shop.get("/V1/invoices", criteria([("order_id", str(order["entity_id"]), "eq")])))
    assert sorted(i["entity_id"] for i in listed["items"]) == [int(invoice_id), int(rest)]
    nothing = error(shop.post(f"/V1/order/{order['entity_id']}/invoice", {}), 400)
    assert nothing["message"].endswith("The order does not allow an invoice to be created.")

    stock_before = ok(shop.get(f"/V1/stockItems/{first['sku']}"))["qty"]
    refund = {
        "items": [{"order_item_id": first["item_id"], "qty": 1}],
        "arguments": {"shipping_amount": 0, "adjustment_negative": 10,
                      "extension_attributes": {"return_to_stock_items": [first["item_id"]]}},
    }  # fmt: skip
    memo_id = ok(shop.post(f"/V1/order/{order['entity_id']}/refund", refund))
    assert isinstance(memo_id, str)
    memo = ok(shop.get(f"/V1/creditmemo/{memo_id}"))
    assert memo["base_adjustment_negative"] == 10 and memo["shipping_amount"] == 0
    refunded = ok(shop.get(path))
    assert refunded["state"] == "processing"
    assert refunded["total_refunded"] == memo["grand_total"]
    assert (
        next(i for i in refunded["items"] if i["item_id"] == first["item_id"])["qty_refunded"] == 1
    )
    assert ok(shop.get(f"/V1/stockItems/{first['sku']}"))["qty"] == stock_before + 1
    whole = ok(shop.post(f"/V1/invoice/{rest}/refund", {}))
    closed = ok(shop.get(path))
    last = ok(shop.get(f"/V1/creditmemo/{whole}"))
    assert last["invoice_id"] == int(rest)
    assert closed["state"] == "closed" and closed["status"] == "closed"
    assert closed["total_refunded"] == memo["grand_total"] + last["grand_total"]
    again = error(shop.post(f"/V1/order/{order['entity_id']}/refund", {}), 400)
    assert again["message"] == (
        "Creditmemo Document Validation Error(s):\n"
        "A creditmemo can not be created when an order has a status of closed"
    )
    memos = ok(shop.get("/V1/creditmemos", criteria([("order_id", str(order["entity_id"]), "eq")])))
    assert memos["total_count"] == 2


def test_refunds_are_limited_to_what_was_paid(shop: Magento) -> None:
    order = new_order(shop)
    unpaid = error(shop.post(f"/V1/order/{order['entity_id']}/refund", {}), 400)
    assert unpaid["message"].endswith("The order does not allow a creditmemo to be created.")
    ok(shop.post(f"/V1/order/{order['entity_id']}/invoice", {}))
    over = {"arguments": {"adjustment_positive": 1_000_000}}
    refused = error(shop.post(f"/V1/order/{order['entity_id']}/refund", over), 400)
    assert refused["message"] == "The most money available to refund is %1."


def test_order_comments(shop: Magento) -> None:
    history = {"statusHistory": {"comment": "Exported to the ERP", "is_customer_notified": 0,
                                 "is_visible_on_front": 0, "parent_id": 3}}  # fmt: skip
    assert ok(shop.post("/V1/orders/3/comments", history)) is True
    comments = ok(shop.get("/V1/orders/3/comments"))
    assert comments["items"][0]["comment"] == "Exported to the ERP"
    order = ok(shop.get("/V1/orders/3"))
    assert order["status_histories"][0]["status"] == order["status"]


# --- Persistence ----------------------------------------------------------------------------


def documents(sandbox: SandboxProcess) -> dict[str, list[str]]:
    """The sandbox's data, each collection in a canonical order."""
    return {
        name: sorted(json.dumps(doc, sort_keys=True, default=str) for doc in docs)
        for name, docs in sandbox.state().items()
    }


def test_data_survives_a_restart_without_reseeding(tmp_path: Path) -> None:
    first = start_sandbox("magento", tmp_path, "--orders", "12")
    try:
        client = Magento(first)
        customer = {"email": "kept@example.se", "firstname": "Kept", "lastname": "Kund"}
        created = ok(client.post("/V1/customers", {"customer": customer}))
        pending = ok(client.get("/V1/orders", criteria([("state", "new", "eq")], pageSize=1)))
        order_id = pending["items"][0]["entity_id"]
        invoice = ok(client.post(f"/V1/order/{order_id}/invoice", {}))
        state = documents(first)
    finally:
        first.stop()
    second = start_sandbox("magento", tmp_path, "--orders", "12", "--seed", "7")
    try:
        client = Magento(second)
        assert documents(second) == state  # no reseed, nothing lost
        assert ok(client.get(f"/V1/customers/{created['id']}"))["email"] == "kept@example.se"
        assert ok(client.get(f"/V1/invoices/{invoice}"))["order_id"] == order_id
        other = {"email": "next@example.se", "firstname": "Next", "lastname": "Kund"}
        assert ok(client.post("/V1/customers", {"customer": other}))["id"] == created["id"] + 1
    finally:
        second.stop()
