"""`/integrations/{name}/history`: time history: move a flow's cursor back to sync a period
again, or re-sync given records by their source ids; the result is shown on the page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from brygga.web import IntegrationName, integrations, scope
from brygga.web.auth import Caller, page_operator, page_viewer
from brygga.web.flows import CursorMove, ResyncRequest, move_cursor, resync_records
from brygga.web.pages.feedback import back, notice
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/integrations/{integration}/history", response_class=HTMLResponse)
def history_page(
    request: Request, name: IntegrationName, caller: Caller = Depends(page_viewer)
) -> Response:
    return _page(request, caller, name)


@router.post("/integrations/{integration}/history/cursor")
def move_back(
    request: Request,
    name: IntegrationName,
    flow: str = Form(...),
    since: str = Form(...),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Move the flow's cursor back to `since` (a date and time in UTC)."""
    here = f"/integrations/{name}/history"
    try:
        moment = datetime.fromisoformat(since).replace(tzinfo=UTC)
    except ValueError:
        return back(request, here, f"{since!r} is not a date and time", failed=True)
    try:
        moved = move_cursor(request, name, flow, CursorMove(since=moment), caller)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(request, here, str(exc.detail), failed=True)
    before = moved.before.strftime("%Y-%m-%d %H:%M") if moved.before else "never synced"
    said = (
        f"{flow}: cursor moved back from {before} to {moment:%Y-%m-%d %H:%M} UTC; "
        "the next run syncs the period again"
    )
    return back(request, here, said)


@router.post("/integrations/{integration}/history/resync", response_class=HTMLResponse)
async def resync(
    request: Request,
    name: IntegrationName,
    flow: str = Form(...),
    ids: str = Form(""),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Read the given records again and write each, changed or not; the outcomes are shown."""
    wanted = [part.strip() for part in ids.replace(",", "\n").splitlines() if part.strip()]
    if not wanted:
        return _page(request, caller, name, problem="Name at least one record id", chosen=flow)
    try:
        body = ResyncRequest(ids=wanted)
        done = await resync_records(request, name, flow, body, caller)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return _page(request, caller, name, problem=str(exc.detail), chosen=flow, ids=ids)
    except ValueError as exc:  # more ids than one re-sync takes
        return _page(request, caller, name, problem=str(exc), chosen=flow, ids=ids)
    return _page(request, caller, name, resynced=done, chosen=flow, ids=ids)


def _page(request: Request, caller: Caller, name: str, **extra: Any) -> Response:
    with request.app.state.db.session() as session:
        shown = integrations.shown(session, scope.integration(session, caller, name))
    return render(
        request, "pages/history.html", caller, integration=shown, notice=notice(request),
        now=datetime.now(UTC), **extra,
    )  # fmt: skip
