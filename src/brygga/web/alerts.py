"""`/api/alerts`: what needs a person (a connection to reconnect, a full error queue, a silent
flow)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from brygga.store import Alert

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
def list_alerts(request: Request, include_resolved: bool = False) -> list[AlertOut]:
    """Open alerts, oldest first; `include_resolved` for the history too."""
    query = select(Alert).order_by(Alert.id)
    if not include_resolved:
        query = query.where(Alert.resolved_at.is_(None))
    with request.app.state.db.session() as session:
        return [AlertOut.model_validate(alert) for alert in session.scalars(query)]
