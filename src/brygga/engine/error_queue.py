"""The error queue (DESIGN.md §3.6): each record of a flow whose latest write failed, with its
class, the message that says what to fix, the attempts so far and its payloads.

The runner files every failure here and resolves the row when the same record later succeeds.
An operator retries a row (as it was, or with an edited record), or skips it: a skipped record
is passed over by later runs until it changes in the source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

import brygga.model
from brygga.engine import xrefs
from brygga.engine.outcomes import Outcome, Status
from brygga.engine.redaction import redact
from brygga.store.tables import Flow, Integration, RecordError, utcnow

OPEN, RESOLVED, SKIPPED = "open", "resolved", "skipped"
STATUSES = (OPEN, RESOLVED, SKIPPED)


class QueueError(ValueError):
    """An operator's request the queue cannot carry out; the message says why."""


def file_outcomes(session: Session, flow_id: int, outcomes: Iterable[Outcome]) -> None:
    """File the page's failures and resolve the rows of records that now succeeded."""
    outcomes = list(outcomes)
    rows = {
        row.source_id: row
        for row in session.scalars(
            select(RecordError).where(
                RecordError.flow_id == flow_id,
                RecordError.source_id.in_([o.source_id for o in outcomes]),
            )
        )
    }
    now = utcnow()
    for outcome in outcomes:
        row = rows.get(outcome.source_id)
        if outcome.status is Status.FAILED:
            if row is None:
                row = RecordError(flow_id=flow_id, source_id=outcome.source_id, attempts=0)
                row.first_failed_at = now
                session.add(row)
                rows[outcome.source_id] = row
            row.status, row.resolved_at, row.resolution = OPEN, None, None
            row.attempts += 1
            row.last_failed_at = now
            row.error_class = outcome.error_class or "data"
            row.message = outcome.message or ""
            row.source_payload, row.target_payload = outcome.source_payload, outcome.target_payload
            if outcome.record is not None:
                row.record_type = type(outcome.record).__name__
                row.record = outcome.record.model_dump(mode="json")
                row.content_hash = fingerprint(outcome.record)
        elif row is not None and _resolves(row, outcome):
            row.status, row.resolved_at = RESOLVED, now
            row.resolution = f"{outcome.status.value} in a later run"


def _resolves(row: RecordError, outcome: Outcome) -> bool:
    """A success resolves an open row; a skipped row only by a write (not by being passed
    over, which is also a skip)."""
    if row.status == OPEN:
        return True
    return row.status == SKIPPED and outcome.status is not Status.SKIPPED


def fingerprint(record: BaseModel) -> str:
    """What tells whether a record changed in the source since it failed."""
    return xrefs.content_hash(record, {})


def skipped(session: Session, flow_id: int, source_ids: list[str]) -> dict[str, RecordError]:
    """The skipped rows among `source_ids`, by source id."""
    rows = session.scalars(
        select(RecordError).where(
            RecordError.flow_id == flow_id,
            RecordError.status == SKIPPED,
            RecordError.source_id.in_(source_ids),
        )
    )
    return {row.source_id: row for row in rows}


@dataclass(frozen=True)
class Filter:
    """Which rows an operator means: every field that is set must match."""

    integration: str | None = None
    flow: str | None = None
    error_class: str | None = None
    status: str | None = OPEN
    since: datetime | None = None
    ids: tuple[int, ...] = ()
    workspace_id: int | None = None  # only this workspace's (the REST API and dashboard)


def find(session: Session, wanted: Filter) -> list[RecordError]:
    if wanted.status is not None and wanted.status not in STATUSES:
        raise QueueError(f"unknown status {wanted.status!r}; use one of {', '.join(STATUSES)}")
    query = select(RecordError).join(Flow).join(Integration).order_by(RecordError.id)
    if wanted.ids:
        query = query.where(RecordError.id.in_(wanted.ids))
    if wanted.workspace_id is not None:
        query = query.where(Integration.workspace_id == wanted.workspace_id)
    if wanted.integration:
        query = query.where(Integration.name == wanted.integration)
    if wanted.flow:
        query = query.where(Flow.name == wanted.flow)
    if wanted.error_class:
        query = query.where(RecordError.error_class == wanted.error_class)
    if wanted.status:
        query = query.where(RecordError.status == wanted.status)
    if wanted.since:
        query = query.where(RecordError.last_failed_at >= wanted.since)
    rows = list(session.scalars(query))
    missing = set(wanted.ids) - {row.id for row in rows}
    if missing:
        listed = ", ".join(str(n) for n in sorted(missing))
        raise QueueError(f"no error {listed} in the queue (with the filters given)")
    return rows


def skip(session: Session, rows: list[RecordError], reason: str) -> None:
    now = utcnow()
    for row in rows:
        row.status, row.resolved_at = SKIPPED, now
        row.resolution = f"skipped: {reason}" if reason else "skipped"


def edit(row: RecordError, record: Any) -> None:
    """Keep an operator's edit of the record for the next retry, if it is a valid record of
    the row's kind; a QueueError says what is wrong, and the row is left as it was."""
    record_of(row, record)  # validates
    row.edited_record = record


def record_of(row: RecordError, data: Any | None = None) -> BaseModel:
    """The row's record as the model it was (its edit, if any, or `data`)."""
    if row.record_type is None:
        raise QueueError(
            f"error {row.id} has no mapped record (the source record could not be read into "
            "Brygga's model); fix it in the source system, where the next run reads it again"
        )
    model = getattr(brygga.model, row.record_type, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise QueueError(f"error {row.id} holds a {row.record_type}, unknown to this Brygga")
    chosen = data if data is not None else (row.edited_record or row.record)
    try:
        return model.model_validate(chosen)
    except ValidationError as exc:
        raise QueueError(f"the edited {row.record_type} is not valid: {exc}") from None


def summary(row: RecordError) -> dict[str, Any]:
    """An error as the CLI and the REST API show it in a list."""
    return {
        "id": row.id,
        "integration": row.flow.integration.name,
        "flow": row.flow.name,
        "source_id": row.source_id,
        "status": row.status,
        "class": row.error_class,
        "message": row.message,
        "attempts": row.attempts,
        "first_failed_at": row.first_failed_at.isoformat(),
        "last_failed_at": row.last_failed_at.isoformat(),
        "resolution": row.resolution,
    }


def detail(row: RecordError) -> dict[str, Any]:
    """An error with its record and payloads: what an operator edits and retries. The raw
    payloads are shown with any secret in them masked (invariant 9)."""
    return summary(row) | {
        "record_type": row.record_type,
        "record": row.record,
        "edited_record": row.edited_record,
        "source_payload": redact(row.source_payload),
        "target_payload": redact(row.target_payload),
    }
