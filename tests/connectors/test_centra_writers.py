"""The Centra writers (products, stock, invoices, credit notes) against the Centra sandbox, over
real HTTP, read back through GraphQL and the sandbox's state."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from brygga.connectors.centra import mutations, queries
from brygga.connectors.centra.catalogue import ProductWriter, StockWriter
from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.fulfilment import CreditNoteWriter, InvoiceWriter
from brygga.connectors.centra.streams import OrdersStream, RefundsStream
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.model import (
    CreditNote,
    Invoice,
    Money,
    OrderLine,
    Product,
    Shipping,
    StockLevel,
    Variant,
)
from brygga.sandbox.centra.schema import load_schema
from tests.connectors.cases.centra import CASE
from tests.support.processes import sandbox_fixture

TOKEN = "centra-demo-token"
SEK_PRICELIST = 1


sandbox = sandbox_fixture("centra")


@pytest.fixture
async def client(sandbox):
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    yield client
    await client.aclose()


def graphql(sandbox, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(
        f"{sandbox.base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


SIZE = """query($sku: String!) { productSizes(where: {SKU: {equals: $sku}}) {
  id SKU EAN size { name }
  productVariant { id name prices { pricelist { id } price { value currency { code } } }
                   product { id name status productNumber } } } }"""


def size_of(sandbox, sku: str) -> dict[str, Any]:
    (size,) = graphql(sandbox, SIZE, {"sku": sku})["productSizes"]
    return size


def price_in(size: dict[str, Any], pricelist: int) -> Decimal:
    (price,) = [p for p in size["productVariant"]["prices"] if p["pricelist"]["id"] == pricelist]
    return Decimal(str(price["price"]["value"]))


def article(sku: str, price: str, ean: str = "", name: str = "Linen Scarf") -> Product:
    variant = Variant(sku=sku, name=name, ean=ean, prices=[Money.of(price, "SEK")])
    return Product(source_id=sku, product_number=sku, name=name, variants=[variant])


def physical(sandbox, sku: str, warehouse: int = 1) -> int:
    (size,) = [s for s in sandbox.state()["productSizes"] if s["SKU"] == sku]
    return size["stock"][str(warehouse)]["physical"]


def orders_by_status(sandbox, status: str) -> list[dict[str, Any]]:
    return [o for o in sandbox.state()["orders"] if o["status"] == status and not o["isOnHold"]]


def order_doc(sandbox, number: int) -> dict[str, Any]:
    (order,) = [o for o in sandbox.state()["orders"] if o["number"] == number]
    return order


def lines_of(order: dict[str, Any], quantities: dict[str, int] | None = None) -> list[OrderLine]:
    code = order["currency"]["code"]
    lines = []
    for line in order["lines"]:
        sku = line["productSize"]["SKU"]
        quantity = (quantities or {}).get(sku, 0 if quantities else line["quantity"])
        if quantity:
            lines.append(
                OrderLine(
                    source_id=str(line["id"]),
                    sku=sku,
                    description=line["productName"],
                    quantity=Decimal(quantity),
                    unit_price=Money.of(Decimal(str(line["unitPrice"])), code),
                    tax_rate=Decimal(str(line["taxPercent"])),
                )
            )
    return lines


def invoice(order: dict[str, Any], number: str, lines: list[OrderLine] | None = None) -> Invoice:
    lines = lines if lines is not None else lines_of(order)
    code = order["currency"]["code"]
    total = sum((line.total.amount for line in lines), Decimal(0))
    return Invoice(
        source_id=number,
        number=number,
        order_reference=str(order["number"]),
        issued_on=date(2026, 10, 1),
        currency=code,
        lines=lines,
        total=Money.of(total, code),
    )


def credit_note(
    order: dict[str, Any],
    number: str,
    lines: list[OrderLine],
    invoice_number: str = "",
    shipping: Decimal | None = None,
) -> CreditNote:
    code = order["currency"]["code"]
    total = sum((line.total.amount for line in lines), shipping or Decimal(0))
    freight = Shipping(amount=Money.of(shipping, code), tax_rate=Decimal(25)) if shipping else None
    return CreditNote(
        source_id=number,
        number=number,
        invoice_reference=invoice_number,
        order_reference=str(order["number"]),
        issued_on=date(2026, 10, 2),
        currency=code,
        lines=lines,
        shipping=freight,
        total=Money.of(total, code),
    )


def conversions(sandbox, object_type: str) -> dict[str, int]:
    tables = sandbox.state()["idConversions"]
    return {
        entry["externalId"]: entry["internalId"]
        for table in tables
        if table["integrationName"] == "brygga-demo" and table["objectType"] == object_type
        for entry in table["entries"]
    }


# --- stock ---------------------------------------------------------------------------------


async def test_stock_is_set_absolutely_and_again_changes_nothing(sandbox, client):
    writer = StockWriter(client)
    written = await writer.create(StockLevel(sku="NB001-01-02", quantity=Decimal(7)), {})
    assert written.target_id == "NB001-01-02"
    assert physical(sandbox, "NB001-01-02") == 7
    changes = len(sandbox.state()["stockChanges"])
    await writer.update("NB001-01-02", StockLevel(sku="NB001-01-02", quantity=Decimal(7)), {})
    assert len(sandbox.state()["stockChanges"]) == changes  # the same level is no change
    assert await writer.find(StockLevel(sku="NB001-01-02", quantity=Decimal(7))) is None


async def test_stock_batches_go_in_one_set_stock_and_negative_stock_is_zero(sandbox, client):
    writer = StockWriter(client, {"centra_warehouse": "Stockholm Store"})
    levels = [
        StockLevel(sku="NB001-01-03", quantity=Decimal(3)),
        StockLevel(sku="NB001-01-04", quantity=Decimal(-2)),
        StockLevel(sku="NB002-01-01", quantity=Decimal("12.000")),
    ]
    changes = len(sandbox.state()["stockChanges"])
    written = await writer.write_many(levels)
    assert [w.target_id for w in written] == ["NB001-01-03", "NB001-01-04", "NB002-01-01"]
    assert len(sandbox.state()["stockChanges"]) == changes + 1
    assert physical(sandbox, "NB001-01-03", 2) == 3
    assert physical(sandbox, "NB002-01-01", 2) == 12
    (size,) = [s for s in sandbox.state()["productSizes"] if s["SKU"] == "NB001-01-04"]
    assert size["stock"].get("2", {"physical": 0})["physical"] == 0


async def test_stock_errors_name_the_sku(client):
    with pytest.raises(ConnectorError, match="no size with SKU NOPE-1") as raised:
        await StockWriter(client).create(StockLevel(sku="NOPE-1", quantity=Decimal(1)), {})
    assert raised.value.error_class is ErrorClass.NOT_FOUND
    with pytest.raises(ConnectorError, match="whole units") as raised:
        await StockWriter(client).create(StockLevel(sku="NB001-01-01", quantity=Decimal("1.5")), {})
    assert raised.value.error_class is ErrorClass.DATA
    with pytest.raises(ConnectorError, match="no warehouse 'Lager 9'"):
        await StockWriter(client, {"centra_warehouse": "Lager 9"}).create(
            StockLevel(sku="NB001-01-01", quantity=Decimal(1)), {}
        )


# --- products ------------------------------------------------------------------------------


async def test_a_new_article_becomes_a_one_size_product_with_its_price(sandbox, client):
    writer = ProductWriter(client)
    record = article("ERP-1001", "249.00", ean="7350012345679")
    assert await writer.find(record) is None
    written = await writer.create(record, {})
    size = size_of(sandbox, "ERP-1001")
    assert written.target_id == str(size["id"])
    assert size["EAN"] == "7350012345679"
    assert size["size"]["name"] == "One Size"
    product = size["productVariant"]["product"]
    assert (product["name"], product["status"], product["productNumber"]) == (
        "Linen Scarf",
        "ACTIVE",
        "ERP-1001",
    )
    assert price_in(size, SEK_PRICELIST) == Decimal("249.00")
    # Found again by SKU, with nothing left to change.
    found = await writer.find(record)
    assert found is not None and found.target_id == written.target_id
    assert found.payload["changed"] == {}


async def test_an_article_update_changes_only_what_differs(sandbox, client):
    writer = ProductWriter(client, {"pricelist": "Retail SEK"})
    written = await writer.create(article("ERP-1002", "100.00"), {})
    changed = article("ERP-1002", "119.50", ean="7350012345686", name="Linen Scarf II")
    updated = await writer.update(written.target_id, changed, {})
    assert updated.payload["changed"] == {
        "EAN": "7350012345686",
        "name": "Linen Scarf II",
        "price in pricelist 1": "119.50 SEK",
    }
    size = size_of(sandbox, "ERP-1002")
    assert price_in(size, SEK_PRICELIST) == Decimal("119.50")
    assert size["productVariant"]["product"]["name"] == "Linen Scarf II"
    again = await writer.update(written.target_id, changed, {})
    assert again.payload["changed"] == {}


async def test_an_existing_size_gets_erp_price_and_ean_but_keeps_its_product_name(sandbox, client):
    before = size_of(sandbox, "NB001-01-05")
    record = article("NB001-01-05", "1234.50", ean="7350012345693", name="Wool Sweater XL")
    found = await ProductWriter(client).find(record)
    assert found is not None and found.target_id == str(before["id"])
    after = size_of(sandbox, "NB001-01-05")
    assert after["EAN"] == "7350012345693"
    assert price_in(after, SEK_PRICELIST) == Decimal("1234.50")
    # The product has more sizes: its name is Centra's, not one ERP article's.
    assert after["productVariant"]["product"]["name"] == before["productVariant"]["product"]["name"]
    # Other sizes of the product keep their price: it is the variant's own price now.
    assert price_in(size_of(sandbox, "NB001-02-01"), SEK_PRICELIST) == price_in(
        before, SEK_PRICELIST
    )


async def test_product_errors_say_what_to_set(client):
    with pytest.raises(ConnectorError, match="no pricelist 'Outlet'") as raised:
        await ProductWriter(client, {"pricelist": "Outlet"}).create(article("ERP-9", "1"), {})
    assert raised.value.error_class is ErrorClass.DATA
    sized = Variant(sku="ERP-10", name="Scarf", size="XXL", prices=[])
    record = Product(source_id="ERP-10", product_number="ERP-10", name="Scarf", variants=[sized])
    with pytest.raises(ConnectorError, match="XXL is not in Centra's size chart 'XS-XL'"):
        await ProductWriter(client, {"size_chart": "XS-XL"}).create(record, {})


# --- invoices ------------------------------------------------------------------------------


async def test_an_invoice_ships_and_captures_an_open_order(sandbox, client):
    order = orders_by_status(sandbox, "CONFIRMED")[0]
    writer = InvoiceWriter(client)
    written = await writer.create(invoice(order, "INV-1"), {})
    after = order_doc(sandbox, order["number"])
    assert after["status"] == "SHIPPED"
    (shipment_id,) = after["shipments"]
    assert written.target_id == str(shipment_id)
    (capture,) = [e for e in after["paymentHistory"] if e["entryType"] == "CAPTURE"]
    assert capture["status"] == "SUCCESS"
    assert conversions(sandbox, "Shipment")["INV-1"] == shipment_id
    found = await writer.find(invoice(order, "INV-1"))
    assert found is not None and found.target_id == written.target_id
    assert await writer.find(invoice(order, "INV-404")) is None


async def test_a_partial_invoice_ships_only_its_lines(sandbox, client):
    order = next(o for o in orders_by_status(sandbox, "CONFIRMED") if len(o["lines"]) > 1)
    first = order["lines"][0]
    lines = lines_of(order, {first["productSize"]["SKU"]: first["quantity"]})
    written = await InvoiceWriter(client, {"ship": False}).create(
        invoice(order, "INV-2", lines), {}
    )
    after = order_doc(sandbox, order["number"])
    (shipment,) = [s for s in sandbox.state()["shipments"] if s["id"] == int(written.target_id)]
    assert [(item["orderLineId"], item["quantity"]) for item in shipment["lines"]] == [
        (first["id"], first["quantity"])
    ]
    assert shipment["shippedAt"] is None and shipment["capturedAt"] is not None
    assert after["status"] == "PROCESSING"


async def test_an_order_the_shop_shipped_and_captured_is_linked_not_touched(sandbox, client):
    order = orders_by_status(sandbox, "SHIPPED")[0]
    written = await InvoiceWriter(client).create(invoice(order, "INV-3"), {})
    after = order_doc(sandbox, order["number"])
    assert after["paymentHistory"] == order["paymentHistory"]
    assert after["shipments"] == order["shipments"]
    assert written.target_id == str(order["shipments"][0])
    assert conversions(sandbox, "Shipment")["INV-3"] == order["shipments"][0]


async def test_an_invoice_for_a_shop_made_shipment_captures_and_ships_it(sandbox, client):
    order = orders_by_status(sandbox, "PROCESSING")[0]
    written = await InvoiceWriter(client).create(invoice(order, "INV-4"), {})
    after = order_doc(sandbox, order["number"])
    assert written.target_id == str(order["shipments"][0])
    assert after["shipments"] == order["shipments"]
    assert after["status"] == "SHIPPED"


async def test_invoice_errors_name_the_order(sandbox, client):
    order = orders_by_status(sandbox, "CONFIRMED")[-1]
    writer = InvoiceWriter(client)
    unknown = invoice(order, "INV-5").model_copy(update={"order_reference": "99999"})
    with pytest.raises(ConnectorError, match="Centra has no order 99999") as raised:
        await writer.create(unknown, {})
    assert raised.value.error_class is ErrorClass.NOT_FOUND
    with pytest.raises(ConnectorError, match="not a Centra order number") as raised:
        await writer.create(unknown.model_copy(update={"order_reference": "WEB-1"}), {})
    assert raised.value.error_class is ErrorClass.DATA
    other = [line.model_copy(update={"sku": "NOPE"}) for line in lines_of(order)]
    with pytest.raises(ConnectorError, match="none of the articles") as raised:
        await writer.create(invoice(order, "INV-6", other), {})
    assert raised.value.error_class is ErrorClass.DATA


# --- credit notes --------------------------------------------------------------------------


async def test_a_credit_note_becomes_a_completed_return_found_by_its_number(sandbox, client):
    order = next(
        o
        for o in orders_by_status(sandbox, "SHIPPED")
        if all(line["returnedQuantity"] == 0 for line in o["lines"]) and o["shipping"]
    )
    line = order["lines"][0]
    lines = lines_of(order, {line["productSize"]["SKU"]: 1})
    shipping = Decimal(str(order["shipping"]))
    note = credit_note(order, "CN-1", lines, shipping=shipping)
    writer = CreditNoteWriter(client)
    written = await writer.create(note, {})
    (returned,) = [r for r in sandbox.state()["returns"] if r["id"] == int(written.target_id)]
    assert returned["status"] == "COMPLETED"
    assert returned["comment"] == "Credit note CN-1"
    assert returned["shipmentId"] == order["shipments"][0]
    assert [(item["orderLineId"], item["quantity"]) for item in returned["lines"]] == [
        (line["id"], 1)
    ]
    assert Decimal(str(returned["shipping"])) == shipping
    assert returned["returnedToStock"] is False
    assert conversions(sandbox, "Return")["CN-1"] == returned["id"]
    found = await writer.find(note)
    assert found is not None and found.target_id == written.target_id
    # The refunds stream reads it under the same id (so the engine knows it for an echo).
    refunds = [
        r
        async for page in RefundsStream(client).pages(None, datetime.now(UTC))
        for r in page
        if r.source_id == written.target_id
    ]
    assert refunds[0].record.total.amount == Decimal(str(line["unitPrice"])) + shipping


async def test_a_credit_note_returns_on_the_shipment_of_its_invoice(sandbox, client):
    order = next(o for o in orders_by_status(sandbox, "CONFIRMED") if len(o["lines"]) > 1)
    first, second = order["lines"][:2]
    invoices = InvoiceWriter(client)
    await invoices.create(
        invoice(order, "INV-7", lines_of(order, {first["productSize"]["SKU"]: 1})), {}
    )
    second_invoice = invoice(order, "INV-8", lines_of(order, {second["productSize"]["SKU"]: 1}))
    shipped = await invoices.create(second_invoice, {})
    note = credit_note(order, "CN-2", lines_of(order, {second["productSize"]["SKU"]: 1}), "INV-8")
    written = await CreditNoteWriter(client, {"restock": True}).create(note, {})
    (returned,) = [r for r in sandbox.state()["returns"] if r["id"] == int(written.target_id)]
    assert returned["shipmentId"] == int(shipped.target_id)
    assert returned["returnedToStock"] is True


async def test_credit_note_errors_say_what_centra_cannot_do(sandbox, client):
    order = orders_by_status(sandbox, "CONFIRMED")[-1]  # nothing shipped
    writer = CreditNoteWriter(client)
    with pytest.raises(ConnectorError, match="no shipped shipment") as raised:
        await writer.create(credit_note(order, "CN-3", lines_of(order)), {})
    assert raised.value.error_class is ErrorClass.DATA
    unknown = credit_note(order, "CN-4", lines_of(order)).model_copy(
        update={"order_reference": "99999"}
    )
    with pytest.raises(ConnectorError, match="no order 99999") as raised:
        await writer.create(unknown, {})
    assert raised.value.error_class is ErrorClass.NOT_FOUND
    assert await writer.find(unknown) is None


def test_every_document_the_connector_sends_is_valid_against_the_sdl():
    # Centra publishes no schema; a field it does not have fails the whole query (§6), so
    # each document is checked against the sandbox's SDL, which cites a source for each name.
    schema = load_schema()
    documents = {
        f"{module.__name__}.{name}": value
        for module in (queries, mutations)
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and ("query" in value or "mutation" in value)
    }
    assert len(documents) > 20
    for name, document in documents.items():
        assert validate(schema, parse(document)) == [], name


async def test_the_conformance_case_reads_writes_and_loses_its_token(sandbox):
    client = CASE.open_client(sandbox)
    try:
        pages = OrdersStream(client).pages(None, datetime.now(UTC))
        assert [record async for page in pages for record in page]
        writer = ProductWriter(client)
        written = await writer.create(CASE.sample("t1"), await CASE.links(client, "t1"))
        found = await writer.find(CASE.sample("t1"))
        assert found is not None and found.target_id == written.target_id
        with pytest.raises(ConnectorError) as raised:
            await writer.create(CASE.invalid_sample("t2"), {})
        assert raised.value.error_class is ErrorClass.DATA
        await CASE.expire_token(sandbox, client)
        with pytest.raises(ConnectorError, match="create a new one") as raised:
            await writer.find(CASE.sample("t1"))
        assert raised.value.error_class is ErrorClass.AUTH and not CASE.refreshes
    finally:
        await client.aclose()
    # Only that client's token was revoked.
    assert size_of(sandbox, "CONF-t1")["SKU"] == "CONF-t1"
