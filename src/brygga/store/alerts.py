"""Raising and resolving alerts: one open alert per kind and subject, logged when raised."""

from __future__ import annotations

import logging

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from brygga.store.tables import Alert, utcnow

log = logging.getLogger("brygga.alerts")

RECONNECT_REQUIRED = "reconnect_required"
ERROR_QUEUE = "error_queue"  # a flow's open errors reached its threshold
SILENT_FLOW = "silent_flow"  # a flow moved no record for longer than expected


def raise_alert(
    session: Session,
    kind: str,
    message: str,
    *,
    connection_id: int | None = None,
    integration_id: int | None = None,
    flow_id: int | None = None,
) -> Alert:
    """The open alert of this kind and subject, raised now if there was none."""
    found = session.scalar(
        _open(kind).where(
            Alert.connection_id == connection_id,
            Alert.integration_id == integration_id,
            Alert.flow_id == flow_id,
        )
    )
    if found is not None:
        return found
    alert = Alert(
        kind=kind,
        message=message,
        connection_id=connection_id,
        integration_id=integration_id,
        flow_id=flow_id,
    )
    session.add(alert)
    log.warning("alert %s: %s", kind, message)
    return alert


def resolve_alerts(
    session: Session, kind: str, *, connection_id: int | None = None, flow_id: int | None = None
) -> None:
    """Resolve the open alerts of this kind about the connection or the flow."""
    query = _open(kind)
    if connection_id is not None:
        query = query.where(Alert.connection_id == connection_id)
    if flow_id is not None:
        query = query.where(Alert.flow_id == flow_id)
    for alert in session.scalars(query):
        alert.resolved_at = utcnow()
        log.info("alert %s resolved: %s", kind, alert.message)


def _open(kind: str) -> Select[tuple[Alert]]:
    return select(Alert).where(Alert.kind == kind, Alert.resolved_at.is_(None))
