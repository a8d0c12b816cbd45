"""Runs left "running" by a process that died are marked interrupted; the runs of a process
still alive, and runs started by hand, are never touched."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY
from sqlalchemy import select

import brygga.runtime.metrics  # noqa: F401  (counts the runs that end, as /metrics shows)
from brygga.runtime import owners
from brygga.store import Flow, Run
from brygga.store.tables import Runtime

NOW = datetime.now(UTC)


def start_run(db, status="running", runtime_id=None):
    with db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "orders"))
        run = Run(flow_id=flow.id, started_at=NOW - timedelta(minutes=1), status=status)
        run.runtime_id = runtime_id
        session.add(run)
        session.flush()
        return run.id


def status_of(db, run_id):
    with db.session() as session:
        run = session.get(Run, run_id)
        return run.status, run.message


def a_gone_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def register(db, owner, heartbeat):
    with db.session() as session:
        session.add(
            Runtime(
                id=owner.id,
                host=owner.host,
                pid=owner.pid,
                started_at=heartbeat,
                heartbeat_at=heartbeat,
            )
        )


def interrupted_count():
    """The metrics' count of interrupted runs, which sees every run that ends."""
    labels = {"integration": "test", "flow": "orders", "status": owners.INTERRUPTED}
    return REGISTRY.get_sample_value("brygga_runs_total", labels) or 0


def test_the_runs_a_runtime_starts_are_its_own(db):
    me = owners.Owner.of_this_process()
    owners.register(db, me, NOW)
    with owners.claimed(me):
        mine = start_run(db)
    owners.release(db, me, NOW)
    with db.session() as session:
        assert session.get(Run, mine).runtime_id == me.id
    by_hand = start_run(db)
    with db.session() as session:
        assert session.get(Run, by_hand).runtime_id is None


def test_only_the_runs_of_dead_processes_are_interrupted(db):
    me = owners.Owner.of_this_process()
    alive_elsewhere = owners.Owner("a" * 32, "another-host", 4242)
    silent = owners.Owner("b" * 32, "another-host", 4243)
    gone_here = owners.Owner("c" * 32, me.host, a_gone_pid())
    register(db, alive_elsewhere, NOW - timedelta(seconds=5))
    register(db, silent, NOW - timedelta(minutes=5))
    register(db, gone_here, NOW - timedelta(seconds=5))  # a fresh heartbeat, but gone
    live_run = start_run(db, runtime_id=alive_elsewhere.id)
    silent_run = start_run(db, runtime_id=silent.id)
    gone_run = start_run(db, runtime_id=gone_here.id)
    finished_run = start_run(db, status="succeeded", runtime_id=gone_here.id)
    by_hand = start_run(db)
    before = interrupted_count()

    assert owners.sweep(db, me, NOW, stale_after=timedelta(seconds=60)) == 2

    assert status_of(db, live_run) == ("running", None)
    assert status_of(db, by_hand) == ("running", None)
    assert status_of(db, finished_run)[0] == "succeeded"
    for run_id, who in ((silent_run, silent), (gone_run, gone_here)):
        status, message = status_of(db, run_id)
        assert status == owners.INTERRUPTED
        assert f"pid {who.pid} on {who.host}" in message
    with db.session() as session:
        assert set(session.scalars(select(Runtime.id))) == {alive_elsewhere.id}
    assert interrupted_count() == before + 2
    assert owners.sweep(db, me, NOW) == 0  # nothing twice


def test_a_stopping_runtime_marks_its_abandoned_runs_and_leaves(db):
    me = owners.Owner.of_this_process()
    owners.register(db, me, NOW)
    with owners.claimed(me):
        abandoned = start_run(db)
    other = start_run(db, runtime_id="d" * 32)
    assert owners.release(db, me, NOW) == 1
    assert status_of(db, abandoned)[0] == owners.INTERRUPTED
    assert status_of(db, other)[0] == "running"
    with db.session() as session:
        assert session.get(Runtime, me.id) is None


def test_a_heartbeat_registers_again_a_runtime_taken_for_dead(db):
    me = owners.Owner.of_this_process()
    owners.register(db, me, NOW)
    owners.sweep(db, owners.Owner("e" * 32, "elsewhere", 1), NOW + timedelta(minutes=5))
    owners.heartbeat(db, me, NOW + timedelta(minutes=5))
    with db.session() as session:
        assert session.get(Runtime, me.id).heartbeat_at == NOW + timedelta(minutes=5)
    owners.release(db, me, NOW)
