"""One sample order, for the setup wizard: a recent order of the shop, run through the orders
flow in a dry run so the merchant sees what the ERP would be sent, then, on their word,
written for real as a re-sync by id (the records and the customer it needs, cursors left
where they are)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from brygga.connectors import http
from brygga.engine import xrefs
from brygga.engine.integrations import (
    FlowPlan,
    Resynced,
    entity_settings,
    flow_runner,
    integration_named,
    open_clients,
    resync,
)
from brygga.engine.outcomes import Outcome
from brygga.engine.protocols import Dependency, SourceRecord, Writer, Written
from brygga.model import Order
from brygga.store import Database, SecretBox

FLOW = "orders"
# Where a sample is looked for: the last month's orders, then the shop's whole history.
WINDOWS: tuple[timedelta | None, ...] = (timedelta(days=30), None)
# The id a dependency would get, shown in the order's request in its place.
NEW_ID = "(new)"


class NoSample(ValueError):
    """The shop has no order to try, or the integration cannot run its orders flow."""


@dataclass
class PlannedWrite:
    """A request the dry run held back: what it writes, and the request itself."""

    entity: str
    method: str
    url: str
    body: Any


@dataclass
class Sample:
    """The sample order as the shop gave it, and what writing it would do: the records it
    needs written first (its customer), then the order's own outcome and request."""

    source_id: str
    record: Order | None
    outcome: Outcome
    needed: list[PlannedWrite] = field(default_factory=list)

    @property
    def request(self) -> PlannedWrite | None:
        """The order's own request, if the dry run got as far as sending it."""
        sent = self.outcome.target_payload
        if isinstance(sent, dict) and {"method", "url", "body"} <= set(sent):
            return PlannedWrite("order", sent["method"], sent["url"], sent["body"])
        return None


@dataclass
class Sent:
    """The sample order written for real: its outcome (the ERP's document id in
    `target_id`) and the ERP id of its customer."""

    outcome: Outcome
    customer_id: str | None


async def try_sample_order(db: Database, box: SecretBox, integration_name: str) -> Sample:
    """A recent order of the shop run through the orders flow in a dry run: nothing is written
    anywhere, neither in the ERP nor in Brygga's store."""
    with db.session() as session:
        integration = integration_named(session, integration_name)
        flow = next((f for f in integration.flows if f.name == FLOW), None)
        if flow is None or not flow.enabled:
            raise NoSample(f"{integration_name} does not sync orders; switch the flow on first")
        plan = FlowPlan(flow.id, flow.name, flow.source, flow.target)
        settings_of = entity_settings(integration)
        integration_id = integration.id
        clients = open_clients(db, box, integration)
    try:
        runner = flow_runner(db, integration_id, plan, clients, settings_of, dry_run=True)
        record = await _recent(runner.spec.stream)
        if record is None:
            raise NoSample(f"the {plan.source} shop has no orders to try yet")
        held = [_Holding(dependency.writer) for dependency in runner.spec.dependencies]
        runner.spec.dependencies = [
            Dependency(writer, dependency.extract)
            for writer, dependency in zip(held, runner.spec.dependencies, strict=True)
        ]
        runner.spec.stream = _OneRecord(runner.spec.stream, record)
        await runner.run()
    finally:
        for client in clients.values():
            await client.aclose()
    [outcome] = runner.planned
    order = record.record if isinstance(record.record, Order) else None
    needed = [write for writer in held for write in writer.held]
    return Sample(record.source_id, order, outcome, needed)


async def send_sample_order(
    db: Database, box: SecretBox, integration_name: str, source_id: str
) -> Sent:
    """Write the sample order for real, with the customer it needs, the way a sync would
    (idempotent: a second send updates the same ERP document)."""
    done: Resynced = await resync(db, box, integration_name, FLOW, [source_id])
    if done.missing:
        raise NoSample(f"the shop has no order {source_id} any more")
    [outcome] = done.outcomes
    customer_id = None
    if isinstance(outcome.record, Order):
        with db.session() as session:
            integration = integration_named(session, integration_name)
            customer = outcome.record.customer.source_id
            xref = xrefs.find(session, integration.id, "customer", customer)
            customer_id = xref.target_id if xref is not None else None
    return Sent(outcome, customer_id)


async def _recent(stream: Any) -> SourceRecord | None:
    """The newest order of the first page the stream gives, in the most recent window that
    has any."""
    until = datetime.now(UTC)
    for window in WINDOWS:
        since = until - window if window else None
        async with aclosing(stream.pages(since, until)) as pages:
            async for page in pages:
                if page:
                    return max(page, key=lambda item: item.position or until)
    return None


class _OneRecord:
    """A stream that gives one record already read."""

    def __init__(self, stream: Any, record: SourceRecord) -> None:
        self.entity, self.replication_key = stream.entity, stream.replication_key
        self._record = record

    async def pages(self, since: datetime | None, until: datetime) -> AsyncIterator[list[Any]]:
        yield [self._record]


class _Holding:
    """A dependency's writer in the sample's dry run: a write it holds back is kept, and it
    answers with a stand-in id, so that the order's own request is shown as well."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer
        self.entity, self.reuse_existing = writer.entity, writer.reuse_existing
        self.held: list[PlannedWrite] = []

    async def find(self, record: Any) -> Written | None:
        return await self.writer.find(record)

    async def create(self, record: Any, links: dict[str, str]) -> Written:
        try:
            return await self.writer.create(record, links)
        except http.WouldWrite as planned:
            self.held.append(PlannedWrite(self.entity, planned.method, planned.url, planned.body))
            return Written(NEW_ID)

    async def update(self, target_id: str, record: Any, links: dict[str, str]) -> Written:
        return await self.writer.update(target_id, record, links)
