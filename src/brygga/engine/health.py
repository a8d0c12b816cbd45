"""The overview of a workspace: each integration's health, its flows' last runs, the records it
moved today, its open errors, and how much of each connection's request budget the last hour's
runs used.

Health, worst first: `reconnect-required` (a connection's credentials were refused for good),
`needs-attention` (a flow's last run stopped early, or an error-queue or silence alert is
open), `warning` (records wait in the error queue below the alert's threshold, or the
integration is paused), else `ok`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brygga.engine import activity, error_queue
from brygga.engine.activity import RunSummary
from brygga.engine.rate_budgets import hourly_budget
from brygga.store.alerts import ERROR_QUEUE, RECONNECT_REQUIRED, SILENT_FLOW
from brygga.store.tables import Alert, Connection, Flow, Integration, RecordError, Run

OK, WARNING, NEEDS_ATTENTION, RECONNECT = (
    "ok",
    "warning",
    "needs-attention",
    "reconnect-required",
)
HEALTHS = (OK, WARNING, NEEDS_ATTENTION, RECONNECT)  # better to worse
LABELS = {
    OK: "ok",
    WARNING: "warning",
    NEEDS_ATTENTION: "needs attention",
    RECONNECT: "reconnect required",
}
BUDGET_WINDOW = timedelta(hours=1)

# A connection's decrypted credentials, read only for its own rate limit, if it sets one.
CredentialsOf = Callable[[Connection], Mapping[str, Any]]


@dataclass
class FlowStatus:
    name: str
    source: str
    target: str
    enabled: bool
    last_run: RunSummary | None


@dataclass
class BudgetUse:
    connection: str
    system: str
    status: str  # the connection's: active or reconnect_required
    requests_last_hour: int
    hourly_budget: int | None
    share: float | None  # of the budget used, 0..1 (or more)
    basis: str  # how the figures are reached


@dataclass
class IntegrationHealth:
    name: str
    pair: str
    health: str
    label: str
    reasons: list[str]
    paused: bool
    flows: list[FlowStatus]
    moved_today: int
    open_errors: int
    budgets: list[BudgetUse]


def overview(
    session: Session,
    workspace_id: int,
    now: datetime,
    *,
    credentials_of: CredentialsOf | None = None,
    integration: str | None = None,
) -> list[IntegrationHealth]:
    """Every integration of the workspace (or the one named), by name."""
    query = select(Integration).where(Integration.workspace_id == workspace_id)
    integrations = list(session.scalars(query.order_by(Integration.name)))
    ids = [i.id for i in integrations]
    last_runs = _last_runs(session, ids)
    moved = activity.moved_since(
        session, workspace_id, activity.local_midnight(now.astimezone().date())
    )
    waiting = _open_errors(session, ids)
    alerts = _open_alerts(session, ids)
    requests = _requests_since(session, ids, now - BUDGET_WINDOW)
    found = []
    for item in integrations:
        if integration is not None and item.name != integration:
            continue
        flows = _flow_statuses(item, last_runs, now)
        open_errors = waiting.get(item.id, 0)
        health, reasons = judge(item, flows, open_errors, alerts.get(item.id, []))
        budgets = [
            _budget_use(connection, integrations, requests, credentials_of)
            for connection in (item.shop_connection, item.erp_connection)
        ]
        found.append(
            IntegrationHealth(
                name=item.name,
                pair=item.pair,
                health=health,
                label=LABELS[health],
                reasons=reasons,
                paused=item.paused,
                flows=flows,
                moved_today=moved.get(item.id, 0),
                open_errors=open_errors,
                budgets=budgets,
            )
        )
    return found


def judge(
    integration: Integration, flows: list[FlowStatus], open_errors: int, alerts: list[Alert]
) -> tuple[str, list[str]]:
    """The integration's health and the reasons for it, worst first."""
    reconnect = [
        f"connection {c.name} ({c.system}) needs reconnecting"
        for c in (integration.shop_connection, integration.erp_connection)
        if c.status == RECONNECT_REQUIRED
    ]
    attention = [
        f"{flow.name}: the last run stopped early: {flow.last_run.message or 'no reason given'}"
        for flow in flows
        if flow.enabled and flow.last_run is not None and flow.last_run.status == "failed"
    ] + [alert.message for alert in alerts]
    warnings = []
    if open_errors and not any(alert.kind == ERROR_QUEUE for alert in alerts):
        warnings.append(f"{open_errors} record(s) wait in the error queue")
    if integration.paused:
        warnings.append("paused: nothing runs until it is resumed")
    reasons = reconnect + attention + warnings
    if reconnect:
        return RECONNECT, reasons
    if attention:
        return NEEDS_ATTENTION, reasons
    if warnings:
        return WARNING, reasons
    return OK, reasons


