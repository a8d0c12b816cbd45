"""The runs pages: `/runs` (filtered by integration, flow and status, newest first, a page at
a time) and `/runs/{id}` (counts per outcome, duration, requests, 429s and the records)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from brygga.engine import activity
from brygga.engine.outcomes import Status
from brygga.web import UNPROCESSABLE, scope
from brygga.web.auth import Caller, page_viewer
from brygga.web.pages.display import HELPERS
from brygga.web.runs import check_filters
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
OUTCOMES = [status.value for status in Status]


@router.get("/runs", response_class=HTMLResponse)
def runs_page(
    request: Request,
    caller: Caller = Depends(page_viewer),
    integration: str = "",
    flow: str = "",
    run_status: str = Query("", alias="status"),
    page: str = "1",
) -> HTMLResponse:
    chosen = {"integration": integration, "flow": flow, "status": run_status}
    problem, code, found = None, status.HTTP_200_OK, None
    with request.app.state.db.session() as session:
        choices = _choices(session, caller)
        try:
            number = _page_number(page)
            check_filters(session, caller, integration or None, flow or None)
            found = activity.runs(
                session, caller.workspace_id, datetime.now(UTC),
                integration=integration or None, flow=flow or None,
                status=run_status or None, page=number, per_page=PER_PAGE,
            )  # fmt: skip
        except ValueError as exc:
            problem, code = str(exc), UNPROCESSABLE
        except HTTPException as exc:
            problem, code = str(exc.detail), exc.status_code
    return render(
        request, "pages/runs.html", caller, status_code=code,
        found=found, chosen=chosen, choices=choices, statuses=activity.RUN_STATUSES,
        problem=problem, page_url=lambda n: "/runs?" + urlencode(chosen | {"page": n}),
        **HELPERS,
    )  # fmt: skip


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(
    request: Request, run_id: str, outcome: str = "", caller: Caller = Depends(page_viewer)
) -> HTMLResponse:
    found = None
    if run_id.isdigit() and len(run_id) < 19 and outcome in ("", *OUTCOMES):
        with request.app.state.db.session() as session:
            found = activity.run_detail(
                session, caller.workspace_id, int(run_id), datetime.now(UTC),
                outcome=outcome or None,
            )  # fmt: skip
    if found is None:
        return render(
            request, "pages/missing.html", caller, status_code=status.HTTP_404_NOT_FOUND,
            what=f"run {run_id}", back="/runs",
        )  # fmt: skip
    return render(
        request, "pages/run.html", caller, run=found, outcome=outcome, outcomes=OUTCOMES,
        **HELPERS,
    )  # fmt: skip


def _choices(session: Session, caller: Caller) -> dict[str, list[str]]:
    """The workspace's integrations and flow names, for the filters."""
    integrations = scope.integrations(session, caller)
    flows = sorted({flow.name for item in integrations for flow in item.flows})
    return {"integrations": [item.name for item in integrations], "flows": flows}


def _page_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise ValueError(f"page {text!r} is not a page number (1, 2, ...)")
    return int(text)
