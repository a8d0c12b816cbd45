"""`brygga run` as a real process, delivering in real time: the Centra sandbox's signed webhooks
bring each new order to the Fortnox sandbox within seconds while the orders flow's schedule
never comes due; an order changed in Centra is still one Fortnox order; an invoice made in
Fortnox reaches Centra as a shipment through the WebSocket topics with the invoices flow
unscheduled too; with the webhooks switched off, a short schedule still delivers; and events
taken in before a crash are handled after the restart."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from brygga.engine.integrations import FlowChoice
from brygga.pairs import pair_template
from brygga.store import (
    Connection,
    Flow,
    InboxEvent,
    Integration,
    RecordOutcome,
    connection_credentials,
    save_connection,
)
from brygga.store.tables import ScheduleMark
from tests.e2e.test_run import Brygga
from tests.runtime.orders import arrive, new_orders, wait_for
from tests.support.integrations import SandboxIntegration as Setup
from tests.support.integrations import sandbox_integration

NAME = "centra-fortnox"
SECRET = "whsec-realtime"
BOUND = 10  # seconds an order may take by webhook (about one is usual; slack for a busy CI)
NEVER = {"cron": "0 0 1 1 *"}  # once a year: no slot comes during the test, none at start
EVERY = 2  # seconds between the orders flow's slots once polling has to deliver


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "4") as found:
        choices = {flow.name: FlowChoice(enabled=False) for flow in pair_template(NAME).flows}
        for flow in ("orders", "invoices"):
            choices[flow] = FlowChoice(settings={"schedule": NEVER})
        found.configure(NAME, NAME, choices)
        with found.db.session() as session:
            centra = session.scalar(select(Connection).where(Connection.system == "centra"))
            credentials = connection_credentials(found.box, centra) | {"webhook_secret": SECRET}
            save_connection(session, found.box, name=centra.name, system="centra",
                            base_url=centra.base_url, credentials=credentials)  # fmt: skip
        yield found


@pytest.fixture(scope="module")
def brygga(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Brygga]:
    running = Brygga(setup, tmp_path_factory.mktemp("run") / "brygga-run.log")
    webhooks(setup, {"url": f"{running.url}/webhooks/centra/centra", "secret": SECRET})
    yield running
    if running.process.poll() is None:
        assert running.terminate() == 0


def webhooks(setup: Setup, settings: dict[str, Any]) -> None:
    answer = httpx.post(f"{setup.shop.base_url}/_sandbox/webhooks", json=settings, timeout=30)
    assert answer.status_code == 200, answer.text


def by_your_order_number(setup: Setup) -> Counter[str]:
    return Counter(order["YourOrderNumber"] for order in setup.erp.state().get("orders", []))


def handled_events(setup: Setup, topic: str) -> dict[str, bool]:
    """The records the inbox events of `topic` name (a Centra item's `id`, a Fortnox event's
    `entityId`): whether all their events are handled. An event is marked handled just after
    its sync commits."""
    handled: dict[str, bool] = {}
    with setup.db.session() as session:
        for event in session.scalars(select(InboxEvent).where(InboxEvent.topic == topic)):
            named = str(event.payload.get("id") or event.payload.get("entityId"))
            handled[named] = handled.get(named, True) and event.handled_at is not None
    return handled


def outcomes(setup: Setup, source_id: str) -> list[str]:
    with setup.db.session() as session:
        query = select(RecordOutcome.status).where(RecordOutcome.source_id == source_id)
        return list(session.scalars(query.order_by(RecordOutcome.id)))


def scheduled_slots(setup: Setup) -> int:
    """Schedule slots the runtime took (one is stored as each scheduled run starts)."""
    with setup.db.session() as session:
        return len(session.scalars(select(ScheduleMark)).all())


def test_new_orders_reach_fortnox_by_webhook_within_seconds(setup, brygga):
    seconds = []
    made: list[str] = []
    for _ in range(4):
        numbers = new_orders(setup, 2)
        seconds.append(round(arrive(setup, numbers), 2))
        made += numbers
    print(f"\nwebhook: seconds from creation in Centra to existence in Fortnox: {seconds}")
    assert max(seconds) < BOUND, seconds
    # Not by polling: no schedule slot was taken, and each order came as a handled event.
    assert scheduled_slots(setup) == 0
    wait_for(
        lambda: all(handled_events(setup, "order.create").get(n) for n in made),
        "not every order came as a handled webhook event",
    )
    assert set(made) <= set(by_your_order_number(setup))
    assert max(by_your_order_number(setup).values()) == 1


def test_an_order_changed_in_centra_is_still_one_fortnox_order(setup, brygga):
    (number,) = new_orders(setup, 1)
    arrive(setup, [number])
    confirmed = httpx.post(
        f"{setup.shop.base_url}/graphql",
        headers={"Authorization": f"Bearer {setup.shop.credentials()['token']}"},
        json={
            "query": "mutation($n: Int!) { confirmOrder(input: {order: {number: $n}}) {"
            " order { status } userErrors { message } } }",
            "variables": {"n": int(number)},
        },
    ).json()["data"]["confirmOrder"]
    assert confirmed == {"order": {"status": "CONFIRMED"}, "userErrors": []}
    wait_for(lambda: handled_events(setup, "order.update").get(number), "no update handled")
    written = outcomes(setup, number)
    assert written[0] == "created" and len(written) >= 2 and "created" not in written[1:], written
    assert by_your_order_number(setup)[number] == 1


def test_an_invoice_made_in_fortnox_reaches_centra_by_its_websocket_topic(setup, brygga):
    arrive(setup, new_orders(setup, 1))  # an order to invoice (the oldest open one is)
    began = time.monotonic()
    made = httpx.post(f"{setup.erp.base_url}/_sandbox/simulate", json={"invoice_orders": 1})
    (invoice,) = made.json()["invoice_orders"]
    fortnox = setup.erp.state()
    (reference,) = [
        i["ExternalInvoiceReference1"]
        for i in fortnox["invoices"]
        if i["DocumentNumber"] == invoice
    ]
    order_id = next(o["id"] for o in setup.shop.state()["orders"] if str(o["number"]) == reference)

    def shipped() -> bool:
        shipments = setup.shop.state().get("shipments", [])
        return any(s["orderId"] == order_id and s["shippedAt"] for s in shipments)

    wait_for(shipped, f"invoice {invoice} did not reach Centra within {BOUND} s", BOUND)
    print(f"\nwebsocket: seconds from the invoice in Fortnox to its shipment in Centra: "
          f"{time.monotonic() - began:.2f}")  # fmt: skip
    wait_for(lambda: handled_events(setup, "invoices").get(str(invoice)), "not by the topics event")
    assert scheduled_slots(setup) == 0
    # The shipment Brygga wrote changed the Centra order; that webhook wrote no second order.
    wait_for(lambda: handled_events(setup, "order.update").get(reference), "no update came")
    assert max(by_your_order_number(setup).values()) == 1


def test_with_webhooks_off_a_short_schedule_still_delivers(setup, brygga):
    webhooks(setup, {"url": None})
    with setup.db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "orders"))
        settings = flow.settings | {"schedule": {"every": f"{EVERY}s"}}
        session.execute(update(Flow).where(Flow.id == flow.id).values(settings=settings))
    # The runtime reads the schedules again within 5 s; a flow never run on an interval runs
    # at once.
    wait_for(lambda: scheduled_slots(setup) > 0, "the new schedule was not taken up")
    numbers = new_orders(setup, 3)
    took = arrive(setup, numbers)
    print(f"\npolling every {EVERY} s: seconds to Fortnox: {took:.2f}")
    assert took < EVERY + BOUND, took
    events = handled_events(setup, "order.create")
    assert not set(numbers) & set(events), "a webhook came though switched off"
    orders = by_your_order_number(setup)
    assert set(numbers) <= set(orders) and max(orders.values()) == 1


def test_events_taken_in_before_a_crash_are_handled_after_the_restart(
    setup, brygga, tmp_path_factory
):
    """Webhook events wait in the inbox while the integration is paused; `brygga run` is
    killed; after the restart (integration resumed, no schedule due) each waiting event is
    handled: its order reaches Fortnox once."""
    webhooks(setup, {"url": f"{brygga.url}/webhooks/centra/centra", "secret": SECRET})
    with setup.db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "orders"))
        session.execute(
            update(Flow)
            .where(Flow.id == flow.id)
            .values(settings=flow.settings | {"schedule": NEVER})
        )
        session.execute(update(Integration).values(paused=True))
    numbers = new_orders(setup, 3)
    wait_for(
        lambda: set(numbers) <= set(handled_events(setup, "order.create")),
        "the webhooks were not taken in",
    )
    assert not any(handled_events(setup, "order.create")[n] for n in numbers)
    brygga.kill()
    assert not set(numbers) & set(by_your_order_number(setup))

    with setup.db.session() as session:
        session.execute(update(Integration).values(paused=False))
    again = Brygga(setup, tmp_path_factory.mktemp("restart") / "brygga-run.log")
    try:
        took = arrive(setup, numbers)
        print(f"\nafter the restart: seconds until the waiting orders were in Fortnox: {took:.2f}")
        wait_for(
            lambda: all(handled_events(setup, "order.create")[n] for n in numbers),
            "the waiting events were not marked handled",
        )
        orders = by_your_order_number(setup)
        assert set(numbers) <= set(orders) and max(orders.values()) == 1
    finally:
        assert again.terminate() == 0
