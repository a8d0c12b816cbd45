"""The local runtime: one asyncio loop that runs every enabled flow of every integration that is
not paused on its schedule (brygga.runtime.schedules), turns inbox events into targeted syncs
(engine.events.handle_pending), follows the Fortnox event feeds and delivers alerts.

Each integration runs one sync at a time, through engine.integrations.sync, with the flows that
fall due together in the pair's order (one client per connection, so they share its rate
limit), holding the flows' locks against the events' syncs of the same flows. The table of
integrations is read again every few seconds, so a new, changed, paused or resumed
integration needs no restart. Only one runtime works on a database at a time; another stands
by until it is gone (brygga.runtime.leadership).

Stopping: no run starts once `stop` is set; the runs under way get `grace` seconds to finish,
then are cancelled. Either is safe (DESIGN.md §3): a page's records, cross-references and cursor
commit together, a create is marked pending before it is sent and found again by its external
reference, so a cancelled run leaves at most a page that the next run writes again, nothing
twice. The abandoned runs are marked interrupted (brygga.runtime.owners).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from brygga.engine import alert_delivery, events
from brygga.engine.flow_locks import flow_lock
from brygga.engine.integrations import NotFound, Paused, sync
from brygga.pairs import pair_template
from brygga.runtime import fortnox_feed, metrics, owners
from brygga.runtime.leadership import leadership
from brygga.runtime.schedules import RECONCILE, ScheduleError, jobs
from brygga.runtime.timers import Timer
from brygga.store import Database, Integration, SecretBox
from brygga.store.tables import ScheduleMark, utcnow

log = logging.getLogger("brygga.runtime")

Clock = Callable[[], datetime]


@dataclass
class Job:
    """One scheduled job of one flow: its sync, or the stock flow's reconcile."""

    integration: str
    flow: str
    flow_id: int
    kind: str
    order: int  # the flow's place in its pair
    timer: Timer


