"""Change events to targeted syncs (engine.events). The plan on a real database (SQLite and
PostgreSQL): which flow of which integration an event concerns. End to end on the Centra and
Fortnox sandboxes: Centra's signed webhook for a new order reaches `brygga serve`'s receiver,
and `handle_pending` writes that order to Fortnox, once, however often the event comes or the
handler stops between the sync and marking the event handled."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from brygga.engine import inbox
from brygga.engine.events import handle_pending, plan_events, sync_batch
from brygga.engine.integrations import sync
from brygga.store import (
    Connection,
    Flow,
    Integration,
    RecordError,
    RecordOutcome,
    connection_credentials,
)
from brygga.store import save_connection as save
from brygga.store.tables import InboxEvent
from brygga.web.app import create_app
from tests.support.integrations import SandboxIntegration as Setup
from tests.support.integrations import sandbox_integration
from tests.support.servers import serving

NAME = "events-test"
SECRET = "whsec-events"


def take_in(db: Any, connection: str, event_id: str, topic: str, payload: Any) -> None:
    with db.session() as session:
        connection_id = session.scalar(select(Connection.id).where(Connection.name == connection))
        inbox.take_in(session, connection_id, event_id, topic, payload)


def test_each_event_is_planned_for_the_flows_that_read_its_records(db):
    take_in(db, "shop", "a", "order.create", {"type": "order", "action": "create", "id": 1001})
    take_in(db, "shop", "b", "order.update", {"type": "order", "action": "update", "id": 1002})
    take_in(db, "shop", "c", "shipment.create", {"type": "shipment", "action": "create", "id": 7})
    invoice = {"topic": "invoices", "type": "invoice-bookkeep-v1", "entityId": "17"}
    take_in(db, "erp", "d", "invoices", invoice)
    take_in(db, "erp", "e", "orders", {"topic": "orders", "type": "order-created-v1"})
    with db.session() as session:
        events = {event.event_id: event.id for event in inbox.unhandled(session)}
        plan = plan_events(session, inbox.unhandled(session))
    batches = {(b.integration, b.flow): b for b in plan.batches}
    assert set(batches) == {("test", flow) for flow in
                            ("orders", "payments", "invoices", "credit_notes")}  # fmt: skip
    # Centra orders can be fetched by number; payments, and Fortnox documents, cannot.
    orders = batches["test", "orders"]
    assert (orders.ids, orders.next_page) == ({"1001", "1002"}, False)
    assert orders.events == {events["a"], events["b"]}
    assert batches["test", "payments"].next_page and not batches["test", "payments"].ids
    assert batches["test", "invoices"].events == batches["test", "credit_notes"].events
    assert plan.owed == {events["a"]: 1, events["b"]: 2, events["c"]: 0, events["d"]: 2,
                         events["e"]: 0}  # fmt: skip
    # Pair order: what others depend on runs first.
    assert orders.order < batches["test", "payments"].order


def test_a_paused_integration_s_events_wait(db):
    take_in(db, "shop", "a", "order.create", {"type": "order", "action": "create", "id": 1001})
    with db.session() as session:
        session.execute(update(Integration).values(paused=True))
    with db.session() as session:
        plan = plan_events(session, inbox.unhandled(session))
    assert plan.batches == [] and plan.owed == {}


# End to end.


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Setup, str]]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "2") as sandboxes:
        sandboxes.configure(NAME, "centra-fortnox")
        with sandboxes.db.session() as session:
            centra = session.scalar(select(Connection).where(Connection.system == "centra"))
            credentials = connection_credentials(sandboxes.box, centra)
            save(session, sandboxes.box, name=centra.name, system="centra",
                 base_url=centra.base_url,
                 credentials=credentials | {"webhook_secret": SECRET})  # fmt: skip
        with serving(create_app(sandboxes.db, sandboxes.box)) as url:
            target = f"{url}/webhooks/centra/{centra.name}"
            sandbox_webhooks(sandboxes, {"url": target, "secret": SECRET})
            yield sandboxes, target


def sandbox_webhooks(setup: Setup, settings: dict[str, Any]) -> None:
    answer = httpx.post(f"{setup.shop.base_url}/_sandbox/webhooks", json=settings, timeout=30)
    assert answer.status_code == 200, answer.text


def new_orders(setup: Setup, count: int) -> list[str]:
    """Orders placed in Centra, once the webhook brought their events into the inbox."""
    made = httpx.post(f"{setup.shop.base_url}/_sandbox/simulate", json={"orders": count})
    numbers = [str(number) for number in made.json()["orders"]]
    wait_for(lambda: set(numbers) <= {str(e.payload["id"]) for e in unhandled(setup)})
    return numbers


def unhandled(setup: Setup) -> list[InboxEvent]:
    with setup.db.session() as session:
        return inbox.unhandled(session)


def wait_for(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def in_fortnox(setup: Setup, numbers: list[str]) -> dict[str, int]:
    """How many Fortnox orders each Centra order number has."""
    orders = setup.erp.state().get("orders", [])
    return {n: sum(o.get("ExternalInvoiceReference1") == n for o in orders) for n in numbers}


def order_settings(setup: Setup, settings: dict[str, Any]) -> None:
    with setup.db.session() as session:
        session.execute(update(Flow).where(Flow.name == "orders").values(settings=settings))


def handle(setup: Setup) -> int:
    return asyncio.run(handle_pending(setup.db, setup.box))


def test_a_centra_order_webhook_brings_that_order_to_fortnox(setup: tuple[Setup, str]):
    sandboxes, _ = setup
    handle(sandboxes)  # whatever came before
    numbers = new_orders(sandboxes, 2)
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 0)
    waiting = len(unhandled(sandboxes))
    started = time.monotonic()
    assert handle(sandboxes) == waiting
    took = time.monotonic() - started
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 1)
    assert unhandled(sandboxes) == []
    assert took < 10, took


def test_a_redelivered_event_does_nothing_twice(setup: tuple[Setup, str]):
    sandboxes, _ = setup
    sandbox_webhooks(sandboxes, {"url": setup[1], "secret": SECRET, "redeliver_rate": 1})
    try:
        numbers = new_orders(sandboxes, 1)
        wait_for(lambda: all(e.deliveries == 2 for e in unhandled(sandboxes)))
    finally:
        sandbox_webhooks(sandboxes, {"url": setup[1], "secret": SECRET})
    assert handle(sandboxes) >= 1
    # The same event handled again (as if the inbox had let it through): nothing new.
    with sandboxes.db.session() as session:
        session.execute(update(InboxEvent).values(handled_at=None))
    assert handle(sandboxes) >= 1
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 1)
    with sandboxes.db.session() as session:
        written = session.scalars(
            select(RecordOutcome.status)
            .where(RecordOutcome.source_id == numbers[0])
            .order_by(RecordOutcome.id)
        ).all()
    assert written == ["created", "skipped"]  # not written again, not even updated


def test_a_crash_between_the_sync_and_marking_it_handled_duplicates_nothing(
    setup: tuple[Setup, str],
):
    sandboxes, _ = setup
    numbers = new_orders(sandboxes, 1)
    # The handler's steps up to the sync, then a crash: nothing marked handled.
    with sandboxes.db.session() as session:
        plan = plan_events(session, inbox.unhandled(session))
    for batch in plan.batches:
        assert asyncio.run(sync_batch(sandboxes.db, sandboxes.box, batch))
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 1)
    waiting = len(unhandled(sandboxes))
    assert waiting >= 1
    # After the restart the same events are handled again: written once all the same.
    assert handle(sandboxes) == waiting
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 1)
    assert unhandled(sandboxes) == []


def test_a_paused_integration_handles_its_events_once_resumed(setup: tuple[Setup, str]):
    sandboxes, _ = setup
    with sandboxes.db.session() as session:
        session.execute(update(Integration).values(paused=True))
    numbers = new_orders(sandboxes, 1)
    assert handle(sandboxes) == 0
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 0)
    with sandboxes.db.session() as session:
        session.execute(update(Integration).values(paused=False))
    assert handle(sandboxes) >= 1
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 1)


def test_an_order_the_erp_refuses_is_queued_and_its_event_handled(setup: tuple[Setup, str]):
    sandboxes, _ = setup
    numbers = new_orders(sandboxes, 1)
    # Its articles mapped to one Fortnox does not have: Fortnox refuses the order.
    orders = [o for o in sandboxes.shop.state()["orders"] if str(o["number"]) in numbers]
    skus = {line["productSize"]["SKU"] for order in orders for line in order["lines"]}
    order_settings(sandboxes, {"value_maps": {"lines.sku": dict.fromkeys(skus, "NO-SUCH-1")}})
    try:
        assert handle(sandboxes) >= 1
    finally:
        order_settings(sandboxes, {})
    assert unhandled(sandboxes) == []
    assert in_fortnox(sandboxes, numbers) == dict.fromkeys(numbers, 0)
    with sandboxes.db.session() as session:
        queued = session.scalars(select(RecordError.source_id)).all()
    assert set(numbers) <= set(queued)


@pytest.fixture(scope="module")
def vismanet_setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Setup, str]]:
    with sandbox_integration(tmp_path_factory, "centra", "vismanet") as sandboxes:
        sandboxes.configure(NAME, "centra-vismanet")
        with sandboxes.db.session() as session:
            erp = session.scalar(select(Connection).where(Connection.system == "vismanet"))
            credentials = connection_credentials(sandboxes.box, erp) | {"webhook_token": SECRET}
            save(session, sandboxes.box, name=erp.name, system="vismanet",
                 base_url=erp.base_url, credentials=credentials)  # fmt: skip
        report = asyncio.run(sync(sandboxes.db, sandboxes.box, NAME, flows=["products", "stock"]))
        assert report.ok, report
        with serving(create_app(sandboxes.db, sandboxes.box)) as url:
            target = f"{url}/webhooks/vismanet/{erp.name}?token={SECRET}"
            answer = httpx.post(f"{sandboxes.erp.base_url}/_sandbox/webhooks", json={"url": target})
            assert answer.status_code == 200, answer.text
            yield sandboxes, target


def test_a_visma_net_stock_notification_brings_the_new_level_to_centra(
    vismanet_setup: tuple[Setup, str],
):
    sandboxes, _ = vismanet_setup
    made = httpx.post(f"{sandboxes.erp.base_url}/_sandbox/simulate", json={"stock_changes": 1})
    [item] = made.json()["stock_changes"]
    wait_for(lambda: item in {e.payload.get("key") for e in unhandled(sandboxes)})
    waiting = len(unhandled(sandboxes))
    assert handle(sandboxes) == waiting
    assert unhandled(sandboxes) == []
    # The stock flow ran (the notification names no record a stream can fetch: the next page)
    # and wrote that item's new level.
    with sandboxes.db.session() as session:
        latest = session.scalar(
            select(RecordOutcome.status)
            .join(Flow, Flow.id == RecordOutcome.flow_id)
            .where(Flow.name == "stock", RecordOutcome.source_id == item)
            .order_by(RecordOutcome.id.desc())
        )
    assert latest == "updated"