def _flow_statuses(
    integration: Integration, last_runs: dict[int, Run], now: datetime
) -> list[FlowStatus]:
    """The integration's flows in the order they were set up (the pair's), each with its
    latest run."""
    return [
        FlowStatus(
            name=flow.name,
            source=flow.source,
            target=flow.target,
            enabled=flow.enabled,
            last_run=activity.summary(last_runs[flow.id], flow, integration, now)
            if flow.id in last_runs
            else None,
        )
        for flow in sorted(integration.flows, key=lambda flow: flow.id)
    ]


def _last_runs(session: Session, integration_ids: list[int]) -> dict[int, Run]:
    """Each flow's latest run, by flow id."""
    latest = (
        select(func.max(Run.id))
        .join(Flow, Flow.id == Run.flow_id)
        .where(Flow.integration_id.in_(integration_ids))
        .group_by(Run.flow_id)
    )
    return {run.flow_id: run for run in session.scalars(select(Run).where(Run.id.in_(latest)))}


def _open_errors(session: Session, integration_ids: list[int]) -> dict[int, int]:
    query = (
        select(Flow.integration_id, func.count())
        .select_from(RecordError)
        .join(Flow, Flow.id == RecordError.flow_id)
        .where(Flow.integration_id.in_(integration_ids), RecordError.status == error_queue.OPEN)
        .group_by(Flow.integration_id)
    )
    return {integration_id: count for integration_id, count in session.execute(query)}


def _open_alerts(session: Session, integration_ids: list[int]) -> dict[int, list[Alert]]:
    query = (
        select(Alert)
        .where(
            Alert.integration_id.in_(integration_ids),
            Alert.resolved_at.is_(None),
            Alert.kind.in_([ERROR_QUEUE, SILENT_FLOW]),
        )
        .order_by(Alert.id)
    )
    found: dict[int, list[Alert]] = {}
    for alert in session.scalars(query):
        assert alert.integration_id is not None  # selected by it
        found.setdefault(alert.integration_id, []).append(alert)
    return found


def _requests_since(
    session: Session, integration_ids: list[int], since: datetime
) -> dict[int, int]:
    """HTTP requests of the runs started since `since`, by integration id."""
    query = (
        select(Flow.integration_id, func.sum(Run.requests))
        .join(Flow, Flow.id == Run.flow_id)
        .where(Flow.integration_id.in_(integration_ids), Run.started_at >= since)
        .group_by(Flow.integration_id)
    )
    return {integration_id: int(total or 0) for integration_id, total in session.execute(query)}


def _budget_use(
    connection: Connection,
    integrations: list[Integration],
    requests: dict[int, int],
    credentials_of: CredentialsOf | None,
) -> BudgetUse:
    """The last hour's requests of the runs of every integration on the connection, against
    its hourly budget. A run counts the requests to both its systems, so the figure is an
    upper bound for each of the two."""
    used = sum(
        requests.get(i.id, 0)
        for i in integrations
        if connection.id in (i.shop_connection_id, i.erp_connection_id)
    )
    budget = hourly_budget(connection.system, credentials_of(connection) if credentials_of else {})
    basis = (
        "Requests made in the last hour by runs that used this connection (a run counts "
        "its requests to both systems, so this is at most that much); "
    )
    return BudgetUse(
        connection=connection.name,
        system=connection.system,
        status=connection.status,
        requests_last_hour=used,
        hourly_budget=budget.requests if budget else None,
        share=used / budget.requests if budget else None,
        basis=basis
        + (f"budget {budget.requests:,}/h: {budget.basis}" if budget else "no budget known"),
    )