class LocalRuntime:
    def __init__(
        self,
        db: Database,
        box: SecretBox,
        *,
        wake: asyncio.Event | None = None,
        clock: Clock = utcnow,
        grace: float = 10.0,
        refresh_seconds: float = 5.0,
        events_seconds: float = 5.0,
        heartbeat_seconds: float = 5.0,
        stale_after: timedelta = owners.STALE_AFTER,
    ) -> None:
        self.db, self.box, self.clock, self.grace = db, box, clock, grace
        self.wake = wake or asyncio.Event()  # set by the receivers and feeds: events wait
        self.owner = owners.Owner.of_this_process()
        self.leadership = leadership(db)
        self.active = False  # holds the lead: another runtime on the database stands by
        self.stale_after = stale_after
        self.every = {
            "refresh": refresh_seconds,
            "events": events_seconds,
            "heartbeat": heartbeat_seconds,
        }
        self.jobs: dict[tuple[int, str], Job] = {}
        self.connections: dict[str, dict[str, str]] = {}  # integration → system → connection
        self.problems: dict[int, str] = {}  # flow id → why its schedule is not used
        self.syncs: dict[str, asyncio.Task[None]] = {}  # integration → its sync under way
        self.chores: dict[str, asyncio.Task[Any]] = {}  # events, alerts: one of each at a time
        self.feeds: dict[int, tuple[asyncio.Event, asyncio.Task[None]]] = {}
        self.last: dict[str, float] = {}
        self.beat: float | None = None  # when the loop last went round (monotonic)
        self.stopping = False
        self._nudge = asyncio.Event()

    @property
    def alive(self) -> bool:
        """Going round and not stopping (the readiness check)."""
        return not self.stopping and self.beat is not None and time.monotonic() - self.beat < 30

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, then stop as the module says."""
        now = self.clock()
        owners.register(self.db, self.owner, now)
        with owners.claimed(self.owner):  # the runs it starts are its own
            try:
                owners.sweep(self.db, self.owner, now, self.stale_after)
                while not stop.is_set():
                    try:
                        self._go_round(self.clock())
                    except Exception:  # e.g. the database out of reach: /readyz says so
                        log.exception("the runtime's round failed; trying again")
                    await self._pause(stop)
            finally:
                self.stopping = True
                await self._wind_down()
                owners.release(self.db, self.owner, self.clock())
                self.leadership.release()

    def _go_round(self, now: datetime) -> None:
        self.beat = time.monotonic()
        if self._time_for("heartbeat"):
            owners.heartbeat(self.db, self.owner, now)
            owners.sweep(self.db, self.owner, now, self.stale_after)
            self._lead()
            if self.active:
                channels = alert_delivery.Channels.from_environment()
                self._chore("alerts", asyncio.to_thread(alert_delivery.deliver, self.db, channels))
        if not self.active:
            return
        if self._time_for("refresh"):
            self._refresh(now)
        # Events first: after a restart, those still in the inbox go before the schedules.
        if (self.wake.is_set() or self._time_for("events")) and "events" not in self.chores:
            self.wake.clear()
            self._chore("events", self._handle_events())
        self._start_due(now)

    def _lead(self) -> None:
        """Work if no other runtime does (brygga.runtime.leadership), else stand by."""
        active = self.leadership.hold()
        if active and not self.active:
            log.info("this brygga run works on %s", self.db.display_url)
            self.last.pop("refresh", None)  # read the tables at once
        elif self.active and not active:
            log.error("lost the lead on the database; standing by")
        elif not active and "standby" not in self.last:
            log.info("another brygga run works on this database; standing by until it stops")
            self.last["standby"] = time.monotonic()
        if not active:
            self.jobs = {}
            self._follow(set())
        self.active = active

    def _time_for(self, what: str) -> bool:
        now = time.monotonic()
        if now - self.last.get(what, -1e9) < self.every[what]:
            return False
        self.last[what] = now
        return True

    async def _pause(self, stop: asyncio.Event) -> None:
        """Until a second passes, or stop, events, or a run or chore ending come sooner."""
        signals = [stop, self._nudge]
        if "events" not in self.chores:
            signals.append(self.wake)
        waiters = [asyncio.ensure_future(signal.wait()) for signal in signals]
        try:
            await asyncio.wait(
                waiters, timeout=self._seconds_to_next(), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._nudge.clear()

    def _seconds_to_next(self) -> float:
        now = self.clock()
        due = [job.timer.due for job in self.jobs.values() if not job.timer.running]
        soonest = min(((d - now).total_seconds() for d in due), default=1.0)
        return min(1.0, max(soonest, 0.01))

    def _refresh(self, now: datetime) -> None:
        """The jobs of the enabled flows of the integrations not paused, as the tables say
        now; a job whose schedule did not change keeps its timer."""
        wanted: dict[tuple[int, str], Job] = {}
        with self.db.session() as session:
            marks = {(m.flow_id, m.job): m.slot for m in session.scalars(select(ScheduleMark))}
            integrations = session.scalars(select(Integration).where(~Integration.paused))
            for integration in integrations:
                self.connections[integration.name] = {
                    c.system: c.name
                    for c in (integration.shop_connection, integration.erp_connection)
                }
                order = [flow.name for flow in pair_template(integration.pair).flows]
                for flow in integration.flows:
                    if not flow.enabled:
                        continue
                    for kind, schedule in self._schedules(flow.id, flow.name, flow.settings):
                        key = (flow.id, kind)
                        job = self.jobs.get(key)
                        if job is not None and job.timer.schedule == schedule:
                            wanted[key] = job
                            continue
                        timer = Timer.start(schedule, str(integration.id), now, marks.get(key))
                        if job is None:
                            job = Job(
                                integration.name,
                                flow.name,
                                flow.id,
                                kind,
                                order.index(flow.name),
                                timer,
                            )
                        else:  # a run under way ends the new timer's wait (see _sync)
                            timer.running, job.timer = job.timer.running, timer
                        wanted[key] = job
            followed = set(fortnox_feed.followed_connections(session))
        self.jobs = wanted
        self._follow(followed)

    def _schedules(self, flow_id: int, name: str, settings: dict[str, Any]) -> list[Any]:
        try:
            found = jobs(name, settings)
        except ScheduleError as exc:
            if self.problems.get(flow_id) != str(exc):
                log.error("flow %s (id %d) does not run on a schedule: %s", name, flow_id, exc)
            self.problems[flow_id] = str(exc)
            return []
        self.problems.pop(flow_id, None)
        return list(found.items())

    def _start_due(self, now: datetime) -> None:
        """For each integration not syncing: its reconcile if due, else its flows due now."""
        due: dict[str, list[Job]] = {}
        for job in self.jobs.values():
            if job.timer.is_due(now) and job.integration not in self.syncs:
                due.setdefault(job.integration, []).append(job)
        for integration, ready in due.items():
            reconcile = [job for job in ready if job.kind == RECONCILE][:1]
            batch = reconcile or sorted(ready, key=lambda job: job.order)
            with self.db.session() as session:
                for job in batch:
                    session.merge(
                        ScheduleMark(flow_id=job.flow_id, job=job.kind, slot=job.timer.slot)
                    )
            for job in batch:
                job.timer.begin()
            task = asyncio.create_task(self._sync(integration, batch, bool(reconcile)))
            self.syncs[integration] = task
            task.add_done_callback(lambda _, name=integration: self._ended(self.syncs, name))

    async def _sync(self, integration: str, batch: list[Job], reconcile: bool) -> None:
        flows = [job.flow for job in batch]
        try:
            async with AsyncExitStack() as locks:
                for flow in flows:  # in the pair's order, as everyone takes them
                    await locks.enter_async_context(flow_lock(integration, flow))
                report = await sync(
                    self.db, self.box, integration, flows=flows, reconcile=reconcile
                )
            names = self.connections.get(integration, {})
            for system, stats in report.requests.items():
                metrics.count_requests(names.get(system, system), stats)
            for flow, error in report.errors.items():
                log.warning("%s %s stopped early: %s", integration, flow, error)
        except (Paused, NotFound) as exc:  # paused or changed since the tables were read
            log.info("%s: %s", integration, exc)
        except Exception:  # one integration's trouble never stops the others
            log.exception("%s: the sync of %s failed", integration, ", ".join(flows))
        finally:
            now = self.clock()
            for job in batch:
                job.timer.end(now)

    async def _handle_events(self) -> None:
        try:
            metrics.EVENTS.inc(await events.handle_pending(self.db, self.box))
        except Exception:
            log.exception("inbox events wait: handling them failed")

    def _chore(self, name: str, work: Coroutine[Any, Any, Any]) -> None:
        if name in self.chores:
            work.close()
            return
        task = asyncio.create_task(work)
        self.chores[name] = task
        task.add_done_callback(lambda _: self._ended(self.chores, name))

    def _ended(self, tasks: dict[str, Any], name: str) -> None:
        tasks.pop(name, None)
        self._nudge.set()

    def _follow(self, wanted: set[int]) -> None:
        """One follower per Fortnox connection that has events to give; a follower that
        stopped (its error logged) is started again at the next refresh."""
        for connection_id, (stop, task) in list(self.feeds.items()):
            if connection_id not in wanted or task.done():
                stop.set()
                del self.feeds[connection_id]
        for connection_id in wanted - self.feeds.keys():
            stop = asyncio.Event()
            follower = fortnox_feed.follow(self.db, self.box, connection_id, stop, self.wake)
            task = asyncio.create_task(follower)
            task.add_done_callback(_log_failure)
            self.feeds[connection_id] = (stop, task)

    async def _wind_down(self) -> None:
        """Let the runs under way finish within the grace period, then cancel what is left."""
        for stop, _ in self.feeds.values():
            stop.set()
        tasks = [*self.syncs.values(), *self.chores.values(), *(t for _, t in self.feeds.values())]
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=self.grace)
        for task in late:
            task.cancel()
        if late:
            log.warning("cancelled %d task(s) still running after %.0f s", len(late), self.grace)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*late, return_exceptions=True)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("an event feed stopped: %s", task.exception(), exc_info=task.exception())
