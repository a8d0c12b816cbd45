"""Everything Brygga knows of one record of a workspace ("entities").

A record is one source record of one entity in one integration: (integration, entity, source
id), e.g. Centra order 1001 as an `order`. Brygga knows it from its cross-reference (which
target record it became), the outcomes of the runs that handled it, and its row in the error
queue; payloads are shown with secrets masked (engine.redaction). A customer, and an order
by its customer, also shows how de-duplication decided for that customer (engine.dedupe).
Finding records is engine.record_search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.engine import error_queue
from brygga.engine.dedupe import Action, decisions
from brygga.engine.redaction import redact
from brygga.model import CustomerCard
from brygga.pairs import ENTITIES
from brygga.store.tables import CrossReference, Flow, Integration, RecordError, RecordOutcome


@dataclass
class OpenError:
    id: int
    error_class: str
    message: str
    attempts: int


@dataclass
class FlowState:
    """The record in one flow: its latest outcome and its open error, if any."""

    flow: str
    source: str
    target: str
    status: str | None
    at: datetime | None
    target_id: str | None
    message: str | None
    run_id: int | None
    error: OpenError | None


@dataclass
class HistoryEntry:
    run_id: int
    flow: str
    status: str
    at: datetime
    target_id: str | None
    error_class: str | None
    message: str | None


@dataclass
class RecordRef:
    entity: str
    source_id: str
    flow: str


class MatchCandidate(BaseModel):
    """A customer of the target that de-duplication weighed, as it scored it."""

    target_id: str
    card: CustomerCard
    score: float = Field(ge=0, le=1)
    reasons: list[str]
    action: Action = Field(description="What this candidate alone would have led to")


class CustomerMatch(BaseModel):
    """How de-duplication decided for a source customer (docs/dedupe.md): linked to a customer
    the target has, created as a new one, or waiting for a person (a "duplicate?" error)."""

    source_id: str = Field(description="The customer's source id (an order's: its customer's)")
    action: Action
    target_id: str | None = Field(description="The target customer it is linked to, if any")
    score: float | None = Field(description="The best candidate's score")
    reasons: list[str] = Field(description="Why the best candidate scored so")
    candidates: list[MatchCandidate] = Field(description="The candidates weighed, best first")
    decided_by: str = Field(description=f'"{decisions.MATCHER}", or the person who answered')
    decided_at: datetime


@dataclass
class RecordDetail:
    integration: str
    entity: str
    source_id: str
    target_id: str | None
    link_state: str | None  # the cross-reference's: linked, or pending a create
    linked_at: datetime | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    flows: list[FlowState]
    history: list[HistoryEntry]
    # Payloads as stored (the latest that has them), with secrets masked.
    source_payload: Any = None
    target_payload: Any = None
    record: Any = None  # the canonical record of an open error, as Brygga mapped it
    elsewhere: list[RecordRef] = field(default_factory=list)  # the same id in other flows
    match: CustomerMatch | None = None  # the customer's, or an order's customer's


@dataclass(frozen=True)
class FlowRef:
    """A flow of the workspace, with its entity and its integration's name."""

    id: int
    name: str
    source: str
    target: str
    entity: str
    integration_id: int
    integration: str


def record_detail(
    session: Session,
    workspace_id: int,
    integration: str,
    entity: str,
    source_id: str,
    *,
    history: int = 20,
) -> RecordDetail | None:
    """All Brygga knows of one record; None if it knows nothing of it in the workspace."""
    flows = {
        fid: flow
        for fid, flow in flows_of(session, workspace_id).items()
        if flow.integration == integration
    }
    if not flows:
        return None
    own = {fid: flow for fid, flow in flows.items() if flow.entity == entity}
    integration_id = next(iter(flows.values())).integration_id
    xref = cross_reference(session, integration_id, entity, source_id)
    outcomes = list(
        session.scalars(
            select(RecordOutcome)
            .where(RecordOutcome.flow_id.in_(list(own)), RecordOutcome.source_id == source_id)
            .order_by(RecordOutcome.id.desc())
        )
    )
    errors = {
        row.flow_id: row
        for row in session.scalars(
            select(RecordError).where(
                RecordError.flow_id.in_(list(own)), RecordError.source_id == source_id
            )
        )
    }
    if xref is None and not outcomes and not errors:
        return None
    latest: dict[int, RecordOutcome] = {}
    for outcome in outcomes:  # newest first
        latest.setdefault(outcome.flow_id, outcome)
    read = next((o for o in outcomes if o.source_payload is not None), None)
    written = next((o for o in outcomes if o.target_payload is not None), None)
    open_error = next((e for e in errors.values() if e.status == error_queue.OPEN), None)
    target_id = (
        xref.target_id if xref else next((o.target_id for o in outcomes if o.target_id), None)
    )
    return RecordDetail(
        integration=integration,
        entity=entity,
        source_id=source_id,
        target_id=target_id,
        link_state=xref.state if xref else None,
        linked_at=xref.updated_at if xref else None,
        first_seen_at=outcomes[-1].created_at if outcomes else None,
        last_seen_at=outcomes[0].created_at if outcomes else None,
        flows=[_state(flow, latest.get(fid), errors.get(fid)) for fid, flow in sorted(own.items())],
        history=[_entry(own[o.flow_id], o) for o in outcomes[:history]],
        source_payload=redact(read.source_payload) if read else None,
        target_payload=redact(written.target_payload) if written else None,
        record=redact(open_error.edited_record or open_error.record) if open_error else None,
        elsewhere=_elsewhere(session, flows, entity, source_id),
        match=_match(session, integration_id, _customer_of(entity, source_id, errors.values())),
    )


