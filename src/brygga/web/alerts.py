"""`/api/alerts`: what needs a person (a connection to reconnect, a full error queue, a silent
flow)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, or_, select

from brygga.store import Alert, Connection, Integration
from brygga.web.auth import Caller, viewer

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    message: str
    connection_id: int | None
    integration_id: int | None
    flow_id: int | None
    raised_at: datetime
    resolved_at: datetime | None
    delivered_at: datetime | None


@router.get("", response_model=list[AlertOut])
def list_alerts(
    request: Request, include_resolved: bool = False, caller: Caller = Depends(viewer)
) -> list[AlertOut]:
    """Open alerts, oldest first; `include_resolved` for the history too."""
    query = alerts_of(caller.workspace_id)
    if not include_resolved:
        query = query.where(Alert.resolved_at.is_(None))
    with request.app.state.db.session() as session:
        return [AlertOut.model_validate(alert) for alert in session.scalars(query)]


def alerts_of(workspace_id: int) -> Select[tuple[Alert]]:
    """The workspace's alerts: about its connections or its integrations (and their flows)."""
    mine = or_(Connection.workspace_id == workspace_id, Integration.workspace_id == workspace_id)
    return (
        select(Alert)
        .outerjoin(Connection, Alert.connection_id == Connection.id)
        .outerjoin(Integration, Alert.integration_id == Integration.id)
        .where(mine)
        .order_by(Alert.id)
    )
