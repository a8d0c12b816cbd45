"""Which `brygga run` process started each run, so that the runs a dead process left "running"
are marked interrupted, and never the runs of a process still at work.

A runtime registers itself (store.tables.Runtime) and beats its heart every few seconds; every
run it starts carries its id (`runs.runtime_id`). A registered process is dead when its
heartbeat is older than `stale_after`, or at once when it ran on this host and its process id
is gone. A run without an owner is never touched: one started by hand (`brygga sync`) or by a
dashboard request, since nothing tells whether it still goes on; it ends as succeeded or
failed by itself. Marking is safe either way: a run's cursor only ever moved with a committed
page (DESIGN.md §3.1), so the next run goes on from there, and a live run wrongly marked would
set its own status again when it ends.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from brygga.store import Database, Run
from brygga.store.tables import Runtime

log = logging.getLogger("brygga.runtime")

INTERRUPTED = "interrupted"
STALE_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Owner:
    id: str
    host: str
    pid: int

    @classmethod
    def of_this_process(cls) -> Owner:
        return cls(uuid.uuid4().hex, socket.gethostname(), os.getpid())


# The runtime whose id the runs started in this context carry: its tasks inherit it, so a
# run started elsewhere in the process (a dashboard request) carries none.
_claimed: ContextVar[Owner | None] = ContextVar("brygga_run_owner", default=None)


@event.listens_for(Run, "before_insert")
def _stamp(_mapper: Any, _connection: Any, run: Run) -> None:
    owner = _claimed.get()
    if owner is not None and run.runtime_id is None:
        run.runtime_id = owner.id


@contextmanager
def claimed(owner: Owner) -> Iterator[None]:
    """The runs started within the block (and the tasks it starts) are `owner`'s."""
    token = _claimed.set(owner)
    try:
        yield
    finally:
        _claimed.reset(token)


def register(db: Database, owner: Owner, now: datetime) -> None:
    """The process is alive: its heartbeat starts."""
    with db.session() as session:
        session.merge(
            Runtime(id=owner.id, host=owner.host, pid=owner.pid, started_at=now, heartbeat_at=now)
        )


def heartbeat(db: Database, owner: Owner, now: datetime) -> None:
    """Still alive (registered again if another runtime took it for dead meanwhile)."""
    with db.session() as session:
        row = session.get(Runtime, owner.id)
        if row is None:
            session.add(
                Runtime(
                    id=owner.id, host=owner.host, pid=owner.pid, started_at=now, heartbeat_at=now
                )
            )
        else:
            row.heartbeat_at = now


def sweep(db: Database, owner: Owner, now: datetime, stale_after: timedelta = STALE_AFTER) -> int:
    """Mark interrupted the runs of every registered process that died, and forget those
    processes; how many runs were marked."""
    with db.session() as session:
        others = session.scalars(select(Runtime).where(Runtime.id != owner.id)).all()
        dead = [row for row in others if _is_dead(row, owner, now, stale_after)]
        if not dead:
            return 0
        marked = _interrupt(session, [row.id for row in dead], now, {r.id: r for r in dead})
        session.execute(delete(Runtime).where(Runtime.id.in_([row.id for row in dead])))
    if marked:
        log.warning("marked %d run(s) of stopped processes interrupted", marked)
    return marked


def release(db: Database, owner: Owner, now: datetime) -> int:
    """The process stops: its runs still "running" (abandoned after the grace period) are
    marked interrupted and it is forgotten; how many runs were marked."""
    with db.session() as session:
        marked = _interrupt(session, [owner.id], now, {owner.id: owner})
        session.execute(delete(Runtime).where(Runtime.id == owner.id))
    return marked


def _interrupt(
    session: Session, owner_ids: list[str], now: datetime, owners: dict[str, Any]
) -> int:
    """Through the ORM, so that the metrics see these runs end like any other."""
    runs = session.scalars(
        select(Run).where(Run.runtime_id.in_(owner_ids), Run.status == "running")
    ).all()
    for run in runs:
        who = owners[run.runtime_id]
        run.status, run.finished_at = INTERRUPTED, now
        run.message = (
            f"interrupted: brygga run (pid {who.pid} on {who.host}) stopped before the run "
            "finished; the next run goes on from its last committed page"
        )
    return len(runs)


def _is_dead(row: Runtime, owner: Owner, now: datetime, stale_after: timedelta) -> bool:
    if row.heartbeat_at < now - stale_after:
        return True
    # Same host, another process id that is gone (a process id reused since only delays
    # the verdict to the heartbeat's).
    return row.host == owner.host and row.pid != owner.pid and not _alive(row.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
