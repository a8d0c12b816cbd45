"""The Centra connector against the Centra sandbox, over real HTTP."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.streams import CustomersStream, OrdersStream
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.model import Order
from tests.support.processes import start_sandbox

TOKEN = "centra-demo-token"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    process = start_sandbox("centra", tmp_path_factory.mktemp("centra"), "--no-rate-limit")
    yield process
    process.stop()


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
