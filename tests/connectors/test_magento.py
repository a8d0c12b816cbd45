"""The Magento connector against the Magento sandbox, over real HTTP, every request it sends
checked against Adobe's admin schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import yaml

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.magento.account import describe
from brygga.connectors.magento.client import MagentoClient, api_root, fill
from brygga.connectors.magento.search import Criteria
from brygga.connectors.magento.streams import (
    CustomersStream,
    OrdersStream,
    PaymentsStream,
    ProductsStream,
    RefundsStream,
)
from brygga.connectors.magento.writers import CreditNoteWriter, InvoiceWriter, StockWriter
from brygga.model import CreditNote, Invoice, Money, OrderLine, Shipping, StockLevel
from tests.sandbox.test_magento_spec import SPEC, Loader, Spec
from tests.support.processes import SandboxProcess, start_sandbox

NOW = datetime(2030, 1, 1, tzinfo=UTC)
ERP = {"erp_name": "Fortnox"}


@pytest.fixture(scope="module")
def spec() -> Spec:
    if not SPEC.exists():
        pytest.skip(f"Magento admin schema not found at {SPEC}")
    return Spec(yaml.load(SPEC.read_text(), Loader=Loader))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox("magento", tmp_path_factory.mktemp("magento"))
    yield process
    process.stop()


def check_request(spec: Spec, request: httpx.Request) -> None:
    """The operation exists, its searchCriteria parameters are ones it declares (camelCase,
    index 0: the document's form, deviations.BASE_PATHS) and the JSON body fits its schema."""
    method = request.method.lower()
    path = request.url.path.removeprefix("/rest/default")
    paths = spec.document["paths"]
    template = path if method in paths.get(path, {}) else None
    for candidate, operations in paths.items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", candidate) + "$"
        if template is None and method in operations and re.match(pattern, path):
            template = candidate
    assert template, f"{request.method} {path} is not in the Magento schema"
    declared = {p["name"] for p in spec.operation(method, template).get("parameters", [])}
    for name in request.url.params:
        normal = re.sub(r"\[\d+\]", "[0]", name)
        normal = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), normal)  # snake → camel
        assert normal in declared, f"{name} is not a parameter of {method} {template}"
    if request.content:
        spec.request_body(method, template, json.loads(request.content))


@pytest.fixture
async def client(sandbox: SandboxProcess, spec: Spec) -> Any:
    client = MagentoClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
    client.http.observe(lambda request: check_request(spec, request))
    yield client
    await client.aclose()


async def read(stream: Any, since: datetime | None = None) -> list[Any]:
    return [record async for page in stream.pages(since, NOW) for record in page]


async def orders(client: MagentoClient, state: str) -> list[dict[str, Any]]:
    return await client.everything("/orders", Criteria().where("state", state))


def line(sku: str, quantity: int, price: str, currency: str = "EUR") -> OrderLine:
    return OrderLine(
        source_id=sku,
        sku=sku,
        description=sku,
        quantity=Decimal(quantity),
        unit_price=Money.of(price, currency),
        tax_rate=Decimal(25),
    )


def invoice(number: str, order: dict[str, Any], lines: list[OrderLine]) -> Invoice:
    currency = order["order_currency_code"]
    return Invoice(
        source_id=number,
        number=number,
        order_reference=order["increment_id"],
        issued_on=date(2026, 10, 1),
        currency=currency,
        lines=lines,
        total=Money.of(order["grand_total"], currency),
    )


