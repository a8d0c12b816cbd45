# ruff: noqa: F811 (the shared fixtures of test_vismanet are imported, then requested by name)
"""Visma.net streams (items, stock, invoices, credit notes) and the refund and payment writers,
against the Visma.net sandbox over real HTTP; requests are checked against the spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.finance import PaymentWriter, RefundWriter
from brygga.connectors.vismanet.streams import (
    CreditNotesStream,
    InvoicesStream,
    ProductsStream,
    StockStream,
)
from brygga.connectors.vismanet.writers import ProductWriter
from brygga.model import Money, Payment, PaymentStatus, Refund, RefundLine
from tests.connectors.test_vismanet import (  # noqa: F401
    client,
    document,
    openapi,
    placed,
    product,
    sandbox,
    simulate,
)

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")
LATER = datetime(2100, 1, 1, tzinfo=UTC)


async def read(stream, since=None, until=LATER):
    return [record async for page in stream.pages(since, until) for record in page]


async def invoiced(sandbox, client, number: str, email: str):
    """A shop order written into Visma.net and invoiced there by the staff."""
    written, record = await placed(client, number, email)
    made = simulate(sandbox, invoice_orders=100)["invoice_orders"]
    invoices = [await client.get(f"/v1/customerinvoice/{n}") for n in made]
    invoice = next(doc for doc in invoices if doc["externalReference"] == number)
    return written, record, invoice


# --- streams ---------------------------------------------------------------------------------


async def test_products_stream_reads_items_changed_since(sandbox, client):
    everything = await read(ProductsStream(client))
    items = {item["inventoryNumber"] for item in sandbox.state()["inventory"]}
    assert [r.source_id for r in everything if r.source_id not in items] == []
    # The bookkeeping items (rounding, split shipping) are not products.
    assert items - {r.source_id for r in everything} == {"ROUNDING", "SHIPPING"}
    sweater = next(r for r in everything if r.source_id == "NB001-01-01")
    variant = sweater.record.variants[0]
    assert (sweater.record.product_number, sweater.record.active) == ("NB001-01-01", True)
    assert (variant.sku, variant.ean, variant.tax_rate) == ("NB001-01-01", "7350000101010", 25)
    assert variant.prices == [Money.of("1299.00", "SEK")]  # net 1039.20 + 25 % VAT
    positions = [record.position for record in everything]
    assert positions == sorted(positions) and all(p.tzinfo for p in positions)
    since = positions[-1] + timedelta(milliseconds=1)
    await ProductWriter(client).update("NB002-01-01", product("NB002-01-01", "100.00"), {})
    changed = await read(ProductsStream(client), since)
    assert [r.source_id for r in changed] == ["NB002-01-01"]
    assert changed[0].record.variants[0].prices == [Money.of("100.00", "SEK")]
    assert await read(ProductsStream(client), since, until=since) == []


async def test_stock_stream_reads_absolute_quantities(sandbox, client):
    stream = StockStream(client, {"warehouse": "1"})
    assert stream.replication_key is None
    levels = {r.source_id: r.record for r in await read(stream)}
    items = sandbox.state()["inventory"]
    stocked = {item["inventoryNumber"]: item for item in items if item["stockItem"]}
    assert set(levels) == set(stocked)
    for sku, item in stocked.items():
        assert levels[sku].quantity == item["warehouseDetails"][0]["quantityOnHand"]
        assert levels[sku].warehouse == "1"


async def test_invoices_of_shop_orders_are_read_with_their_reference(sandbox, client):
    _, record, invoice = await invoiced(sandbox, client, "S-1001", "inv@example.se")
    simulate(sandbox, invoices=2)  # ERP-only invoices: not for Brygga
    records = await read(InvoicesStream(client))
    assert {r.record.order_reference for r in records} >= {"S-1001"}
    assert all(r.record.order_reference for r in records)
    mine = next(r.record for r in records if r.record.order_reference == "S-1001")
    assert mine.number == mine.source_id == invoice["referenceNumber"]
    assert (mine.currency, mine.prices_include_tax) == ("EUR", False)
    assert [(line.sku, line.quantity, line.tax_rate) for line in mine.lines] == [
        ("NB001-01-01", 2, 25),
        ("NB013-01-01", 1, 6),
    ]
    assert mine.lines[0].total == Money.of("166.32", "EUR")
    assert mine.shipping.amount == Money.of("4.00", "EUR")
    assert mine.total == record.grand_total
    since = next(r.position for r in records if r.record.order_reference == "S-1001")
    later = await read(InvoicesStream(client), since)
    assert "S-1001" in {r.record.order_reference for r in later}


async def test_credit_notes_of_shop_invoices_carry_both_references(sandbox, client):
    _, _, invoice = await invoiced(sandbox, client, "S-2001", "credit@example.se")
    notes = simulate(sandbox, credit_invoices=50)["credit_invoices"]
    simulate(sandbox, invoices=3, credit_notes=6)  # some credit ERP-only invoices
    records = {r.source_id: r.record for r in await read(CreditNotesStream(client))}
    assert set(notes) <= set(records)
    mine = next(records[n] for n in notes if records[n].order_reference == "S-2001")
    assert (mine.invoice_reference, mine.currency) == (invoice["referenceNumber"], "EUR")
    assert mine.total.amount == invoice["amountInCurrency"]
    assert [line.sku for line in mine.lines] == ["NB001-01-01", "NB013-01-01"]
    assert all(note.order_reference for note in records.values())
    closed = await client.get(f"/v1/customerinvoice/{invoice['referenceNumber']}")
    assert closed["status"] == "Closed"


# --- refunds ---------------------------------------------------------------------------------


def refund(source_id: str, order_number: str, **fields) -> Refund:
    values = dict(
        source_id=source_id,
        order_reference=order_number,
        created_at=datetime(2026, 9, 5, 10, tzinfo=UTC),
        total=Money.of("103.95", "EUR"),
        lines=[RefundLine(sku="NB001-01-01", quantity=1, amount=Money.of("103.95", "EUR"))],
    )
    return Refund(**(values | fields))


async def test_refunds_become_credit_notes_applied_to_the_invoice(sandbox, client):
    _, _, invoice = await invoiced(sandbox, client, "S-3001", "refund@example.se")
    writer = RefundWriter(client)
    shipping_too = refund("R-1", "S-3001", total=Money.of("108.95", "EUR"),
                          shipping=Money.of("5.00", "EUR"))  # fmt: skip
    written = await writer.create(shipping_too, {})
    note = await client.get(f"/v1/customerCreditNote/{written.target_id}")
    assert (note["status"], note["customerRefNumber"], note["externalReference"]) == (
        "Closed",
        "R-1",
        "S-3001",
    )
    assert [(line.get("inventoryNumber"), line["amountInCurrency"]) for line in note["lines"]] == [
        ("NB001-01-01", Decimal("83.16")),
        (None, Decimal("4.00")),
    ]
    assert note["amountInCurrency"] == Decimal("108.95")
    assert note["applications"][0]["refNbr"] == invoice["referenceNumber"]
    after = await client.get(f"/v1/customerinvoice/{invoice['referenceNumber']}")
    assert after["balanceInCurrency"] == invoice["balanceInCurrency"] - Decimal("108.95")
    assert (await writer.find(shipping_too)).target_id == written.target_id
    assert await writer.find(refund("R-404", "S-3001")) is None
    with pytest.raises(ConnectorError) as released:
        await writer.update(written.target_id, shipping_too, {})
    assert released.value.error_class is ErrorClass.CONFLICT
    goodwill = refund("R-2", "S-3001", lines=[], total=Money.of("20.00", "EUR"))
    credited = await writer.create(goodwill, {})
    assert credited.payload["amountInCurrency"] == Decimal("20.00")
    assert {line["vatCode"]["id"] for line in credited.payload["lines"]} == {"1", "3"}


async def test_a_refund_of_an_order_without_invoice_is_not_found(sandbox, client):
    await placed(client, "S-4001", "noinvoice@example.se")
    with pytest.raises(ConnectorError) as raised:
        await RefundWriter(client).create(refund("R-3", "S-4001"), {})
    assert raised.value.error_class is ErrorClass.NOT_FOUND
    assert "S-4001" in raised.value.message


# --- payments --------------------------------------------------------------------------------


def payment(source_id: str, order_number: str, amount: str, **fields) -> Payment:
    values = dict(
        source_id=source_id,
        order_reference=order_number,
        amount=Money.of(amount, "EUR"),
        paid_at=datetime(2026, 9, 2, 9, tzinfo=UTC),
        method="card",
    )
    return Payment(**(values | fields))


async def test_payments_settle_the_invoice_and_are_found_again(sandbox, client):
    _, _, invoice = await invoiced(sandbox, client, "S-5001", "pay@example.se")
    writer = PaymentWriter(client)
    captured = payment("psp_abc123", "S-5001", "230.85")
    assert await writer.find(captured) is None
    written = await writer.create(captured, {})
    saved = await client.get(f"/v1/customerPayment/{written.target_id}")
    assert (saved["status"], saved["paymentRef"], saved["paymentMethod"]["id"]) == (
        "Closed",
        "psp_abc123",
        "KORT",
    )
    assert (saved["currency"], saved["paymentAmount"], saved["applicationDate"][:10]) == (
        "EUR",
        Decimal("230.85"),
        "2026-09-02",
    )
    assert saved["paymentLines"][0]["refNbr"] == invoice["referenceNumber"]
    paid = await client.get(f"/v1/customerinvoice/{invoice['referenceNumber']}")
    assert (paid["status"], paid["balanceInCurrency"]) == ("Closed", 0)
    assert (await writer.find(captured)).target_id == written.target_id
    assert (await writer.update(written.target_id, captured, {})).target_id == written.target_id
    with pytest.raises(ConnectorError) as settled:
        await writer.create(payment("psp_again", "S-5001", "1.00"), {})
    assert settled.value.error_class is ErrorClass.CONFLICT
    with pytest.raises(ConnectorError) as pending:
        await writer.create(payment("psp_p", "S-5001", "1.00", status=PaymentStatus.PENDING), {})
    assert pending.value.error_class is ErrorClass.DATA
    with pytest.raises(ConnectorError) as missing:
        await writer.create(payment("psp_x", "S-NONE", "1.00"), {})
    assert missing.value.error_class is ErrorClass.NOT_FOUND
