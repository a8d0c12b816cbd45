"""`/api/errors`: the error queue (DESIGN.md §3.6) for scripts and, later, the dashboard. The
same operations as `brygga errors`: list, show, retry (as it was or edited), skip, in bulk."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from brygga.engine import error_queue
from brygga.engine.dedupe import review
from brygga.engine.dedupe.decisions import ChoiceError
from brygga.engine.error_queue import Filter, QueueError
from brygga.engine.integrations import Retried, retry_errors
from brygga.engine.runner import RunAborted
from brygga.store import Database, RecordError
from brygga.web import UNPROCESSABLE, RowId
from brygga.web.auth import Caller, operator, viewer

router = APIRouter(prefix="/api/errors", tags=["error queue"])


class ErrorSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    integration: str
    flow: str
    source_id: str
    status: str
    error_class: str = Field(alias="class")
    message: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    resolution: str | None


class ErrorDetail(ErrorSummary):
    record_type: str | None
    record: Any
    edited_record: Any
    source_payload: Any
    target_payload: Any


class Selection(BaseModel):
    """Open errors to act on in bulk: every filter given must match."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    integration: str | None = None
    flow: str | None = None
    error_class: str | None = Field(None, alias="class")
    since: datetime | None = None

    def filter(self) -> Filter:
        return Filter(self.integration, self.flow, self.error_class, since=self.since)


class RetryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    record: dict[str, Any] | None = Field(
        None, description="The corrected record (`record` of GET /api/errors/{id}), if edited"
    )


class SkipRequest(Selection):
    reason: str = ""


@router.get("", response_model=list[ErrorSummary], response_model_by_alias=True)
def list_errors(
    request: Request,
    caller: Caller = Depends(viewer),
    integration: str | None = None,
    flow: str | None = None,
    error_class: str | None = Query(None, alias="class"),
    state: str = Query("open", alias="status", description="open, resolved, skipped or all"),
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    wanted = Filter(integration, flow, error_class, None if state == "all" else state, since)
    with _db(request).session() as session:
        return [error_queue.summary(row) for row in find_errors(session, caller, wanted)]


@router.get("/{error_id}", response_model=ErrorDetail, response_model_by_alias=True)
def show_error(
    request: Request, error_id: RowId, caller: Caller = Depends(viewer)
) -> dict[str, Any]:
    with _db(request).session() as session:
        return error_queue.detail(one_error(session, caller, error_id))


@router.post("/{error_id}/retry", response_model=Retried)
async def retry_error(
    request: Request,
    error_id: RowId,
    body: RetryRequest | None = None,
    caller: Caller = Depends(operator),
) -> Retried:
    """Write the error's record again (with `record`, the operator's edit, kept for later
    retries too). A success resolves the error; a failure counts another attempt."""
    return await retry_one(request, caller, error_id, body.record if body else None)


async def retry_one(
    request: Request, caller: Caller, error_id: int, record: dict[str, Any] | None
) -> Retried:
    """Retry one error of the caller's workspace, edited first if `record` is given (the API
    and the dashboard's error page)."""
    with _db(request).session() as session:
        row = one_error(session, caller, error_id)
        if record is not None:
            try:
                error_queue.edit(row, record)
            except QueueError as exc:
                raise HTTPException(UNPROCESSABLE, str(exc)) from None
    (result,) = await retry_selection(request, caller, Filter(status=None, ids=(error_id,)))
    return result


@router.post("/retry", response_model=list[Retried])
async def retry_selected(
    request: Request, selection: Selection, caller: Caller = Depends(operator)
) -> list[Retried]:
    """Retry every open error the selection matches (e.g. after fixing the setting their
    message names)."""
    return await retry_selection(request, caller, selection.filter())


class DuplicateAnswer(BaseModel):
    """A person's answer to a "duplicate?" error."""

    model_config = ConfigDict(extra="forbid")

    target_id: str | None = Field(
        ..., description="The candidate the customer is the same as; null for a new customer"
    )


@router.post("/{error_id}/answer", response_model=list[Retried])
async def answer_duplicate(
    request: Request, error_id: RowId, body: DuplicateAnswer, caller: Caller = Depends(operator)
) -> list[Retried]:
    """Settle a "duplicate?" error: link the customer to one of the candidates shown, or create
    a new customer. The answer holds for later runs; every record parked for that customer
    (the customer and its orders) is written again."""
    return await answer_one(request, caller, error_id, body.target_id)


async def answer_one(
    request: Request, caller: Caller, error_id: int, target_id: str | None
) -> list[Retried]:
    """The API's and the dashboard's answer to a "duplicate?" error of the caller's workspace."""
    with _db(request).session() as session:
        row = one_error(session, caller, error_id)
        try:
            ids = review.answer(session, row, target_id, caller.name)
        except ChoiceError as exc:
            raise HTTPException(UNPROCESSABLE, str(exc)) from None
    # The answered error itself is open, so `ids` is never empty (an empty one selects all).
    return await retry_selection(request, caller, Filter(status=None, ids=tuple(ids)))


@router.post("/{error_id}/skip", response_model=ErrorSummary, response_model_by_alias=True)
def skip_error(
    request: Request,
    error_id: RowId,
    body: SkipRequest | None = None,
    caller: Caller = Depends(operator),
) -> dict[str, Any]:
    """Stop trying the record until it changes in the source."""
    with _db(request).session() as session:
        row = one_error(session, caller, error_id)
        error_queue.skip(session, [row], body.reason if body else "")
        return error_queue.summary(row)


@router.post("/skip", response_model=list[ErrorSummary], response_model_by_alias=True)
def skip_selected(
    request: Request, body: SkipRequest, caller: Caller = Depends(operator)
) -> list[dict[str, Any]]:
    with _db(request).session() as session:
        rows = find_errors(session, caller, body.filter())
        error_queue.skip(session, rows, body.reason)
        return [error_queue.summary(row) for row in rows]


async def retry_selection(request: Request, caller: Caller, wanted: Filter) -> list[Retried]:
    """Retry the caller's workspace's errors that `wanted` selects."""
    try:
        mine = replace(wanted, workspace_id=caller.workspace_id)
        return await retry_errors(_db(request), request.app.state.box, mine)
    except QueueError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from None
    except RunAborted as exc:  # a system refused the credentials: not the caller's fault
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from None


def _db(request: Request) -> Database:
    return request.app.state.db


def find_errors(session: Session, caller: Caller, wanted: Filter) -> list[RecordError]:
    try:
        return error_queue.find(session, replace(wanted, workspace_id=caller.workspace_id))
    except QueueError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from None


def one_error(session: Session, caller: Caller, error_id: int) -> RecordError:
    """The error, if it is the caller's workspace's (404 as if unknown otherwise)."""
    wanted = Filter(status=None, ids=(error_id,), workspace_id=caller.workspace_id)
    try:
        (row,) = error_queue.find(session, wanted)
    except QueueError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return row