async def test_orders_are_mapped_to_the_cent(client):
    records = await read(OrdersStream(client))
    assert records and not [r.error for r in records if r.error]
    by_number = {r.source_id: r.record for r in records}
    order = by_number["000001001"]  # EUR, a configurable line and a book, registered buyer
    raw = await client.get("/orders/1")
    assert (order.number, order.currency, order.base_currency) == ("000001001", "EUR", "SEK")
    assert order.exchange_rate == Decimal("11.2")  # base_grand_total / grand_total
    assert order.created_at == datetime(2026, 9, 1, 8, 1, tzinfo=UTC)
    assert not order.cancelled and order.prices_include_tax
    # The configurable's child line (same SKU, price 0) is not a second line.
    assert [(x.sku, x.quantity, x.unit_price.amount, x.tax_rate) for x in order.lines] == [
        ("NB011-01-05", 1, Decimal("85.56"), 25),
        ("NB013-01-01", 2, Decimal("17.95"), 6),
    ]
    assert order.lines[0].unit_list_price.amount == Decimal("106.95")
    assert order.lines[0].discount.amount == Decimal("21.39")
    assert order.shipping.amount.amount == Decimal(5) and order.shipping.tax_rate == 25
    assert order.grand_total.amount == Decimal(raw["grand_total"]) == Decimal("126.46")
    assert sum(t.tax.amount for t in order.tax_lines) == Decimal(raw["tax_amount"])
    assert (order.customer.source_id, order.customer.email) == ("1", raw["customer_email"])
    assert order.shipping_address.city == "Helsinki" and order.billing_address.country == "FI"
    guests = [o for o in by_number.values() if o.customer.source_id.startswith("guest:")]
    assert guests and all(o.customer.email for o in guests)
    held = await orders(client, "holded")
    assert held and not {o["increment_id"] for o in held} & by_number.keys()


async def test_order_reads_are_a_closed_range_of_updated_at(client):
    records = await read(OrdersStream(client))
    middle = records[len(records) // 2].position
    inside = [r async for page in OrdersStream(client).pages(middle, middle) for r in page]
    assert inside and all(r.position == middle for r in inside)
    by_created = await read(OrdersStream(client, {"order_cursor": "created_at"}), middle)
    assert all(r.record.created_at >= middle for r in by_created)


async def test_customers_products_and_their_fields(client):
    customers = {r.source_id: r.record for r in await read(CustomersStream(client))}
    company = customers["15"]
    assert (company.company, company.type, company.vat_number) == (
        "Tallbacken AB",
        "company",
        "SE551321324801",
    )
    assert company.address.postcode == "114 35" and company.email == "erik.larsen15@example.se"
    settings = {"tax_classes": {"2": 25, "10": 12, "11": 6}}
    products = {r.source_id: r.record for r in await read(ProductsStream(client, settings))}
    assert "NB001" not in products  # configurable parents are not articles
    sweater = products["NB001-01-01"].variants[0]
    assert (sweater.ean, sweater.prices, sweater.tax_rate) == (
        "7350000101010",
        [Money.of("1299", "SEK")],
        25,
    )
    assert products["NB013-01-01"].variants[0].tax_rate == 6


async def test_refunds_and_payments_carry_the_order_number(client, sandbox):
    httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json={"refunds": 3}).raise_for_status()
    refunds = await read(RefundsStream(client))
    assert len(refunds) >= 3 and not [r.error for r in refunds if r.error]
    for record in refunds:
        memo = await client.get(f"/creditmemo/{record.source_id}")
        order = await client.get(f"/orders/{memo['order_id']}")
        refund = record.record
        assert refund.order_reference == order["increment_id"]
        # What is credited: also what went back to a gift card or store credit (Adobe Commerce).
        paid_by_cards = sum(
            Decimal(str(memo.get("extension_attributes", {}).get(name, 0)))
            for name in ("gift_cards_amount", "customer_balance_amount")
        )
        assert refund.total.amount == Decimal(str(memo["grand_total"])) + paid_by_cards
        parts = sum(x.amount.amount for x in refund.lines)
        parts += refund.shipping.amount if refund.shipping else 0
        assert parts == refund.total.amount  # no child line counted twice
    payments = await read(PaymentsStream(client))
    first = next(p.record for p in payments if p.source_id == "1")
    assert (first.order_reference, first.amount, first.method) == (
        "000001001",
        Money.of("126.46", "EUR"),
        "checkmo",
    )
    assert first.paid_at == datetime(2026, 9, 1, 10, 1, tzinfo=UTC)


async def test_describe_sends_documented_requests(client):
    facts = await describe(client)
    assert (facts.company_name, facts.warehouses) == ("Main Website", ["default", "sthlm"])


