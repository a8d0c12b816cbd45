"""The Fortnox connector against the Fortnox sandbox, over real HTTP. Every request the
connector sends in these tests is checked against Fortnox's OpenAPI document."""

import json
from decimal import Decimal
from functools import cache

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.account import describe
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.mapping import vat_type
from brygga.connectors.fortnox.writers import CustomerWriter, OrderWriter
from brygga.model import Address, Customer, CustomerType, Order
from brygga.sandbox.fortnox import deviations
from tests.connectors.cases.fortnox import code_client
from tests.sandbox.test_fortnox_spec import SERVER, SPEC
from tests.support.orders import sample_order
from tests.support.processes import sandbox_fixture


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(deviations.patched(json.loads(SPEC.read_text())))


class SpecCheck:
    """Collects the requests a client sends (`HttpClient.observe`) and validates them."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def validate(self) -> None:
        if not SPEC.exists():
            return  # the document lives beside the repository (shared/specs)
        for request in self.requests:
            url = request.url
            mock = MockRequest(
                SERVER,
                request.method.lower(),
                url.path,
                args=dict(url.params),
                data=request.content or None,
            )
            openapi().validate_request(mock)


def checked_client(sandbox, **credentials) -> tuple[FortnoxClient, SpecCheck]:
    base = sandbox.credentials() | {"rate_limit": False}
    client = FortnoxClient(sandbox.base_url, base | credentials)
    check = SpecCheck()
    client.http.observe(check)
    return client, check


sandbox = sandbox_fixture("fortnox")


@pytest.fixture
async def client(sandbox):
    client, check = checked_client(sandbox)
    yield client
    await client.aclose()
    check.validate()


def customer(email: str, **fields) -> Customer:
    address = Address(line1="Storgatan 1", postcode="114 35", city="Stockholm", country="SE")
    return Customer(
        source_id=email, email=email, first_name="Åsa", last_name="Öberg", address=address, **fields
    )


def order(number: str, customer_record: Customer, cancelled: bool = False) -> Order:
    return sample_order(number, customer_record, cancelled=cancelled)


async def test_customers_are_found_by_exact_email_not_by_substring(client):
    writer = CustomerWriter(client)
    created = await writer.create(customer("anna@example.se"), {})
    await writer.create(customer("hanna@example.se"), {})  # contains "anna@example.se"
    found = await writer.find(customer("ANNA@example.se"))
    assert found is not None and found.target_id == created.target_id
    assert await writer.find(customer("nobody@example.se")) is None


async def test_customer_fields_and_vat_type(client):
    writer = CustomerWriter(client)
    written = await writer.create(
        customer("bolag@example.se", company="Nordljus AB", type=CustomerType.COMPANY), {}
    )
    body = await client.get(f"/3/customers/{written.target_id}")
    saved = body["Customer"]
    assert (saved["Name"], saved["Type"], saved["VATType"]) == ("Nordljus AB", "COMPANY", "SEVAT")
    assert (saved["ZipCode"], saved["CountryCode"], saved["YourReference"]) == (
        "114 35",
        "SE",
        "Åsa Öberg",
    )
    finnish = Address(country="FI")
    assert vat_type(Customer(source_id="1", address=finnish)) == "EUVAT"
    company = Customer(source_id="1", address=finnish, type=CustomerType.COMPANY)
    # Reverse charge needs a valid VAT number: FI12345604 has a right check digit, ...78 not.
    assert vat_type(company.model_copy(update={"vat_number": "FI12345604"})) == "EUREVERSEDVAT"
    assert vat_type(company.model_copy(update={"vat_number": "FI12345678"})) == "EUVAT"
    assert vat_type(Customer(source_id="1", address=Address(country="NO"))) == "EXPORT"


async def test_orders_carry_lines_shipping_currency_and_match_the_shop_total(client):
    buyer = await CustomerWriter(client).create(customer("order@example.se"), {})
    writer = OrderWriter(client)
    written = await writer.create(
        order("5001", customer("order@example.se")), {"customer": buyer.target_id}
    )
    saved = (await client.get(f"/3/orders/{written.target_id}"))["Order"]
    assert saved["CustomerNumber"] == buyer.target_id
    assert (saved["Currency"], saved["CurrencyRate"], saved["VATIncluded"]) == (
        "EUR",
        Decimal("11.2"),
        True,
    )
    assert saved["OrderDate"] == "2026-09-02"  # the Swedish date of the sale
    assert saved["Freight"] == 5
    assert [(r["ArticleNumber"], r["OrderedQuantity"], r["VAT"]) for r in saved["OrderRows"]] == [
        ("NB001-01-01", "2", 25),
        ("NB013-01-01", "1", 6),
    ]
    assert Decimal(saved["Total"]) == Decimal("230.85")


async def test_orders_are_found_by_exact_shop_number(client):
    buyer = await CustomerWriter(client).create(customer("ref@example.se"), {})
    writer = OrderWriter(client)
    links = {"customer": buyer.target_id}
    long_number = await writer.create(order("60011", customer("ref@example.se")), links)
    assert await writer.find(order("6001", customer("ref@example.se"))) is None
    found = await writer.find(order("60011", customer("ref@example.se")))
    assert found is not None and found.target_id == long_number.target_id


async def test_an_unknown_article_is_a_data_error_that_names_the_problem(client):
    buyer = await CustomerWriter(client).create(customer("sku@example.se"), {})
    bad = order("7001", customer("sku@example.se"))
    line = bad.lines[0].model_copy(update={"sku": "NO-SUCH-SKU"})
    bad = bad.model_copy(update={"lines": [line, bad.lines[1]]})
    with pytest.raises(ConnectorError) as raised:
        await OrderWriter(client).create(bad, {"customer": buyer.target_id})
    assert raised.value.error_class in (ErrorClass.DATA, ErrorClass.NOT_FOUND)
    assert raised.value.status in (400, 404) and raised.value.code


async def test_wrong_credentials_are_an_auth_error(sandbox):
    credentials = sandbox.credentials() | {"client_secret": "wrong", "rate_limit": False}
    async with FortnoxClient(sandbox.base_url, credentials).http as http:
        with pytest.raises(ConnectorError) as raised:
            await http.request("GET", "/3/customers")
    assert raised.value.error_class is ErrorClass.AUTH
    assert "wrong" not in str(raised.value)


async def test_describe_sends_documented_requests_and_copes_without_the_warehouse(sandbox):
    client, check = checked_client(sandbox)  # a service account: every scope consented
    try:
        assert (await describe(client)).warehouses == ["HUVUDLAGER"]
    finally:
        await client.aclose()
    check.validate()
    # A consent without the warehouse scope (or a company without the module) gets 403 there.
    limited = code_client(sandbox, scope="companyinformation currency price settings")
    try:
        facts = await describe(limited)
    finally:
        await limited.aclose()
    assert facts.company_name == "Brygga Demo AB" and facts.price_lists == ["A"]
    assert facts.warehouses == []


async def shop_order(
    client: FortnoxClient, number: str, email: str, cancelled: bool = False
) -> str:
    """A shop order written by the connector; its Fortnox order number."""
    buyer = await CustomerWriter(client).create(customer(email), {})
    record = order(number, customer(email), cancelled)
    return (await OrderWriter(client).create(record, {"customer": buyer.target_id})).target_id


async def test_an_invoiced_order_is_a_conflict_not_a_fortnox_error(client):
    number = await shop_order(client, "8001", "invoiced@example.se")
    await client.put(f"/3/orders/{number}/createinvoice")
    saved = (await client.get(f"/3/orders/{number}"))["Order"]
    with pytest.raises(ConnectorError) as raised:
        await OrderWriter(client).update(
            number, order("8001", customer("invoiced@example.se")), {"customer": "1"}
        )
    assert raised.value.error_class is ErrorClass.CONFLICT
    assert "already invoiced" in raised.value.message and saved["InvoiceReference"] in str(
        raised.value
    )


async def test_a_cancelled_shop_order_cancels_the_fortnox_order(client):
    writer = OrderWriter(client)
    number = await shop_order(client, "8002", "cancel@example.se")
    buyer = (await client.get(f"/3/orders/{number}"))["Order"]["CustomerNumber"]
    links = {"customer": buyer}
    changed = await writer.update(number, order("8002", customer("cancel@example.se")), links)
    assert changed.payload["Cancelled"] is False  # a plain update stays open
    cancelled = order("8002", customer("cancel@example.se"), cancelled=True)
    assert (await writer.update(number, cancelled, links)).payload["Cancelled"] is True
    assert (await client.get(f"/3/orders/{number}"))["Order"]["Cancelled"] is True
    again = await writer.update(number, cancelled, links)  # nothing left to do
    assert again.target_id == number and again.payload["Cancelled"] is True
    with pytest.raises(ConnectorError) as raised:
        await writer.update(number, order("8002", customer("cancel@example.se")), links)
    assert raised.value.error_class is ErrorClass.CONFLICT and "cancelled" in raised.value.message
    # Magento's state for the same; an order cancelled before it reached Fortnox.
    late = await shop_order(client, "8003", "late@example.se", cancelled=True)
    assert (await client.get(f"/3/orders/{late}"))["Order"]["Cancelled"] is True
