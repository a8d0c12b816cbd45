"""`/api/integrations/{name}/flows/{flow}`: run a flow now (or dry: what it would write),
preview given records with settings not saved yet, and replay — move a flow's cursor back
("time history"), or re-sync given records. All stay idempotent (docs/reliability.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from brygga.engine import flow_settings
from brygga.engine.dry_run import planned_records
from brygga.engine.integrations import (
    NotFound,
    Paused,
    SyncReport,
    integration_named,
    move_cursors_back,
    resync,
    sync,
)
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


class Planned(BaseModel):
    """What a dry run would do with one record (engine.dry_run)."""

    flow: str
    source_id: str
    action: str = Field(description="create, update, skip or fail")
    target_id: str | None = None
    message: str | None = None
    request: str | None = Field(None, description='e.g. "POST https://.../3/orders"')
    body: Any = Field(None, description="The payload it would send")
    changes: list[str] | None = Field(None, description="For an update: field: old → new")


class Ran(BaseModel):
    flow: str
    counts: dict[str, int] = Field(description="Records read, created, updated, skipped, failed")
    error: str | None = Field(description="Why the run stopped early, if it did")
    dry_run: bool
    planned: list[Planned] = Field(description="A dry run's records; empty for a real run")


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=20, description="Source record ids")
    settings: dict[str, Any] | None = Field(
        None, description="The flow's overrides to preview with instead of the saved ones"
    )


class Preview(BaseModel):
    records: list[Planned]
    missing: list[str] = Field(description="Ids the source system did not give")


@router.post("/run", response_model=Ran)
async def run_flow(
    request: Request,
    integration: str,
    flow: str,
    dry_run: bool = False,
    caller: Caller = Depends(operator),
) -> Ran:
    """Run the flow once now; `dry_run=true` writes nothing and lists what it would write."""
    _check(request, caller, integration, flow)
    return await run_now(request, integration, flow, dry_run=dry_run)


@router.post("/preview", response_model=Preview)
async def preview_records(
    request: Request,
    integration: str,
    flow: str,
    body: PreviewRequest,
    caller: Caller = Depends(operator),
) -> Preview:
    """What the flow would write for these records (read from the source now), with the
    settings given or the saved ones, and how it differs from what Brygga last wrote there.
    Writes nothing."""
    _check(request, caller, integration, flow)
    return await preview(request, integration, flow, body.ids, body.settings)


async def run_now(request: Request, integration: str, flow: str, *, dry_run: bool) -> Ran:
    """One run of a flow of the caller's workspace (checked by the caller)."""
    state = request.app.state
    try:
        report = await sync(state.db, state.box, integration, flows=[flow], dry_run=dry_run)
    except Paused as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except NotFound as exc:  # switched off
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    planned = planned_records(state.db, integration, report) if dry_run else []
    counts = report.flows.get(flow)
    return Ran(
        flow=flow,
        counts=counts.as_dict() if counts else {},
        error=report.errors.get(flow),
        dry_run=dry_run,
        planned=[Planned(**entry) for entry in planned],
    )


async def preview(
    request: Request,
    integration: str,
    flow: str,
    ids: list[str],
    settings: dict[str, Any] | None,
) -> Preview:
    state = request.app.state
    try:
        if settings is not None:
            with state.db.session() as session:
                pair = integration_named(session, integration).pair
            settings = flow_settings.checked(pair, flow, settings)
        done = await resync(
            state.db, state.box, integration, flow, ids, dry_run=True, settings=settings
        )
    except ValueError as exc:
        raise HTTPException(_status_of(exc), str(exc)) from None
    except RunAborted as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from None
    report = SyncReport(planned={flow: done.outcomes})
    planned = planned_records(state.db, integration, report)
    return Preview(records=[Planned(**entry) for entry in planned], missing=done.missing)


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
