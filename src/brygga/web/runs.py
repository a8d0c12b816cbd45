"""`/api/runs`: the workspace's sync runs, newest first, and one run with its record outcomes
(counts per outcome, duration, HTTP requests made and how many were answered 429)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from pydantic import BaseModel
from sqlalchemy.orm import Session

from brygga.engine import activity
from brygga.engine.activity import RunDetail, RunSummary
from brygga.web import scope
from brygga.web.auth import Caller, viewer

router = APIRouter(prefix="/api/runs", tags=["runs"])

RunStatus = Literal["running", "succeeded", "failed", "interrupted"]
OutcomeStatus = Literal["created", "updated", "skipped", "failed"]
LARGEST_ID = 2**63 - 1  # the databases' integer
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text


class RunList(BaseModel):
    runs: list[RunSummary]
    total: int
    page: int
    per_page: int
    pages: int


@router.get("", response_model=RunList)
def list_runs(
    request: Request,
    caller: Caller = Depends(viewer),
    integration: str | None = Query(None, max_length=200, pattern=NO_NUL),
    flow: str | None = Query(None, max_length=100, pattern=NO_NUL),
    run_status: RunStatus | None = Query(None, alias="status"),
    page: int = Query(1, ge=1, le=100_000),
    per_page: int = Query(50, ge=1, le=500),
) -> RunList:
    """Runs, newest first, matching every filter given; an integration or flow the workspace
    does not have is a 404."""
    with request.app.state.db.session() as session:
        check_filters(session, caller, integration, flow)
        found = activity.runs(
            session, caller.workspace_id, datetime.now(UTC),
            integration=integration, flow=flow, status=run_status, page=page, per_page=per_page,
        )  # fmt: skip
    return RunList(
        runs=found.runs, total=found.total, page=found.page, per_page=found.per_page,
        pages=found.pages,
    )  # fmt: skip


@router.get("/{run_id}", response_model=RunDetail)
def show_run(
    request: Request,
    run_id: int = Path(ge=1, le=LARGEST_ID),
    outcome: OutcomeStatus | None = Query(None, description="Only record outcomes of this status"),
    limit: int = Query(500, ge=1, le=5000, description="At most this many record outcomes"),
    caller: Caller = Depends(viewer),
) -> RunDetail:
    with request.app.state.db.session() as session:
        found = activity.run_detail(
            session, caller.workspace_id, run_id, datetime.now(UTC), outcome=outcome, limit=limit
        )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no run {run_id}")
    return found


def check_filters(
    session: Session, caller: Caller, integration: str | None, flow: str | None
) -> None:
    """404 for a filter naming an integration or flow the workspace does not have."""
    if integration and flow:
        scope.flow(session, caller, integration, flow)
    elif integration:
        scope.integration(session, caller, integration)
