"""Alerts a flow raises about itself: too many records waiting in its error queue, or no record
moved for longer than expected ("the run succeeded" is not "records moved", DESIGN.md §3.8).

Each flow's settings may set `alert_open_errors` (open errors that raise the alert; 0 turns it
off) and `alert_silent_hours` (hours without a created or updated record; 0 turns it off). A
flow's alert resolves by itself once it is back within its limits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brygga.engine import error_queue
from brygga.engine.outcomes import Status
from brygga.store.alerts import ERROR_QUEUE, SILENT_FLOW, raise_alert, resolve_alerts
from brygga.store.tables import Flow, Integration, RecordError, RecordOutcome, Run

DEFAULT_OPEN_ERRORS = 10
# A shop that sends no order for a day is more likely cut off than quiet. Other flows move
# only when someone changes something, so silence is normal for them unless set.
DEFAULT_SILENT_HOURS = {"orders": 24}


def check(session: Session, integration: Integration, now: datetime) -> None:
    """Raise or resolve the error-queue and silence alerts of the integration's enabled flows."""
    for flow in integration.flows:
        if flow.enabled:
            _check_error_queue(session, integration, flow)
            _check_silence(session, integration, flow, now)


def _check_error_queue(session: Session, integration: Integration, flow: Flow) -> None:
    threshold = int(_setting(flow, "alert_open_errors", DEFAULT_OPEN_ERRORS))
    waiting = session.scalar(
        select(func.count())
        .select_from(RecordError)
        .where(RecordError.flow_id == flow.id, RecordError.status == error_queue.OPEN)
    )
    if threshold and waiting >= threshold:
        raise_alert(
            session,
            ERROR_QUEUE,
            f"{integration.name}: {waiting} records of {flow.name} wait in the error queue "
            f"(alert at {threshold}); see `brygga errors list --flow {flow.name}`",
            integration_id=integration.id,
            flow_id=flow.id,
        )
    else:
        resolve_alerts(session, ERROR_QUEUE, flow_id=flow.id)


def _check_silence(session: Session, integration: Integration, flow: Flow, now: datetime) -> None:
    hours = float(_setting(flow, "alert_silent_hours", DEFAULT_SILENT_HOURS.get(flow.name, 0)))
    if not hours:
        return
    moved = session.scalar(
        select(func.max(RecordOutcome.created_at)).where(
            RecordOutcome.flow_id == flow.id,
            RecordOutcome.status.in_([Status.CREATED.value, Status.UPDATED.value]),
        )
    )
    # A flow that never moved a record counts from its first run: before that, it was not on.
    since = moved or session.scalar(select(func.min(Run.started_at)).where(Run.flow_id == flow.id))
    if since is None:
        return
    if now - since > timedelta(hours=hours):
        what = f"since {since:%Y-%m-%d %H:%M} UTC" if moved else "since its first run"
        raise_alert(
            session,
            SILENT_FLOW,
            f"{integration.name}: {flow.name} has moved no record {what}, longer than the "
            f"{hours:g} h expected; check that {flow.source} still sends them",
            integration_id=integration.id,
            flow_id=flow.id,
        )
    else:
        resolve_alerts(session, SILENT_FLOW, flow_id=flow.id)


def _setting(flow: Flow, name: str, default: Any) -> Any:
    value = (flow.settings or {}).get(name)
    return default if value is None else value
