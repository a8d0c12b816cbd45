"""The overview page (`/`): every integration with its health, and the charts of what moved
and what failed."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from brygga.engine import activity, health
from brygga.web.auth import Caller, page_viewer
from brygga.web.charts import bar_chart
from brygga.web.overview import credentials_reader
from brygga.web.pages.display import HELPERS, live
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview_page(request: Request, caller: Caller = Depends(page_viewer)) -> HTMLResponse:
    now = datetime.now(UTC)
    with request.app.state.db.session() as session:
        found = health.overview(
            session, caller.workspace_id, now, credentials_of=credentials_reader(request)
        )
        # A live refresh swaps the integrations only: the charts are not drawn for it.
        charts = None if live(request) else _charts(session, caller.workspace_id, now)
    return render(
        request, "pages/overview.html", caller, integrations=found, charts=charts, **HELPERS
    )


def _charts(session: Session, workspace_id: int, now: datetime) -> dict[str, Markup]:
    moved = activity.records_per_hour(session, workspace_id, now)
    failed = activity.errors_per_day(session, workspace_id, now)
    return {
        "records-per-hour": bar_chart(
            moved, "Records created or updated per hour", "No record moved in the last 24 hours",
            label_every=3,
        ),
        "errors-per-day": bar_chart(
            failed, "Records failed per day", "No record failed in the last 14 days",
            label_every=2,
        ),
    }  # fmt: skip