async def test_stock_levels_are_written_in_one_batch_and_found(client):
    writer = StockWriter(client, {"source": "sthlm"})
    levels = [
        StockLevel(sku="NB001-01-01", quantity=Decimal(17)),
        StockLevel(sku="NB013-01-01", quantity=Decimal(0)),
    ]
    before = client.http.stats.requests
    written = await writer.write_many(levels)
    assert client.http.stats.requests == before + 1
    assert [w.target_id for w in written] == ["NB001-01-01", "NB013-01-01"]
    found = await writer.find(levels[0])
    assert found.target_id == "NB001-01-01"
    assert (found.payload["quantity"], found.payload["status"]) == (17, 1)
    empty = await writer.find(levels[1])
    assert (empty.payload["quantity"], empty.payload["status"]) == (0, 0)
    await writer.update("NB001-01-01", StockLevel(sku="NB001-01-01", quantity=Decimal(3)), {})
    assert (await writer.find(levels[0])).payload["quantity"] == 3
    assert await writer.find(StockLevel(sku="nb001-01-01", quantity=Decimal(1))) is None


async def test_invoices_are_created_linked_and_found_again(client):
    order = (await orders(client, "new"))[0]
    sku = order["items"][0]["sku"]
    writer = InvoiceWriter(client, ERP)
    record = invoice("F1001", order, [line(sku, 1, "10")])
    assert await writer.find(record) is None
    written = await writer.create(record, {})
    saved = await client.get(f"/invoices/{written.target_id}")
    assert saved["order_id"] == order["entity_id"]
    assert [c["comment"] for c in saved["comments"]] == ["Fortnox invoice F1001"]
    assert [(i["sku"], i["qty"]) for i in saved["items"] if i["price"]] == [(sku, 1)]
    assert (await writer.find(record)).target_id == written.target_id
    assert await writer.find(record.model_copy(update={"number": "F100"})) is None
    # An update cannot change a Magento invoice: the existing one is kept.
    assert (await writer.update(written.target_id, record, {})).target_id == written.target_id


async def test_an_order_invoiced_at_checkout_gets_its_invoice_linked(client):
    order = (await orders(client, "processing"))[0]
    lines = [line(i["sku"], int(i["qty_ordered"]), "1") for i in order["items"]]
    before = await client.everything(
        "/invoices", Criteria().where("order_id", str(order["entity_id"]))
    )
    written = await InvoiceWriter(client, ERP).create(invoice("F2001", order, lines), {})
    after = await client.everything(
        "/invoices", Criteria().where("order_id", str(order["entity_id"]))
    )
    assert len(after) == len(before) and written.target_id == str(before[0]["entity_id"])
    linked = await client.get(f"/invoices/{written.target_id}")
    assert "Fortnox invoice F2001" in [c["comment"] for c in linked["comments"]]
    found = await InvoiceWriter(client, ERP).find(invoice("F2001", order, lines))
    assert found.target_id == written.target_id
    with pytest.raises(ConnectorError) as raised:  # nothing left, no invoice free to link
        await InvoiceWriter(client, ERP).create(invoice("F2002", order, lines), {})
    assert raised.value.error_class is ErrorClass.CONFLICT


