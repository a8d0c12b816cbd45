"""`/api/integrations/{name}/flows/{flow}`: replay — move a flow's cursor back ("time
history"), or re-sync given records. Both stay idempotent (docs/reliability.md)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from brygga.engine.integrations import NotFound, move_cursors_back, resync
from brygga.engine.runner import RunAborted
from brygga.web import UNPROCESSABLE, scope
from brygga.web.auth import Caller, operator

router = APIRouter(prefix="/api/integrations/{integration}/flows/{flow}", tags=["flows"])


class CursorMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime = Field(description="Read again from this moment (with its time zone)")


class CursorMoved(BaseModel):
    flow: str
    before: datetime | None = Field(description="Where the cursor was; null: never synced")
    now: datetime


class ResyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=500, description="Source record ids")


class RecordResult(BaseModel):
    source_id: str
    status: str
    target_id: str | None
    message: str | None


class Resynced(BaseModel):
    records: list[RecordResult]
    missing: list[str] = Field(description="Ids the source system did not give")


@router.post("/cursor", response_model=CursorMoved)
def move_cursor(
    request: Request,
    integration: str,
    flow: str,
    body: CursorMove,
    caller: Caller = Depends(operator),
) -> CursorMoved:
    """Move the flow's cursor back, so its next run syncs the period again (never forward)."""
    _check(request, caller, integration, flow)
    try:
        before = move_cursors_back(request.app.state.db, integration, [flow], body.since)
    except ValueError as exc:
        raise HTTPException(_status_of(exc), str(exc)) from None
    return CursorMoved(flow=flow, before=before[flow], now=body.since)


@router.post("/resync", response_model=Resynced)
async def resync_records(
    request: Request,
    integration: str,
    flow: str,
    body: ResyncRequest,
    caller: Caller = Depends(operator),
) -> Resynced:
    """Read the records from the source again and write each to the target, changed or not."""
    _check(request, caller, integration, flow)
    state = request.app.state
    try:
        done = await resync(state.db, state.box, integration, flow, body.ids)
    except ValueError as exc:
        raise HTTPException(_status_of(exc), str(exc)) from None
    except RunAborted as exc:  # the source or target failed the request, not the caller
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from None
    records = [
        RecordResult(source_id=o.source_id, status=o.status.value, target_id=o.target_id,
                     message=o.message)
        for o in done.outcomes
    ]  # fmt: skip
    return Resynced(records=records, missing=done.missing)


def _check(request: Request, caller: Caller, integration: str, flow: str) -> None:
    """404 unless the flow is of the caller's workspace."""
    with request.app.state.db.session() as session:
        scope.flow(session, caller, integration, flow)


def _status_of(error: ValueError) -> int:
    unknown = isinstance(error, NotFound)
    return status.HTTP_404_NOT_FOUND if unknown else UNPROCESSABLE
