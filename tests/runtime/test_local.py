"""The local runtime against a Centra and a Fortnox sandbox, in a thread of this process: it
picks up an integration made while it runs, runs flows due together in the pair's order, lets
a paused integration wait, keeps a flow with a wrong schedule off the schedule and says why,
handles inbox events as soon as it is woken, and stops within its grace period, finishing or
abandoning its run without losing or duplicating an order."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from brygga.engine import inbox
from brygga.engine.integrations import FlowChoice
from brygga.pairs import pair_template
from brygga.runtime.local import LocalRuntime
from brygga.store import Connection, Flow, InboxEvent, Integration, Run
from tests.runtime.orders import arrive, creating_an_order, in_fortnox, new_orders, wait_for
from tests.support.integrations import SandboxIntegration as Setup
from tests.support.integrations import sandbox_integration

NAME = "centra-fortnox"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "3") as found:
        yield found


def configure(setup: Setup, schedules: dict[str, dict[str, Any]]) -> None:
    """The integration with only the flows given, each on its schedule."""
    choices = {flow.name: FlowChoice(enabled=False) for flow in pair_template(NAME).flows}
    for flow, schedule in schedules.items():
        choices[flow] = FlowChoice(settings={"schedule": schedule})
    setup.configure(NAME, NAME, choices)


@dataclass
class Running:
    runtime: LocalRuntime
    loop: asyncio.AbstractEventLoop

    def wake(self) -> None:
        """What a webhook receiver does after taking events in."""
        self.loop.call_soon_threadsafe(self.runtime.wake.set)


@contextmanager
def running(setup: Setup, **options: Any) -> Iterator[Running]:
    """The runtime in a thread with its own loop, looking at the tables five times a second."""
    runtime = LocalRuntime(setup.db, setup.box, refresh_seconds=0.2, **options)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(runtime.run(stop),))
    thread.start()
    try:
        yield Running(runtime, loop)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
    assert not thread.is_alive()


def runs(setup: Setup, since: int = 0) -> list[tuple[str, Run]]:
    with setup.db.session() as session:
        found = session.execute(
            select(Flow.name, Run).join(Run, Run.flow_id == Flow.id).where(Run.id > since)
        )
        return sorted(((name, run) for name, run in found), key=lambda item: item[1].id)


def last_run_id(setup: Setup) -> int:
    return max((run.id for _, run in runs(setup)), default=0)


def set_paused(setup: Setup, paused: bool) -> None:
    with setup.db.session() as session:
        session.scalar(select(Integration).where(Integration.name == NAME)).paused = paused


def test_an_integration_made_while_it_runs_is_picked_up_and_runs_in_pair_order(setup):
    with running(setup):
        time.sleep(0.5)
        assert runs(setup) == []
        configure(setup, {"orders": {"every": "1s"}, "customers": {"every": "1s"}})
        arrive(setup, new_orders(setup, 2))
        wait_for(lambda: len(runs(setup)) >= 6, "fewer than three slots ran")
    found = runs(setup)
    # Both due at each slot: one sync, customers first (the pair's order), one after the other.
    assert [name for name, _ in found] == ["customers", "orders"] * (len(found) // 2)
    for (_, customers), (_, orders) in zip(found[::2], found[1::2], strict=True):
        assert customers.finished_at <= orders.started_at
        assert customers.runtime_id == orders.runtime_id is not None
    assert {run.status for _, run in found} == {"succeeded"}


def test_a_paused_integration_waits_and_catches_up_once_resumed(setup):
    configure(setup, {"orders": {"every": "1s"}})
    set_paused(setup, True)
    with running(setup):
        time.sleep(0.5)
        before = last_run_id(setup)
        numbers = new_orders(setup, 2)
        time.sleep(2.5)
        assert runs(setup, before) == []
        assert not set(numbers) & in_fortnox(setup).keys()
        set_paused(setup, False)
        arrive(setup, numbers)


def test_a_wrong_schedule_keeps_its_flow_waiting_and_says_why(setup, caplog):
    configure(setup, {"orders": {"every": "1s"}})
    with setup.db.session() as session:
        session.scalar(select(Flow).where(Flow.name == "orders")).settings = {
            "schedule": {"every": "soon"}
        }
    before = last_run_id(setup)
    with caplog.at_level(logging.ERROR, "brygga.runtime"), running(setup):
        time.sleep(2)
    assert runs(setup, before) == []
    (record,) = [r for r in caplog.records if r.name == "brygga.runtime"]
    assert "flow orders" in record.message and '"every" takes a duration' in record.message


def test_inbox_events_are_handled_as_soon_as_it_is_woken(setup):
    configure(setup, {"orders": {"cron": "0 0 1 1 *"}})  # practically never on the schedule
    with running(setup, events_seconds=3600) as runtime:
        time.sleep(0.5)  # its first look at the inbox is over
        before = last_run_id(setup)
        (number,) = new_orders(setup, 1)
        with setup.db.session() as session:
            shop = session.scalar(select(Connection).where(Connection.system == "centra"))
            item = {"type": "order", "action": "insert", "id": number}
            inbox.take_in(session, shop.id, f"order-{number}", "order.insert", item)
        time.sleep(1)
        assert number not in in_fortnox(setup)  # nothing looks at the inbox unwoken
        runtime.wake()
        arrive(setup, [number])
    with setup.db.session() as session:
        assert session.scalars(select(InboxEvent.handled_at)).all() != [None]
    assert runs(setup, before)  # the event's own sync


@pytest.mark.parametrize(("grace", "status"), [(30.0, "succeeded"), (0.0, "interrupted")])
def test_stopping_finishes_or_abandons_the_run_and_loses_nothing(setup, grace, status):
    configure(setup, {"orders": {"every": "1s"}})
    before = last_run_id(setup)
    with running(setup):  # what the shop has so far goes to Fortnox first
        wait_for(lambda: any(r.status == "succeeded" for _, r in runs(setup, before)), "no run")
    before = last_run_id(setup)
    with running(setup, grace=grace):
        numbers = new_orders(setup, 40)
        wait_for(partial(creating_an_order, setup), "no order was being created", pause=0.002)
    # The run under way when it stopped is its last; none is left "running".
    assert runs(setup, before)[-1][1].status == status
    assert all(run.status != "running" for _, run in runs(setup))
    with running(setup):
        arrive(setup, numbers)
    assert max(in_fortnox(setup).values()) == 1


def test_a_second_runtime_stands_by_and_takes_over_when_the_first_stops(setup):
    configure(setup, {"orders": {"every": "1s"}})
    with ExitStack() as first_one:
        first = first_one.enter_context(running(setup)).runtime
        wait_for(lambda: first.active, "the first runtime did not take the lead")
        with running(setup, heartbeat_seconds=0.1) as standing_by:
            second = standing_by.runtime
            before = last_run_id(setup)
            arrive(setup, new_orders(setup, 2))
            assert second.alive and not second.active
            assert {run.runtime_id for _, run in runs(setup, before)} == {first.owner.id}
            first_one.close()  # the first one stops
            wait_for(lambda: second.active, "the second runtime did not take over", 5)
            before = last_run_id(setup)
            arrive(setup, new_orders(setup, 2))
            assert {run.runtime_id for _, run in runs(setup, before)} == {second.owner.id}
    assert max(in_fortnox(setup).values()) == 1
