"""A person's answer to a "duplicate?" error: the parked customer is the same as one of the
candidates shown, or a new customer. The answer is kept (it holds for later runs) and every
record parked for that customer, the customer itself and the orders it held back, is then
written again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.connectors.errors import ErrorClass
from brygga.engine.dedupe.decisions import ChoiceError, choose
from brygga.engine.error_queue import OPEN
from brygga.store.tables import Flow, RecordError


def parked_customer(row: RecordError) -> str | None:
    """The source id of the customer a "duplicate?" error is about, else None."""
    if row.error_class != ErrorClass.POSSIBLE_DUPLICATE or not isinstance(row.target_payload, dict):
        return None
    customer: Any = row.target_payload.get("customer") or {}
    return customer.get("source_id")


def answer(session: Session, row: RecordError, target_id: str | None, who: str) -> list[int]:
    """Keep the answer to `row` (link to `target_id`, or None: a new customer) and give the
    ids of the open errors to retry: all "duplicate?" errors of that customer."""
    source_id = parked_customer(row)
    if source_id is None:
        raise ChoiceError(f'error {row.id} is not a "duplicate?" error')
    if row.status != OPEN:
        raise ChoiceError(f"error {row.id} is {row.status}: there is nothing left to answer")
    integration_id = row.flow.integration_id
    choose(session, integration_id, source_id, target_id, who)
    parked = session.scalars(
        select(RecordError)
        .join(Flow)
        .where(
            Flow.integration_id == integration_id,
            RecordError.status == OPEN,
            RecordError.error_class == ErrorClass.POSSIBLE_DUPLICATE.value,
        )
    )
    return sorted(error.id for error in parked if parked_customer(error) == source_id)
