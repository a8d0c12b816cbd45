"""The wizard's sample order against real sandboxes: the dry run writes nothing anywhere and
shows the customer and order requests; sending it writes both through the normal engine path,
once (a second send updates the same ERP order), without moving the orders flow's cursor."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from brygga.connectors import registry
from brygga.demo import connection_settings
from brygga.engine.integrations import FlowChoice, integration_named
from brygga.engine.samples import NEW_ID, NoSample, send_sample_order, try_sample_order
from brygga.store import CrossReference, Cursor, Run
from tests.support.integrations import SandboxIntegration, sandbox_integration

NAME = "sample-test"


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxIntegration]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "6") as found:
        found.configure(NAME, "centra-fortnox")
        yield found


def fortnox_get(sandboxes: SandboxIntegration, path: str) -> Any:
    async def get() -> Any:
        erp = sandboxes.erp
        client = registry.open_client(
            "fortnox", erp.base_url, connection_settings(erp, rate_limit=False), lambda _: None
        )
        try:
            return await client.get(path)
        finally:
            await client.aclose()

    return asyncio.run(get())


def stored(sandboxes: SandboxIntegration) -> dict[str, int]:
    with sandboxes.db.session() as session:
        return {
            table.__name__: session.scalar(select(func.count()).select_from(table))
            for table in (Run, CrossReference, Cursor)
        }


def test_the_dry_run_shows_the_requests_and_writes_nothing(sandboxes: SandboxIntegration):
    before = fortnox_get(sandboxes, "/3/orders")["Orders"]
    sample = asyncio.run(try_sample_order(sandboxes.db, sandboxes.box, NAME))

    shop_orders = {str(order["number"]): order for order in sandboxes.shop.state()["orders"]}
    assert sample.record is not None and sample.record.number in shop_orders
    assert sample.outcome.status == "created", sample.outcome.message
    [customer] = sample.needed
    assert (customer.entity, customer.method) == ("customer", "POST")
    assert customer.url.endswith("/3/customers")
    assert customer.body["Customer"]["Email"] == sample.record.customer.email

    order = sample.request
    assert order is not None and order.url.endswith("/3/orders")
    sent = order.body["Order"]
    assert sent["YourOrderNumber"] == sample.record.number
    assert sent["CustomerNumber"] == NEW_ID  # the customer is not there yet
    rows = sum(Decimal(str(row["OrderedQuantity"])) for row in sent["OrderRows"])
    assert rows == sum(line.quantity for line in sample.record.lines)

    assert fortnox_get(sandboxes, "/3/orders")["Orders"] == before
    assert stored(sandboxes) == {"Run": 0, "CrossReference": 0, "Cursor": 0}


def test_sending_it_writes_the_order_and_its_customer_once(sandboxes: SandboxIntegration):
    db, box = sandboxes.db, sandboxes.box
    sample = asyncio.run(try_sample_order(db, box, NAME))
    assert sample.record is not None
    before = len(fortnox_get(sandboxes, "/3/orders")["Orders"])

    sent = asyncio.run(send_sample_order(db, box, NAME, sample.source_id))
    assert sent.outcome.status == "created", sent.outcome.message
    order = fortnox_get(sandboxes, f"/3/orders/{sent.outcome.target_id}")["Order"]
    assert order["YourOrderNumber"] == sample.record.number
    assert order["CustomerNumber"] == sent.customer_id
    customer = fortnox_get(sandboxes, f"/3/customers/{sent.customer_id}")["Customer"]
    assert customer["Email"] == sample.record.customer.email

    again = asyncio.run(send_sample_order(db, box, NAME, sample.source_id))
    assert (again.outcome.target_id, again.customer_id) == (
        sent.outcome.target_id,
        sent.customer_id,
    )
    assert len(fortnox_get(sandboxes, "/3/orders")["Orders"]) == before + 1
    with db.session() as session:
        orders = next(f for f in integration_named(session, NAME).flows if f.name == "orders")
        assert session.get(Cursor, orders.id) is None  # the flow still reads from the start

    # Once written, a dry run finds the order unchanged in Fortnox: nothing to write.
    linked = asyncio.run(try_sample_order(db, box, NAME))
    assert linked.source_id == sample.source_id
    assert (linked.outcome.status, linked.outcome.target_id) == ("skipped", sent.outcome.target_id)
    assert linked.needed == [] and linked.request is None


def test_no_sample_without_the_orders_flow(sandboxes: SandboxIntegration):
    sandboxes.configure(NAME, "centra-fortnox", {"orders": FlowChoice(enabled=False)})
    try:
        with pytest.raises(NoSample, match="does not sync orders"):
            asyncio.run(try_sample_order(sandboxes.db, sandboxes.box, NAME))
    finally:
        sandboxes.configure(NAME, "centra-fortnox", {"orders": FlowChoice()})
