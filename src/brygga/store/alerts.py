"""Raising and resolving alerts: one open alert per kind and subject, logged when raised."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.tables import Alert, utcnow

log = logging.getLogger("brygga.alerts")

RECONNECT_REQUIRED = "reconnect_required"


def raise_alert(
    session: Session,
    kind: str,
    message: str,
    *,
    connection_id: int | None = None,
    integration_id: int | None = None,
) -> Alert:
    """The open alert of this kind and subject, raised now if there was none."""
    found = session.scalar(
        select(Alert).where(
            Alert.kind == kind,
            Alert.connection_id == connection_id,
            Alert.integration_id == integration_id,
            Alert.resolved_at.is_(None),
        )
    )
    if found is not None:
        return found
    alert = Alert(
        kind=kind, message=message, connection_id=connection_id, integration_id=integration_id
    )
    session.add(alert)
    log.warning("alert %s: %s", kind, message)
    return alert


def resolve_alerts(session: Session, kind: str, *, connection_id: int) -> None:
    for alert in session.scalars(
        select(Alert).where(
            Alert.kind == kind, Alert.connection_id == connection_id, Alert.resolved_at.is_(None)
        )
    ):
        alert.resolved_at = utcnow()
