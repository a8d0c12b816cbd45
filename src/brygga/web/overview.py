"""`/api/overview`: every integration of the workspace with its health, its flows' last runs,
the records it moved today, its open errors and its connections' request budget use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from brygga.engine import activity, health
from brygga.engine.health import CredentialsOf, IntegrationHealth
from brygga.store import Connection, SecretBox, SecretKeyMismatch, connection_credentials
from brygga.web.auth import Caller, viewer

router = APIRouter(prefix="/api/overview", tags=["overview"])


class Overview(BaseModel):
    generated_at: datetime
    today_since: datetime = Field(description="Local midnight: `moved_today` counts from here")
    integrations: list[IntegrationHealth]


@router.get("", response_model=Overview)
def get_overview(request: Request, caller: Caller = Depends(viewer)) -> Overview:
    """Health is, worst first: `reconnect-required`, `needs-attention` (a flow's last run
    stopped early, or an error-queue or silence alert is open), `warning` (errors wait below
    the alert's threshold, or paused), `ok`. A budget's `requests_last_hour` adds up the
    requests of the last hour's runs on the connection (both systems of each run)."""
    now = datetime.now(UTC)
    with request.app.state.db.session() as session:
        found = health.overview(
            session, caller.workspace_id, now, credentials_of=credentials_reader(request)
        )
    today = activity.local_midnight(now.astimezone().date())
    return Overview(generated_at=now, today_since=today, integrations=found)


def credentials_reader(request: Request) -> CredentialsOf:
    """Reads a connection's credentials for its own rate limit only; never shown. A key that
    cannot open them leaves the system's default budget."""
    box: SecretBox = request.app.state.box

    def read(connection: Connection) -> Mapping[str, Any]:
        try:
            return connection_credentials(box, connection)
        except (SecretKeyMismatch, ValueError):
            return {}

    return read
