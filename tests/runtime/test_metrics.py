"""The metrics: runs and records counted as the engine stores them, and the queues (open errors,
unhandled inbox events and the age of the oldest) read from the database at each scrape."""

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from brygga.runtime import metrics
from brygga.store import Connection, Flow, InboxEvent, RecordError, RecordOutcome, Run


def scrape(db) -> dict[tuple[str, tuple], float]:
    text = metrics.exposition(db).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def orders_flow(session) -> Flow:
    return session.scalar(select(Flow).where(Flow.name == "orders"))


def test_a_run_that_ends_counts_its_records_duration_and_failures_by_class(db):
    now = datetime.now(UTC)
    flow = (("flow", "orders"), ("integration", "test"))
    before = scrape(db)
    with db.session() as session:
        run = Run(flow_id=orders_flow(session).id, started_at=now, status="running")
        session.add(run)
        session.flush()
        for source_id, error_class in (("1", "data"), ("2", "data"), ("3", "transient")):
            session.add(
                RecordOutcome(
                    run_id=run.id,
                    flow_id=run.flow_id,
                    source_id=source_id,
                    status="failed",
                    error_class=error_class,
                )
            )
        run_id = run.id
    assert scrape(db).get(("brygga_runs_total", (*flow, ("status", "running")))) is None
    with db.session() as session:
        run = session.get(Run, run_id)
        run.status, run.finished_at = "succeeded", now + timedelta(seconds=3)
        run.created, run.skipped, run.failed = 5, 2, 3
    after = scrape(db)

    def grew(name: str, *labels: tuple[str, str]) -> float:
        key = (name, tuple(sorted((*flow, *labels))))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("brygga_records_total", ("outcome", "created")) == 5
    assert grew("brygga_records_total", ("outcome", "skipped")) == 2
    assert grew("brygga_records_total", ("outcome", "failed")) == 3
    assert grew("brygga_records_total", ("outcome", "updated")) == 0
    assert grew("brygga_record_errors_total", ("error_class", "data")) == 2
    assert grew("brygga_record_errors_total", ("error_class", "transient")) == 1
    assert grew("brygga_runs_total", ("status", "succeeded")) == 1
    assert grew("brygga_run_duration_seconds_count") == 1
    assert grew("brygga_run_duration_seconds_sum") == 3
    assert grew("brygga_run_duration_seconds_bucket", ("le", "2.5")) == 0
    assert grew("brygga_run_duration_seconds_bucket", ("le", "5.0")) == 1


def test_the_queues_are_read_from_the_database(db):
    now = datetime.now(UTC)  # when the test runs, not when it was collected
    with db.session() as session:
        flow_id = orders_flow(session).id
        shop = session.scalar(select(Connection).where(Connection.name == "shop"))
        for source_id, error_class, status in (
            ("1", "data", "open"),
            ("2", "data", "open"),
            ("3", "transient", "open"),
            ("4", "data", "resolved"),
        ):
            session.add(
                RecordError(
                    flow_id=flow_id,
                    source_id=source_id,
                    status=status,
                    error_class=error_class,
                    message="m",
                )
            )
        for event_id, age, handled in (("a", 90, None), ("b", 10, None), ("c", 500, now)):
            session.add(
                InboxEvent(
                    connection_id=shop.id,
                    event_id=event_id,
                    topic="order.insert",
                    received_at=now - timedelta(seconds=age),
                    handled_at=handled,
                )
            )
    figures = scrape(db)
    errors = "brygga_open_errors"
    assert figures[(errors, (("error_class", "data"), ("integration", "test")))] == 2
    assert figures[(errors, (("error_class", "transient"), ("integration", "test")))] == 1
    assert figures[("brygga_inbox_unhandled", (("connection", "shop"),))] == 2
    lag = figures[("brygga_event_lag_seconds", (("connection", "shop"),))]
    assert 90 <= lag < 120  # the oldest unhandled one, not the handled one before it
    assert ("brygga_inbox_unhandled", (("connection", "erp"),)) not in figures


def test_only_counts_and_names_are_exposed(db):
    text = metrics.exposition(db).decode()
    with db.session() as session:
        urls = session.scalars(select(Connection.base_url)).all()
    assert urls and not any(url in text for url in urls)
