"""What the runs of a workspace did: the runs themselves, newest first, one run with its record
outcomes, and the counts behind the dashboard's charts. Every query takes the workspace, so the
REST API and the pages show one workspace's runs only.

Counting a window of outcomes goes through the runs that wrote them: runs are indexed by flow
and start, outcomes by run, so the count reads only the window's rows however long the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from brygga.engine.outcomes import Status
from brygga.pairs import ENTITIES
from brygga.store.tables import Flow, Integration, RecordOutcome, Run

RUN_STATUSES = ("running", "succeeded", "failed", "interrupted")
MOVED = (Status.CREATED.value, Status.UPDATED.value)
# A run is looked for up to this long before the window whose outcomes are counted: a run
# that lasts longer (none should) has its outcomes counted only from its later runs' windows.
LONGEST_RUN = timedelta(days=1)


@dataclass
class RunSummary:
    id: int
    integration: str
    flow: str
    source: str
    target: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float  # so far, while it runs
    read: int
    created: int
    updated: int
    skipped: int
    failed: int
    requests: int  # HTTP requests to both systems, counted when the run finishes
    rate_limited: int  # of them answered 429
    message: str | None


@dataclass
class RunPage:
    runs: list[RunSummary]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class OutcomeRow:
    source_id: str
    status: str
    target_id: str | None
    error_class: str | None
    message: str | None
    at: datetime


@dataclass
class RunDetail(RunSummary):
    entity: str = ""
    outcomes: list[OutcomeRow] = field(default_factory=list)
    outcomes_total: int = 0  # of the run, with the status asked for


@dataclass
class Series:
    """Counts per bucket (one label each) for each named series."""

    labels: list[str]
    values: dict[str, list[int]]


def summary(run: Run, flow: Flow, integration: Integration, now: datetime) -> RunSummary:
    end = run.finished_at or now
    return RunSummary(
        id=run.id,
        integration=integration.name,
        flow=flow.name,
        source=flow.source,
        target=flow.target,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=round(max(0.0, (end - run.started_at).total_seconds()), 1),
        read=run.read,
        created=run.created,
        updated=run.updated,
        skipped=run.skipped,
        failed=run.failed,
        requests=run.requests,
        rate_limited=run.rate_limited,
        message=run.message,
    )


def runs(
    session: Session,
    workspace_id: int,
    now: datetime,
    *,
    integration: str | None = None,
    flow: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> RunPage:
    """The workspace's runs, newest first, that match every filter given."""
    if status is not None and status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r}; use one of {', '.join(RUN_STATUSES)}")
    query = _runs_of(workspace_id)
    if integration:
        query = query.where(Integration.name == integration)
    if flow:
        query = query.where(Flow.name == flow)
    if status:
        query = query.where(Run.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Run.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    found = [summary(run, flow_, integration_, now) for run, flow_, integration_ in rows]
    return RunPage(found, total, page, per_page)


def run_detail(
    session: Session,
    workspace_id: int,
    run_id: int,
    now: datetime,
    *,
    outcome: str | None = None,
    limit: int = 500,
) -> RunDetail | None:
    """The run with its record outcomes (those of status `outcome`, if given); None if the
    workspace has no such run."""
    row = session.execute(_runs_of(workspace_id).where(Run.id == run_id)).first()
    if row is None:
        return None
    run, flow, integration = row
    wanted = [RecordOutcome.run_id == run.id]
    if outcome:
        wanted.append(RecordOutcome.status == outcome)
    total = session.scalar(select(func.count()).select_from(RecordOutcome).where(*wanted)) or 0
    outcomes = session.scalars(
        select(RecordOutcome).where(*wanted).order_by(RecordOutcome.id).limit(limit)
    )
    detail = RunDetail(**vars(summary(run, flow, integration, now)))
    detail.entity = ENTITIES.get(flow.name, flow.name)
    detail.outcomes_total = total
    detail.outcomes = [
        OutcomeRow(o.source_id, o.status, o.target_id, o.error_class, o.message, o.created_at)
        for o in outcomes
    ]
    return detail


def records_per_hour(
    session: Session, workspace_id: int, now: datetime, integration_id: int | None = None
) -> Series:
    """Records created or updated per hour of the last 24 (local time), per flow (named with
    its integration unless one is chosen); flows that moved nothing are left out."""
    local = now.astimezone()
    last = local.replace(minute=0, second=0, microsecond=0)
    edges = [last - timedelta(hours=hours) for hours in range(23, -2, -1)]
    labels = [f"{edge:%H}:00" for edge in edges[:-1]]
    counts = _bucketed(session, workspace_id, edges, MOVED, integration_id)
    if integration_id is None:
        return Series(labels, _named(counts, lambda integration, flow: f"{integration} {flow}"))
    return Series(labels, _named(counts, lambda _, flow: flow))


def errors_per_day(
    session: Session, workspace_id: int, now: datetime, integration_id: int | None = None
) -> Series:
    """Records that failed per day of the last 14 (local days), per integration (per flow
    when one is chosen)."""
    today = now.astimezone().date()
    days = [today - timedelta(days=back) for back in range(13, -2, -1)]
    edges = [local_midnight(day) for day in days]
    labels = [f"{day:%d %b}" for day in days[:-1]]
    counts = _bucketed(session, workspace_id, edges, (Status.FAILED.value,), integration_id)
    if integration_id is None:
        return Series(labels, _named(counts, lambda integration, _: integration))
    return Series(labels, _named(counts, lambda _, flow: flow))


def local_midnight(day: date) -> datetime:
    """The start of `day` in this machine's time zone (the dashboard's "today")."""
    return datetime.combine(day, time()).astimezone()


def moved_since(session: Session, workspace_id: int, since: datetime) -> dict[int, int]:
    """Records created or updated since `since`, by integration id."""
    query = (
        _outcomes_since(workspace_id, since, Integration.id, func.count())
        .where(RecordOutcome.status.in_(MOVED))
        .group_by(Integration.id)
    )
    return {integration_id: count for integration_id, count in session.execute(query)}


def _runs_of(workspace_id: int) -> Select[tuple[Run, Flow, Integration]]:
    return (
        select(Run, Flow, Integration)
        .join(Flow, Flow.id == Run.flow_id)
        .join(Integration, Integration.id == Flow.integration_id)
        .where(Integration.workspace_id == workspace_id)
    )


def _outcomes_since(workspace_id: int, since: datetime, *columns: Any) -> Select[Any]:
    """`columns` of the workspace's record outcomes since `since`, found through their runs."""
    return (
        select(*columns)
        .select_from(RecordOutcome)
        .join(Run, Run.id == RecordOutcome.run_id)
        .join(Flow, Flow.id == Run.flow_id)
        .join(Integration, Integration.id == Flow.integration_id)
        .where(
            Integration.workspace_id == workspace_id,
            Run.started_at >= since - LONGEST_RUN,
            RecordOutcome.created_at >= since,
        )
    )


def _bucketed(
    session: Session,
    workspace_id: int,
    edges: list[datetime],
    statuses: tuple[str, ...],
    integration_id: int | None,
) -> dict[tuple[str, str], list[int]]:
    """Outcomes of `statuses` between each pair of `edges`, by (integration, flow) name."""
    at = RecordOutcome.created_at
    columns = [
        func.sum(case((and_(at >= start, at < end), 1), else_=0)) for start, end in pairwise(edges)
    ]
    query = (
        _outcomes_since(workspace_id, edges[0], Integration.name, Flow.name, *columns)
        .where(at < edges[-1], RecordOutcome.status.in_(statuses))
        .group_by(Integration.name, Flow.name)
    )
    if integration_id is not None:
        query = query.where(Integration.id == integration_id)
    return {(row[0], row[1]): [int(n or 0) for n in row[2:]] for row in session.execute(query)}


def _named(
    counts: dict[tuple[str, str], list[int]], name: Callable[[str, str], str]
) -> dict[str, list[int]]:
    """The counts as series called `name(integration, flow)` (added up where two share a
    name), leaving out series that are all zero."""
    series: dict[str, list[int]] = {}
    for (integration, flow), values in sorted(counts.items()):
        called = name(integration, flow)
        previous = series.get(called, [0] * len(values))
        series[called] = [a + b for a, b in zip(previous, values, strict=True)]
    return {called: values for called, values in series.items() if any(values)}
