"""The Centra connector against the Centra sandbox, over real HTTP."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.streams import (
    CustomersStream,
    OrdersStream,
    PaymentsStream,
    RefundsStream,
)
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.model import Money, Order, Payment, Refund
from tests.support.processes import sandbox_fixture

TOKEN = "centra-demo-token"


sandbox = sandbox_fixture("centra")


async def read_all(stream, since=None):
    return [r async for page in stream.pages(since, datetime.now(UTC)) for r in page]


async def test_every_visible_order_maps_to_the_model_with_exact_totals(sandbox):
    state = sandbox.state()
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    try:
        records = await read_all(OrdersStream(client))
    finally:
        await client.aclose()
    visible = {str(o["number"]): o for o in state["orders"] if not o["isOnHold"]}
    assert [r.source_id for r in records] == sorted(visible, key=int)
    assert all(r.error is None and isinstance(r.record, Order) for r in records)
    first = records[0].record
    seeded = visible[first.number]
    assert first.currency == seeded["currency"]["code"]
    assert first.exchange_rate == Decimal(str(seeded["conversionRate"]))
    skus = [line["productSize"]["SKU"] for line in seeded["lines"]]
    assert [line.sku for line in first.lines] == skus
    assert first.customer.source_id == str(seeded["customerId"])
    assert first.customer.email and first.billing_address and first.billing_address.country
    # Order validation already proved lines + shipping == grand total to the cent.
    assert records[0].position == first.created_at


async def test_orders_are_read_in_a_closed_created_at_range(sandbox):
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    try:
        everything = await read_all(OrdersStream(client))
        boundary = everything[10].position
        later = await read_all(OrdersStream(client), since=boundary)
    finally:
        await client.aclose()
    assert later[0].source_id == everything[10].source_id  # the boundary itself is re-read
    assert len(later) == len(everything) - 10


async def test_customers_map_with_their_last_billing_address(sandbox):
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    try:
        records = await read_all(CustomersStream(client))
    finally:
        await client.aclose()
    assert len(records) == len(sandbox.state()["customers"])
    assert all(r.error is None for r in records)
    assert sum(1 for r in records if r.record.address is not None) > len(records) // 2


async def test_missing_permission_and_bad_tokens_are_auth_errors(sandbox):
    for token, words in ((f"{TOKEN}-no-orders", "Order:read"), ("nope", "new one in Centra")):
        client = CentraClient(sandbox.base_url, {"token": token, "rate_limit": False})
        try:
            with pytest.raises(ConnectorError, match=words) as raised:
                await read_all(OrdersStream(client))
        finally:
            await client.aclose()
        assert raised.value.error_class is ErrorClass.AUTH


async def test_completed_returns_map_to_refunds_to_the_cent(sandbox):
    state = sandbox.state()
    orders = {o["id"]: o for o in state["orders"]}
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    try:
        records = await read_all(RefundsStream(client))
    finally:
        await client.aclose()
    completed = [r for r in state["returns"] if r["status"] == "COMPLETED"]
    assert [r.source_id for r in records] == [str(r["id"]) for r in completed]
    assert all(r.error is None and isinstance(r.record, Refund) for r in records)
    for record, seeded in zip(records, completed, strict=True):
        order = orders[seeded["orderId"]]
        refund = record.record
        assert refund.order_reference == str(order["number"])
        assert refund.created_at == datetime.fromisoformat(seeded["createdAt"])
        skus = {line["id"]: line["productSize"]["SKU"] for line in order["lines"]}
        assert [(line.sku, line.quantity, line.amount.amount) for line in refund.lines] == [
            (skus[item["orderLineId"]], item["quantity"], Decimal(str(item["amount"])))
            for item in seeded["lines"]
        ]
        assert all(line.amount.currency == order["currency"]["code"] for line in refund.lines)
        shipping = Decimal(str(seeded["shipping"]))
        assert (refund.shipping.amount if refund.shipping else Decimal(0)) == shipping
        lines_total = sum((Decimal(str(item["amount"])) for item in seeded["lines"]), shipping)
        assert refund.total.amount == lines_total


async def test_successful_captures_map_to_payments(sandbox):
    state = sandbox.state()
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    try:
        records = await read_all(PaymentsStream(client))
        recent = await read_all(PaymentsStream(client, {"window_days": 1}))
    finally:
        await client.aclose()
    captures = {
        str(entry["id"]): (order, entry)
        for order in state["orders"]
        if not order["isOnHold"]
        for entry in order["paymentHistory"]
        if entry["entryType"] == "CAPTURE" and entry["status"] == "SUCCESS"
    }
    assert sorted(r.source_id for r in records) == sorted(captures)
    for record in records:
        order, entry = captures[record.source_id]
        payment = record.record
        assert isinstance(payment, Payment)
        assert payment.order_reference == str(order["number"])
        assert payment.amount == Money(
            amount=Decimal(str(entry["value"])), currency=order["currency"]["code"]
        )
        assert payment.paid_at == datetime.fromisoformat(entry["createdAt"])
        assert payment.method == entry["paymentMethod"]
    # The seeded orders are older than a day: a one-day window reads none of them.
    assert recent == []


async def test_cancelled_orders_are_marked(sandbox):
    client = CentraClient(sandbox.base_url, {"token": TOKEN, "rate_limit": False})
    try:
        records = await read_all(OrdersStream(client))
    finally:
        await client.aclose()
    seeded = {str(o["number"]): o["status"] for o in sandbox.state()["orders"]}
    assert {seeded[r.source_id] for r in records} >= {"CONFIRMED", "PROCESSING", "SHIPPED"}
    assert all(r.record.cancelled == (seeded[r.source_id] == "CANCELLED") for r in records)
