"""`/integrations/{name}`: one integration: its connections, its flows (on/off, last cursor,
open errors) with Run now and a dry run, pause and resume, the reconciliation report, and links
to its settings and time history."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from brygga.connectors.errors import ConnectorError
from brygga.engine.reconcile import reconcile
from brygga.store import Connection, Run
from brygga.web import IntegrationName, integrations, scope
from brygga.web.auth import Caller, page_operator, page_owner, page_viewer
from brygga.web.flows import Planned, Ran, run_now
from brygga.web.integrations import FlowChange
from brygga.web.pages.alerts import reconnect_url
from brygga.web.pages.feedback import back, notice
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/integrations/{integration}", response_class=HTMLResponse)
def integration_page(
    request: Request, name: IntegrationName, caller: Caller = Depends(page_viewer)
) -> Response:
    return _page(request, caller, name)


@router.post("/integrations/{integration}/pause")
def pause(
    request: Request,
    name: IntegrationName,
    paused: bool = Form(...),
    caller: Caller = Depends(page_operator),
) -> Response:
    integrations.set_paused(request.app.state.db, caller, name, paused)
    said = "Paused: no sync runs until you resume it" if paused else "Resumed"
    return back(request, f"/integrations/{name}", said)


@router.post("/integrations/{integration}/flows/{flow}/enabled")
def switch(
    request: Request,
    name: IntegrationName,
    flow: str,
    enabled: bool = Form(...),
    caller: Caller = Depends(page_owner),
) -> Response:
    integrations.save_flow(request.app.state.db, caller, name, flow, FlowChange(enabled=enabled))
    said = f"{flow} switched {'on' if enabled else 'off'}"
    return back(request, f"/integrations/{name}", said)


@router.post("/integrations/{integration}/flows/{flow}/run", response_class=HTMLResponse)
async def run(
    request: Request,
    name: IntegrationName,
    flow: str,
    dry_run: bool = Form(False),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Run a flow now (or dry), and show what it did on the integration's page."""
    with request.app.state.db.session() as session:
        scope.flow(session, caller, name, flow)
    try:
        ran: Ran | None = await run_now(request, name, flow, dry_run=dry_run)
    except HTTPException as exc:
        return back(request, f"/integrations/{name}", str(exc.detail), failed=True)
    return _page(request, caller, name, ran=ran, planned=shown_planned(ran.planned))


@router.post("/integrations/{integration}/reconcile", response_class=HTMLResponse)
async def reconcile_page(
    request: Request, name: IntegrationName, caller: Caller = Depends(page_operator)
) -> Response:
    state = request.app.state
    with state.db.session() as session:
        scope.integration(session, caller, name)
    try:
        report = await reconcile(state.db, state.box, name)
    except ConnectorError as exc:
        return back(request, f"/integrations/{name}", str(exc), failed=True)
    return _page(request, caller, name, reconciled=report)


def _page(request: Request, caller: Caller, name: str, **extra: Any) -> Response:
    with request.app.state.db.session() as session:
        integration = scope.integration(session, caller, name)
        shown = integrations.shown(session, integration)
        last_runs = {flow.id: _last_run(session, flow.id) for flow in integration.flows}
        runs = {flow.name: last_runs[flow.id] for flow in integration.flows}
        links = {
            c.name: reconnect_url(c)
            for c in session.scalars(
                select(Connection).where(
                    Connection.id.in_(
                        [integration.shop_connection_id, integration.erp_connection_id]
                    )
                )
            )
        }
    return render(
        request, "pages/integration.html", caller, integration=shown, runs=runs,
        reconnect=links, notice=notice(request), **extra,
    )  # fmt: skip


def shown_planned(planned: list[Planned]) -> list[dict[str, Any]]:
    """A dry run's records for a page, each payload as indented JSON."""
    return [
        entry.model_dump() | {"body": json.dumps(entry.body, indent=2, default=str)}
        for entry in planned
    ]


def _last_run(session: Any, flow_id: int) -> Run | None:
    return session.scalar(
        select(Run).where(Run.flow_id == flow_id).order_by(Run.id.desc()).limit(1)
    )