def flows_of(session: Session, workspace_id: int) -> dict[int, FlowRef]:
    """The workspace's flows by id."""
    query = (
        select(Flow, Integration.name)
        .join(Integration, Integration.id == Flow.integration_id)
        .where(Integration.workspace_id == workspace_id)
    )
    return {
        flow.id: FlowRef(
            id=flow.id,
            name=flow.name,
            source=flow.source,
            target=flow.target,
            entity=ENTITIES.get(flow.name, flow.name),
            integration_id=flow.integration_id,
            integration=name,
        )
        for flow, name in session.execute(query)
    }


def cross_reference(
    session: Session, integration_id: int, entity: str, source_id: str
) -> CrossReference | None:
    return session.scalar(
        select(CrossReference).where(
            CrossReference.integration_id == integration_id,
            CrossReference.entity == entity,
            CrossReference.source_id == source_id,
        )
    )


def _state(flow: FlowRef, latest: RecordOutcome | None, error: RecordError | None) -> FlowState:
    waiting = None
    if error is not None and error.status == error_queue.OPEN:
        waiting = OpenError(error.id, error.error_class, error.message, error.attempts)
    return FlowState(
        flow=flow.name,
        source=flow.source,
        target=flow.target,
        status=latest.status if latest else None,
        at=latest.created_at if latest else None,
        target_id=latest.target_id if latest else None,
        message=latest.message if latest else None,
        run_id=latest.run_id if latest else None,
        error=waiting,
    )


def _entry(flow: FlowRef, outcome: RecordOutcome) -> HistoryEntry:
    return HistoryEntry(
        run_id=outcome.run_id,
        flow=flow.name,
        status=outcome.status,
        at=outcome.created_at,
        target_id=outcome.target_id,
        error_class=outcome.error_class,
        message=outcome.message,
    )


def _elsewhere(
    session: Session, flows: dict[int, FlowRef], entity: str, source_id: str
) -> list[RecordRef]:
    """The same source id in the integration's flows of other entities (a SKU is both a
    product and a stock level); a link to follow, not a claim that it is the same record."""
    others = {fid: flow for fid, flow in flows.items() if flow.entity != entity}
    if not others:
        return []
    seen = session.scalars(
        select(RecordOutcome.flow_id)
        .where(RecordOutcome.flow_id.in_(list(others)), RecordOutcome.source_id == source_id)
        .distinct()
    )
    return [RecordRef(others[fid].entity, source_id, others[fid].name) for fid in sorted(seen)]


def _customer_of(entity: str, source_id: str, errors: Iterable[RecordError]) -> str | None:
    """The source customer whose match the record shows: the customer itself, or an order's
    customer as its canonical record in the error queue names it (model.Order). Brygga keeps
    no canonical record of an order that never failed, so such an order shows none."""
    if entity == "customer":
        return source_id
    for row in errors:
        record = row.edited_record or row.record
        customer = record.get("customer") if isinstance(record, dict) else None
        if isinstance(customer, dict) and customer.get("source_id"):
            return str(customer["source_id"])
    return None


def _match(session: Session, integration_id: int, customer: str | None) -> CustomerMatch | None:
    row = decisions.latest(session, integration_id, customer) if customer else None
    if row is None:
        return None
    return CustomerMatch.model_validate(decisions.shown(row))
