"""The Visma.net connector against the Visma.net sandbox, over real HTTP: client, customers,
sales orders and items. Every monolith request the connector sends is validated against
Visma's OpenAPI document; SalesOrders V3 has no published document (fact sheet §0)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.account import describe
from brygga.connectors.vismanet.client import VismanetClient
from brygga.connectors.vismanet.writers import CustomerWriter, OrderWriter, ProductWriter
from brygga.model import (
    Address,
    Customer,
    CustomerType,
    Discount,
    Money,
    Order,
    Product,
    Variant,
)
from tests.sandbox.test_vismanet_spec import SERVER, document, openapi  # noqa: F401
from tests.support.orders import sample_order
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")


sandbox = sandbox_fixture("vismanet")


@pytest.fixture
async def client(sandbox: SandboxProcess, openapi: OpenAPI) -> AsyncIterator[VismanetClient]:  # noqa: F811
    """A client whose every request is checked against the spec when the test ends."""
    client = VismanetClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
    sent: list[httpx.Request] = []
    client.observe(sent.append)
    yield client
    await client.aclose()
    for request in sent:
        validate(openapi, request)


def validate(openapi: OpenAPI, request: httpx.Request) -> None:  # noqa: F811
    path = request.url.path
    if path.startswith("/api/v3/"):
        assert path.startswith("/api/v3/SalesOrders"), path
        return
    mock = MockRequest(
        SERVER,
        request.method.lower(),
        path,
        args=dict(request.url.params),
        data=request.content or None,
        headers={"Content-Type": "application/json"} if request.content else {},
    )
    openapi.validate_request(mock)


def simulate(sandbox: SandboxProcess, **wanted: int) -> dict[str, list[str]]:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json=wanted, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def customer(email: str, **fields: Any) -> Customer:
    address = fields.pop("address", None) or Address(
        line1="Storgatan 1", postcode="114 35", city="Stockholm", country="SE"
    )
    return Customer(
        source_id=email, email=email, first_name="Åsa", last_name="Öberg", address=address, **fields
    )


MALMO = Address(
    name="Åsa Öberg", line1="Hamngatan 2", postcode="211 22", city="Malmö", country="SE"
)


def order(number: str, buyer: Customer, currency: str = "EUR", **fields: Any) -> Order:
    return sample_order(number, buyer, currency, **({"shipping_address": MALMO} | fields))


async def placed(client: VismanetClient, number: str, email: str, **fields: Any) -> Any:
    """A customer and an order of theirs written through the writers."""
    buyer = customer(email)
    written = await CustomerWriter(client).create(buyer, {})
    record = order(number, buyer, **fields)
    return await OrderWriter(client).create(record, {"customer": written.target_id}), record


# --- the client ------------------------------------------------------------------------------


async def test_a_revoked_token_is_renewed_once_and_the_call_succeeds(sandbox, client):
    await client.get("/v1/vatZone")
    first = client.http.auth._token
    httpx.post(f"{sandbox.base_url}/_sandbox/revoke-tokens").raise_for_status()
    zones = await client.get("/v1/vatZone", pageNumber=1, pageSize=10)
    assert [zone["id"] for zone in zones] == ["01", "02", "03", "11", "12"]
    assert client.http.auth._token != first


async def test_wrong_secret_and_customer_tenant_are_auth_errors(sandbox):
    credentials = sandbox.credentials() | {"rate_limit": False}
    wrong = VismanetClient(sandbox.base_url, credentials | {"client_secret": "wrong"})
    with pytest.raises(ConnectorError) as raised:
        await wrong.get("/v1/vatZone")
    await wrong.aclose()
    assert raised.value.error_class is ErrorClass.AUTH and "invalid_client" in str(raised.value)
    assert "wrong" not in str(raised.value)
    tenant = VismanetClient(
        sandbox.base_url, credentials | {"tenant_id": credentials["customer_tenant_id"]}
    )
    with pytest.raises(ConnectorError) as raised:
        await tenant.get("/v1/vatZone")
    await tenant.aclose()
    assert raised.value.error_class is ErrorClass.AUTH and raised.value.code == "12027"
    assert "company tenant id" in raised.value.message


async def test_describe_sends_documented_requests(client):
    facts = await describe(client)
    assert (facts.company_name, facts.warehouses) == ("Brygga Demo AB", ["1"])


async def test_error_shapes_are_classified(client):
    with pytest.raises(ConnectorError) as missing:
        await client.get("/v1/customer/NOPE")
    assert missing.value.error_class is ErrorClass.NOT_FOUND
    assert "cannot be found" in missing.value.message
    with pytest.raises(ConnectorError) as problem:
        await client.v3_get("/api/v3/SalesOrders/SO/999999")
    assert problem.value.error_class is ErrorClass.NOT_FOUND
    assert "was not found" in problem.value.message


async def test_paging_follows_the_silent_cap(tmp_path):
    env = {"BRYGGA_SANDBOX_VISMANET_MAX_PAGE_SIZE": "7"}
    process = start_sandbox("vismanet", tmp_path, "--no-rate-limit", env=env)
    try:
        client = VismanetClient(process.base_url, process.credentials() | {"rate_limit": False})
        pages = [page async for page in client.pages("/v1/inventory")]
        await client.aclose()
        total = pages[0][0]["metadata"]["totalCount"]
        assert [len(page) for page in pages[:-1]] == [7] * (len(pages) - 1)
        assert sum(len(page) for page in pages) == total > 7
    finally:
        process.stop()


# --- customers -------------------------------------------------------------------------------


async def test_customers_are_found_by_exact_email_or_corporate_id(sandbox, client):
    writer = CustomerWriter(client)
    seeded = await writer.find(customer("JONAS.MULLER2@example.se"))
    assert seeded is not None and seeded.payload["mainContact"]["phone1"]
    created = await writer.create(customer("anna@example.se"), {})
    await writer.create(customer("hanna@example.se"), {})
    found = await writer.find(customer("ANNA@example.se"))
    assert found is not None and found.target_id == created.target_id
    assert await writer.find(customer("nobody@example.se")) is None
    company = customer(
        "inkop@nordljus.se",
        company="Nordljus AB",
        type=CustomerType.COMPANY,
        organisation_number="556677-8899",
    )
    written = await writer.create(company, {})
    other_email = company.model_copy(update={"email": "faktura@nordljus.se"})
    again = await writer.find(other_email)
    assert again is not None and again.target_id == written.target_id


async def test_customer_fields_class_and_vat_zone(sandbox, client):
    finnish = Address(line1="Esplanadi 1", postcode="00100", city="Helsinki", country="FI")
    business = customer(
        "osto@example.fi",
        address=finnish,
        company="Pohjoinen Oy",
        type=CustomerType.COMPANY,
        vat_number="FI12345604",
        phone="+358 40 123",
    )
    written = await CustomerWriter(client, {"customer_class": "2"}).create(business, {})
    saved = await client.get(f"/v1/customer/{written.target_id}")
    assert saved["name"] == "Pohjoinen Oy"
    assert (saved["customerClass"]["id"], saved["vatZone"]["id"]) == ("2", "02")
    assert saved["vatRegistrationId"] == "FI12345604"
    assert saved["mainAddress"]["country"]["id"] == "FI"
    assert (saved["mainAddress"]["city"], saved["mainAddress"]["postalCode"]) == (
        "Helsinki",
        "00100",
    )
    assert saved["mainContact"] == saved["mainContact"] | {
        "name": "Åsa Öberg",
        "email": "osto@example.fi",
        "phone1": "+358 40 123",
    }
    consumer = await CustomerWriter(client).create(customer("kund@example.se"), {})
    assert consumer.payload["vatZone"]["id"] == "01"
    assert consumer.payload["customerClass"]["id"] == "1"
    moved = business.model_copy(update={"phone": "+358 40 999"})
    updated = await CustomerWriter(client).update(written.target_id, moved, {})
    assert updated.payload["mainContact"]["phone1"] == "+358 40 999"
    assert updated.payload["customerClass"]["id"] == "2"  # the class is not reassigned


async def test_customer_class_per_tax_case(client):
    """`customer_classes` picks a new customer's class by the card's tax case; a case not
    named takes `customer_class`."""
    classes = {"customer_classes": {"eu_b2b": "2", "export": "3"}}
    finnish = Address(line1="Mannerheimintie 1", postcode="00100", city="Helsinki", country="FI")
    american = Address(line1="1 Main St", postcode="10001", city="New York", country="US")
    business = customer("firma@example.fi", address=finnish, company="Firma Oy",
                        type=CustomerType.COMPANY, vat_number="FI12345604")  # fmt: skip
    cases = [(business, "2"), (customer("us@example.com", address=american), "3"),
             (customer("hemma@example.se"), "1")]  # fmt: skip
    for buyer, expected in cases:
        written = await CustomerWriter(client, classes).create(buyer, {})
        assert written.payload["customerClass"]["id"] == expected, buyer.email


# --- sales orders ----------------------------------------------------------------------------


async def test_orders_carry_lines_freight_currency_and_the_shop_total(sandbox, client):
    written, record = await placed(client, "5001", "order@example.se")
    saved, _ = await client.v3_get(f"/api/v3/SalesOrders/SO/{written.target_id}", expand="All")
    assert (saved["type"], saved["currencyId"]) == ("SO", "EUR")
    assert saved["customer"]["order"] == saved["customer"]["refNo"] == "5001"
    assert saved["shipping"]["address"]["city"] == "Malmö"
    assert saved["freight"]["cost"] == Decimal("4.00") and saved["freight"]["taxCategoryId"] == "1"
    lines, _ = await client.v3_get(f"/api/v3/SalesOrders/SO/{written.target_id}/lines")
    assert [
        (
            line["inventory"]["id"],
            line["quantity"],
            line["taxCategoryId"],
            line["extendedPrice"],
        )
        for line in lines["value"]
    ] == [("NB001-01-01", 2, "1", Decimal("166.32")), ("NB013-01-01", 1, "3", Decimal("16.93"))]
    assert saved["totals"]["orderTotal"] == record.grand_total.amount


async def test_order_discounts_are_spread_over_lines_of_their_rate(sandbox, client):
    base = order("5002", customer("rabatt@example.se"))
    discounted = base.model_copy(
        update={
            "discounts": [
                Discount(description="SUMMER", amount=Money.of("20.00", "EUR"), tax_rate=25)
            ],
            "grand_total": Money.of("210.85", "EUR"),
        }
    )
    buyer = await CustomerWriter(client).create(base.customer, {})
    written = await OrderWriter(client).create(discounted, {"customer": buyer.target_id})
    saved, _ = await client.v3_get(f"/api/v3/SalesOrders/SO/{written.target_id}")
    lines, _ = await client.v3_get(f"/api/v3/SalesOrders/SO/{written.target_id}/lines")
    first = lines["value"][0]
    assert first["discountAmount"] == Decimal("16.00") and first["hasManualDiscount"]
    assert lines["value"][1]["discountAmount"] == 0
    assert saved["totals"]["orderTotal"] == Decimal("210.85")


async def test_orders_are_found_by_exact_shop_number(sandbox, client):
    written, record = await placed(client, "60011", "ref@example.se")
    writer = OrderWriter(client)
    assert await writer.find(record.model_copy(update={"number": "6001"})) is None
    found = await writer.find(record)
    assert found is not None and found.target_id == written.target_id


async def test_an_unknown_sku_is_a_data_error_naming_it(sandbox, client):
    buyer = await CustomerWriter(client).create(customer("sku@example.se"), {})
    bad = order("7001", customer("sku@example.se"))
    line = bad.lines[1].model_copy(update={"sku": "NB999"})
    bad = bad.model_copy(update={"lines": [bad.lines[0], line]})
    with pytest.raises(ConnectorError) as raised:
        await OrderWriter(client).create(bad, {"customer": buyer.target_id})
    assert raised.value.error_class is ErrorClass.DATA and raised.value.status == 400
    assert "NB999" in raised.value.message and "7001" in raised.value.message


async def test_orders_update_cancel_and_conflict_once_invoiced(sandbox, client):
    writer = OrderWriter(client)
    written, record = await placed(client, "8001", "update@example.se")
    links = {"customer": written.payload["customer"]["id"]}
    moved = record.model_copy(
        update={"shipping_address": Address(line1="Ny väg 3", city="Lund", country="SE")}
    )
    updated = await writer.update(written.target_id, moved, links)
    saved, _ = await client.v3_get(f"/api/v3/SalesOrders/SO/{updated.target_id}", expand="Shipping")
    assert saved["shipping"]["address"]["city"] == "Lund"
    more = moved.model_copy(
        update={"lines": [moved.lines[0]], "grand_total": Money.of("212.90", "EUR")}
    )
    with pytest.raises(ConnectorError) as changed:
        await writer.update(written.target_id, more, links)
    assert changed.value.error_class is ErrorClass.CONFLICT
    cancelled = await writer.update(
        written.target_id, moved.model_copy(update={"cancelled": True}), links
    )
    assert cancelled.payload["status"]["description"] == "Cancelled"
    second, record = await placed(client, "8002", "invoiced@example.se")
    simulate(sandbox, invoice_orders=10)
    with pytest.raises(ConnectorError) as raised:
        await writer.update(second.target_id, record, {"customer": "x"})
    assert raised.value.error_class is ErrorClass.CONFLICT
    assert "Completed" in raised.value.message


async def test_currency_rates_are_recorded_when_asked(sandbox, client):
    buyer = await CustomerWriter(client).create(customer("rate@example.se"), {})
    record = order("9001", customer("rate@example.se")).model_copy(
        update={"exchange_rate": Decimal("11.37")}
    )
    writer = OrderWriter(client, {"record_exchange_rates": True})
    await writer.create(record, {"customer": buyer.target_id})
    await writer.create(record.model_copy(update={"number": "9002"}), {"customer": buyer.target_id})
    rates = await client.get("/v2/currencyrate", fromCurrency="EUR", fromDate="2026-09-01")
    assert [(rate["rate"], rate["effectiveDate"][:10]) for rate in rates] == [
        (Decimal("11.37"), "2026-09-01")
    ]


# --- items -----------------------------------------------------------------------------------


def product(sku: str, price: str = "499.00", active: bool = True, ean: str = "") -> Product:
    variant = Variant(
        sku=sku,
        name="Linen Shirt M",
        ean=ean,
        prices=[Money.of(price, "SEK"), Money.of("45.00", "EUR")],
        tax_rate=Decimal(25),
    )
    return Product(
        source_id=sku, product_number=sku, name="Linen Shirt", variants=[variant], active=active
    )


async def test_products_become_items_and_are_reused(sandbox, client):
    writer = ProductWriter(client, {"item_class": "1", "posting_class": "1"})
    assert (await writer.find(product("NB001-01-01"))).target_id == "NB001-01-01"
    assert await writer.find(product("MAG-SHIRT-M")) is None
    written = await writer.create(product("MAG-SHIRT-M"), {})
    assert written.target_id == "MAG-SHIRT-M"
    saved = await client.get("/v1/inventory/MAG-SHIRT-M")
    assert (saved["description"], saved["status"], saved["defaultPrice"]) == (
        "Linen Shirt M",
        "Active",
        Decimal("399.20"),
    )
    assert (saved["itemClass"]["id"], saved["postingClass"]["id"], saved["vatCode"]["id"]) == (
        "1",
        "1",
        "1",
    )
    updated = await writer.update("MAG-SHIRT-M", product("MAG-SHIRT-M", "549.00", False), {})
    assert updated.payload["defaultPrice"] == Decimal("439.20")
    assert updated.payload["status"] == "Inactive"
    odd = await writer.create(product("MAG/SHIRT L"), {})
    assert (await writer.find(product("MAG/SHIRT L"))).target_id == odd.target_id == "MAG/SHIRT L"


def barcodes(item: dict[str, Any]) -> list[str]:
    references = item["crossReferences"]
    return [ref["alternateID"] for ref in references if ref["alternateType"] == "Barcode"]


async def test_an_items_ean_is_a_barcode_cross_reference_added_once(sandbox, client):
    writer = ProductWriter(client, {"item_class": "1", "posting_class": "1"})
    created = await writer.create(product("MAG-EAN-S", ean="7350000000016"), {})
    assert barcodes(created.payload) == ["7350000000016"]
    listed = await client.get("/v1/inventory/MAG-EAN-S/crossReferences")
    assert [(r["alternateType"], r["alternateID"], r["uom"]) for r in listed] == [
        ("Barcode", "7350000000016", "ST")
    ]
    again = await writer.update("MAG-EAN-S", product("MAG-EAN-S", ean="7350000000016"), {})
    assert barcodes(again.payload) == ["7350000000016"]  # not added twice
    # A new EAN is added; the old code may still be on goods in the warehouse.
    renumbered = await writer.update("MAG-EAN-S", product("MAG-EAN-S", ean="7350000000023"), {})
    assert barcodes(renumbered.payload) == ["7350000000016", "7350000000023"]
    found = await client.get("/v1/inventory", alternateID="7350000000023")
    assert [item["inventoryNumber"] for item in found] == ["MAG-EAN-S"]
