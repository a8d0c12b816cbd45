"""From the webhook inbox to targeted syncs: each unhandled event becomes a sync of the records
it names, in every integration that reads them from the event's connection, through the same
engine path as a scheduled run (DESIGN.md §3: idempotent, record errors in the error queue).

An event that names a record a stream can fetch re-syncs that record, written only if it
changed (`resync(..., reconcile=False)`); one that names none, or whose stream cannot fetch by
id, runs the flow's next page (`sync`). Events are batched per (integration, flow). An event is
marked handled only once every sync it needs has committed, so a crash in between handles it
again, which writes nothing twice. A paused integration's events wait for it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brygga.connectors import registry
from brygga.engine import inbox
from brygga.engine.event_targets import Change, changes
from brygga.engine.flow_locks import flow_lock
from brygga.engine.integrations import NotFound, Paused, resync, sync
from brygga.engine.protocols import Fetches
from brygga.engine.runner import RunAborted
from brygga.pairs import ENTITIES, pair_template
from brygga.store import Connection, Database, Integration, SecretBox
from brygga.store.alerts import RECONNECT_REQUIRED
from brygga.store.tables import InboxEvent

log = logging.getLogger("brygga.events")


@dataclass
class Batch:
    """The syncs one flow of one integration owes to the events in `events`."""

    integration: str
    flow: str
    order: int  # the flow's place in its pair: what others depend on goes first
    ids: set[str] = field(default_factory=set)  # records to re-sync by id
    next_page: bool = False  # some event named no record to fetch
    events: set[int] = field(default_factory=set)


@dataclass
class Plan:
    batches: list[Batch]
    owed: dict[int, int]  # event id → batches it waits for; 0: nothing to sync, handled now


async def handle_pending(db: Database, box: SecretBox) -> int:
    """Sync what the unhandled inbox events name, oldest first; the number of events handled.
    A batch whose source could not be read (or whose integration was paused meanwhile) leaves
    its events for the next call; a record that fails is in the error queue, its event handled."""
    with db.session() as session:
        plan = plan_events(session, inbox.unhandled(session))
    done = [event for event, waiting in plan.owed.items() if waiting == 0]
    _mark_handled(db, done)
    handled = len(done)
    for batch in sorted(plan.batches, key=lambda b: (b.integration, b.order)):
        if not await sync_batch(db, box, batch):
            continue
        finished = []
        for event in batch.events:
            plan.owed[event] -= 1
            if plan.owed[event] == 0:
                finished.append(event)
        _mark_handled(db, finished)
        handled += len(finished)
    return handled


def plan_events(session: Session, events: list[InboxEvent]) -> Plan:
    """The batches the events need. Events of a paused integration, or of one whose
    connection needs reconnecting, are left out: they wait."""
    if not events:
        return Plan([], {})
    connections = {event.connection_id for event in events}
    rows = session.execute(
        select(Connection.id, Connection.system).where(Connection.id.in_(connections))
    )
    systems = {connection_id: system for connection_id, system in rows}
    users = list(
        session.scalars(select(Integration).where(or_(
            Integration.shop_connection_id.in_(connections),
            Integration.erp_connection_id.in_(connections),
        )))
    )  # fmt: skip
    batches: dict[tuple[str, str], Batch] = {}
    owed: dict[int, int] = {}
    for event in events:
        system = systems[event.connection_id]
        named = changes(system, event.topic, event.payload)
        concerned = [
            integration
            for integration in users
            if event.connection_id
            in (integration.shop_connection_id, integration.erp_connection_id)
        ]
        targets = [(i, flow, c) for i in concerned for flow, c in _flows(i, system, named)]
        if any(_waits(integration) for integration, _, _ in targets):
            continue
        keys = set()
        for integration, flow, change in targets:
            key = (integration.name, flow)
            batch = batches.get(key)
            if batch is None:
                names = [f.name for f in pair_template(integration.pair).flows]
                batch = batches[key] = Batch(integration.name, flow, names.index(flow))
            if change.source_id is not None and _fetches(system, change.entity):
                batch.ids.add(change.source_id)
            else:
                batch.next_page = True
            batch.events.add(event.id)
            keys.add(key)
        owed[event.id] = len(keys)
    return Plan(list(batches.values()), owed)


def _flows(
    integration: Integration, system: str, named: Iterable[Change]
) -> Iterable[tuple[str, Change]]:
    """The enabled flows of the integration that read a named record from `system`."""
    for change in named:
        for flow in integration.flows:
            if flow.enabled and flow.source == system and ENTITIES[flow.name] == change.entity:
                yield flow.name, change


def _waits(integration: Integration) -> bool:
    connections = (integration.shop_connection, integration.erp_connection)
    return integration.paused or any(c.status == RECONNECT_REQUIRED for c in connections)


def _fetches(system: str, entity: str) -> bool:
    return issubclass(registry.system(system).streams[entity], Fetches)


async def sync_batch(db: Database, box: SecretBox, batch: Batch) -> bool:
    """The batch's syncs; False if they could not run now, so its events wait."""
    what = f"{batch.flow} of {batch.integration}"
    async with flow_lock(batch.integration, batch.flow):
        try:
            if batch.ids:
                ids = sorted(batch.ids)
                found = await resync(db, box, batch.integration, batch.flow, ids, reconcile=False)
                if found.missing:
                    log.info("%s: the source no longer gives %s", what, ", ".join(found.missing))
            if batch.next_page:
                report = await sync(db, box, batch.integration, flows=[batch.flow])
                if batch.flow in report.errors:
                    raise RunAborted(report.errors[batch.flow])
        except (Paused, RunAborted) as exc:
            log.warning("events for %s wait: %s", what, exc)
            return False
        except (NotFound, ValueError) as exc:  # no such flow now, or ids it cannot read
            log.warning("events for %s handled without a sync: %s", what, exc)
        except Exception:  # a bug costs this batch a delay, never the other batches
            log.exception("events for %s wait: their sync failed", what)
            return False
    return True


def _mark_handled(db: Database, event_ids: list[int]) -> None:
    if not event_ids:
        return
    with db.session() as session:
        for event in session.scalars(select(InboxEvent).where(InboxEvent.id.in_(event_ids))):
            inbox.handled(session, event)
