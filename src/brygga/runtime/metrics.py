"""Prometheus metrics of the process (`/metrics`, brygga.web.health).

Runs and records are counted as the engine stores them: importing this module listens to the
`runs` and `record_outcomes` rows this process writes, so a run counts whoever started it (the
schedule, an event, the dashboard). Requests per connection come from the syncs' reports
(`count_requests`). The queues (open errors, unhandled inbox events and the age of the oldest)
are read from the database at each scrape, so they are right after a restart too.

Only counts, durations and names (integration, flow, connection, error class) are exposed:
never a record id, a payload, a URL or a credential.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Connection as DbConnection
from sqlalchemy import event, func, inspect, select

from brygga.connectors.http import RequestStats
from brygga.store import Database, Flow, InboxEvent, Integration, RecordError, RecordOutcome, Run
from brygga.store.tables import Connection

FLOW = ["integration", "flow"]
OUTCOMES = ("created", "updated", "skipped", "failed")

RECORDS = Counter(
    "brygga_records", "Records written or passed over, per flow and outcome", [*FLOW, "outcome"]
)
FAILURES = Counter(
    "brygga_record_errors", "Records that failed, per flow and error class", [*FLOW, "error_class"]
)
RUNS = Counter("brygga_runs", "Runs ended, per flow and status", [*FLOW, "status"])
RUN_SECONDS = Histogram(
    "brygga_run_duration_seconds",
    "How long runs took, per flow",
    FLOW,
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600),
)
REQUESTS = Counter(
    "brygga_api_requests", "HTTP requests to a system, per connection", ["connection"]
)
RATE_LIMITED = Counter(
    "brygga_api_rate_limited", "Requests answered 429, per connection", ["connection"]
)
EVENTS = Counter("brygga_events_handled", "Inbox events turned into syncs")


def _labels(connection: DbConnection, flow_id: int) -> tuple[str, str]:
    """(integration, flow) of the flow, read in the writer's own transaction: one small query
    per run or failure, never a cache that could outlive a flow's id."""
    query = select(Integration.name, Flow.name).join(Flow.integration)
    integration, flow = connection.execute(query.where(Flow.id == flow_id)).one()
    return integration, flow


@event.listens_for(Run, "after_update")
def _run_ended(_mapper: Any, connection: DbConnection, run: Run) -> None:
    history = inspect(run).attrs.status.history
    if not history.added or run.status == "running":
        return
    labels = _labels(connection, run.flow_id)
    RUNS.labels(*labels, run.status).inc()
    if run.finished_at is not None:
        RUN_SECONDS.labels(*labels).observe((run.finished_at - run.started_at).total_seconds())
    for outcome in OUTCOMES:
        RECORDS.labels(*labels, outcome).inc(getattr(run, outcome) or 0)


@event.listens_for(RecordOutcome, "after_insert")
def _outcome_written(_mapper: Any, connection: DbConnection, outcome: RecordOutcome) -> None:
    if outcome.status == "failed":
        labels = _labels(connection, outcome.flow_id)
        FAILURES.labels(*labels, outcome.error_class or "unknown").inc()


def count_requests(connection: str, stats: RequestStats) -> None:
    """A sync's requests to one connection (SyncReport.requests, by the connection's name)."""
    REQUESTS.labels(connection).inc(stats.requests)
    RATE_LIMITED.labels(connection).inc(stats.throttled)


class Queues:
    """What waits, read at each scrape: open errors per integration and class, unhandled
    inbox events per connection and the age of the oldest (the event lag)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def describe(self) -> list[Metric]:
        return []  # registered without a query; the families are named in collect()

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily(
            "brygga_open_errors",
            "Records in the error queue",
            labels=["integration", "error_class"],
        )
        waiting = GaugeMetricFamily(
            "brygga_inbox_unhandled", "Inbox events not handled yet", labels=["connection"]
        )
        lag = GaugeMetricFamily(
            "brygga_event_lag_seconds",
            "Age of the oldest unhandled inbox event",
            labels=["connection"],
        )
        now = datetime.now(UTC)
        with self.db.session() as session:
            open_errors = session.execute(
                select(Integration.name, RecordError.error_class, func.count())
                .join(RecordError.flow)
                .join(Flow.integration)
                .where(RecordError.status == "open")
                .group_by(Integration.name, RecordError.error_class)
            ).all()
            inbox = session.execute(
                select(Connection.name, func.count(), func.min(InboxEvent.received_at))
                .join(Connection, Connection.id == InboxEvent.connection_id)
                .where(InboxEvent.handled_at.is_(None))
                .group_by(Connection.name)
            ).all()
        for integration, error_class, count in open_errors:
            errors.add_metric([integration, error_class], count)
        for connection, count, oldest in inbox:
            waiting.add_metric([connection], count)
            lag.add_metric([connection], (now - oldest).total_seconds())
        yield from (errors, waiting, lag)


def exposition(db: Database) -> bytes:
    """The Prometheus text of the process's metrics and the database's queues."""
    queues = CollectorRegistry(auto_describe=False)
    queues.register(Queues(db))
    return generate_latest(REGISTRY) + generate_latest(queues)