async def test_credit_notes_become_credit_memos_with_shipping_and_adjustment(client):
    order = next(o for o in await orders(client, "processing") if o["shipping_amount"])
    order = await client.get(f"/orders/{order['entity_id']}")
    currency = order["order_currency_code"]
    item = next(i for i in order["items"] if not i.get("parent_item_id"))
    unit = (
        Decimal(str(item["row_total"])) + Decimal(str(item["tax_amount"]))
        + Decimal(str(item.get("discount_tax_compensation_amount") or 0))
        - Decimal(str(item.get("discount_amount") or 0))
    ) / Decimal(str(item["qty_ordered"]))  # fmt: skip
    unit = unit.quantize(Decimal("0.01"))
    shipping = Decimal(str(order["shipping_incl_tax"]))
    note = CreditNote(
        source_id="K1",
        number="K1",
        invoice_reference="F1",
        order_reference=order["increment_id"],
        issued_on=date(2026, 10, 2),
        currency=currency,
        lines=[line(item["sku"], 1, str(unit), currency)],
        shipping=Shipping(amount=Money.of(shipping, currency), tax_rate=Decimal(25)),
        total=Money.of(unit + shipping, currency),
    )
    writer = CreditNoteWriter(client, ERP)
    assert await writer.find(note) is None
    written = await writer.create(note, {})
    memo = await client.get(f"/creditmemo/{written.target_id}")
    assert [c["comment"] for c in memo["comments"]] == ["Fortnox credit note K1"]
    assert Decimal(str(memo["grand_total"])) == unit + shipping
    assert Decimal(str(memo["shipping_incl_tax"])) == shipping
    assert [(i["sku"], i["qty"]) for i in memo["items"] if i["price"]] == [(item["sku"], 1)]
    assert (await writer.find(note)).target_id == written.target_id

    amount_only = note.model_copy(
        update={"number": "K2", "lines": [], "shipping": None, "total": Money.of("7.50", currency)}
    )
    memo = await client.get(f"/creditmemo/{(await writer.create(amount_only, {})).target_id}")
    assert Decimal(str(memo["grand_total"])) == Decimal("7.50")
    assert Decimal(str(memo["adjustment_positive"])) == Decimal("7.50")
    assert not [i for i in memo["items"] if i["qty"]]


async def test_documents_for_unknown_orders_and_skus_are_explained(client):
    order = (await orders(client, "new"))[0]
    writer = InvoiceWriter(client, ERP)
    with pytest.raises(ConnectorError) as raised:
        await writer.create(invoice("F9", order | {"increment_id": "999999999"}, []), {})
    assert raised.value.error_class is ErrorClass.NOT_FOUND and "999999999" in str(raised.value)
    with pytest.raises(ConnectorError) as raised:
        await writer.create(invoice("F9", order, [line("NO-SUCH-SKU", 1, "1")]), {})
    assert raised.value.error_class is ErrorClass.DATA and "NO-SUCH-SKU" in str(raised.value)
    with pytest.raises(ConnectorError) as raised:
        await client.get("/orders/99999")
    assert raised.value.error_class is ErrorClass.NOT_FOUND
    assert "%" not in raised.value.message and "doesn't exist" in raised.value.message


async def test_a_wrong_secret_is_an_auth_error_without_the_secret(sandbox, spec):
    credentials = sandbox.credentials() | {"consumer_secret": "w" * 32, "rate_limit": False}
    async with MagentoClient(sandbox.base_url, credentials).http as http:
        with pytest.raises(ConnectorError) as raised:
            await http.request("GET", "/orders/1")
    assert raised.value.error_class is ErrorClass.AUTH and raised.value.status == 401
    assert "w" * 32 not in str(raised.value)


async def test_a_reauthorized_integration_asks_for_reactivation(tmp_path):
    sandbox = start_sandbox("magento", tmp_path)
    try:
        client = MagentoClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
        assert (await client.get("/orders/1"))["increment_id"] == "000001001"
        httpx.post(f"{sandbox.base_url}/_sandbox/integration/reauthorize").raise_for_status()
        with pytest.raises(ConnectorError) as raised:
            await client.get("/orders/1")
        assert raised.value.error_class is ErrorClass.AUTH
        assert "Reactivate" in raised.value.message
        await client.aclose()
        renewed = MagentoClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
        assert (await renewed.get("/orders/1"))["entity_id"] == 1
        await renewed.aclose()
    finally:
        sandbox.stop()


def test_base_urls_and_error_messages():
    assert api_root("https://shop.example") == "https://shop.example/rest/default/V1"
    assert api_root("https://shop.example/", "se") == "https://shop.example/rest/se/V1"
    assert api_root("https://shop.example/rest") == "https://shop.example/rest/V1"
    assert api_root("https://shop.example/index.php/rest/all/V1") == (
        "https://shop.example/index.php/rest/all/V1"
    )
    named = {"fieldName": "email", "fieldValue": "a@b.se"}
    assert fill("No such entity with %fieldName = %fieldValue", named) == (
        "No such entity with email = a@b.se"
    )
    assert fill("%1 of %10", [str(n) for n in range(1, 11)]) == "1 of 10"
