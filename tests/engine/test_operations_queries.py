"""The dashboard's queries on SQLite and PostgreSQL alike (JSON text search, window counts,
latest rows per group): record search and detail, runs, the overview and the chart series,
over runs, outcomes, cross-references and errors as the runner stores them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from brygga.engine import activity, health, record_search, records_index
from brygga.engine.dedupe import index
from brygga.engine.redaction import HIDDEN
from brygga.model import CustomerCard
from brygga.store import (
    CrossReference,
    Database,
    Integration,
    RecordError,
    RecordOutcome,
    Run,
)
from brygga.store.tables import utcnow

ORDER = {
    "number": 1001,
    "customer": {"id": 42, "email": "Åsa.Lind@Example.se"},
    "lines": [{"productSize": {"SKU": "NB-01_X"}, "quantity": 2}],
    "payment": {"cardNumber": "4111111111111111"},
}


@pytest.fixture
def seeded(db: Database) -> tuple[Database, int]:
    """The "test" integration after one sync: order 1001 created, order 1002 failed (queued),
    customer 42 linked by e-mail, stock NB-01_X created, and a plain skip."""
    with db.session() as session:
        integration = session.scalar(select(Integration).where(Integration.name == "test"))
        flows = {flow.name: flow.id for flow in integration.flows}

        def run(flow: str, **counts: int) -> int:
            row = Run(flow_id=flows[flow], status="succeeded", finished_at=utcnow(), **counts)
            session.add(row)
            session.flush()
            return row.id

        def outcome(run_id: int, flow: str, source_id: str, status: str, **rest: object) -> None:
            session.add(RecordOutcome(run_id=run_id, flow_id=flows[flow], source_id=source_id,
                                      status=status, created_at=utcnow(), **rest))  # fmt: skip

        customers = run("customers", read=2, created=1, skipped=1, requests=3)
        outcome(customers, "customers", "42", "created", target_id="C9",
                source_payload={"id": 42, "email": "asa@example.se"})  # fmt: skip
        outcome(customers, "customers", "43", "skipped", target_id="C10",
                source_payload={"id": 43, "note": "skiponly"})  # fmt: skip
        orders = run("orders", read=2, created=1, failed=1, requests=5, rate_limited=1)
        outcome(orders, "orders", "1001", "created", target_id="7", source_payload=ORDER,
                target_payload={"OrderNumber": "7", "access_token": "eyJ-secret"})  # fmt: skip
        outcome(orders, "orders", "1002", "failed", error_class="data", message="no VAT code",
                source_payload={"number": 1002})  # fmt: skip
        session.add(RecordError(flow_id=flows["orders"], source_id="1002", error_class="data",
                                message="no VAT code", record_type="Order",
                                record={"number": "1002", "note": "vat-missing-here"}))  # fmt: skip
        stock = run("stock", read=1, created=1, requests=2)
        outcome(stock, "stock", "NB-01_X", "created", target_id="NB-01_X",
                source_payload={"itemId": "NB-01_X", "inStock": 5})  # fmt: skip
        session.add_all([
            CrossReference(integration_id=integration.id, entity="customer", source_id="42",
                           target_id="C9", state="linked"),
            CrossReference(integration_id=integration.id, entity="order", source_id="1001",
                           target_id="7", state="linked"),
        ])  # fmt: skip
        card = CustomerCard(name="Åsa Lind", email="asa@example.se")
        index.save(session, integration.id, "42", "C9", card)
        return db, integration.workspace_id


def found(db: Database, workspace_id: int, term: str) -> list[tuple[str, str, list[str]]]:
    with db.session() as session:
        hits = record_search.search(session, workspace_id, term)
    return [(hit.entity, hit.source_id, hit.matched) for hit in hits]


def test_records_are_found_by_id_key_and_payload_text(seeded: tuple[Database, int]):
    db, workspace = seeded
    assert found(db, workspace, "1001") == [("order", "1001", ["source id"])]
    assert found(db, workspace, "7") == [("order", "1001", ["target id"])]  # short: ids only
    assert found(db, workspace, "ASA@example.se") == [("customer", "42", ["e-mail", "payload"])]
    # Letters beyond ASCII are stored escaped; the case of the first one differs here.
    assert found(db, workspace, "åsa.lind") == [("order", "1001", ["payload"])]
    assert found(db, workspace, "NB-01_X") == [
        ("stock", "NB-01_X", ["source id", "payload"]),
        ("order", "1001", ["payload"]),
    ]
    assert found(db, workspace, "NB-01%") == []  # a wildcard is a character like any other
    assert found(db, workspace, "vat-missing") == [("order", "1002", ["payload"])]
    assert found(db, workspace, "1002") == [("order", "1002", ["source id"])]
    assert found(db, workspace, "skiponly") == []  # a plain skip repeats an earlier payload
    assert found(db, workspace + 1, "1001") == []  # another workspace's
    with db.session() as session:
        latest = record_search.recent(session, workspace, limit=3)
    assert [(hit.entity, hit.source_id) for hit in latest] == [
        ("stock", "NB-01_X"), ("order", "1002"), ("order", "1001")
    ]  # fmt: skip


def test_a_record_is_shown_with_its_flows_history_and_masked_payloads(
    seeded: tuple[Database, int],
):
    db, workspace = seeded
    with db.session() as session:
        written = records_index.record_detail(session, workspace, "test", "order", "1001")
        failed = records_index.record_detail(session, workspace, "test", "order", "1002")
        assert records_index.record_detail(session, workspace, "test", "order", "999") is None
        assert records_index.record_detail(session, workspace + 1, "test", "order", "1001") is None
    assert written is not None and failed is not None
    assert (written.target_id, written.link_state) == ("7", "linked")
    (state,) = written.flows
    assert (state.flow, state.status, state.target_id, state.error) == ("orders", "created", "7",
                                                                         None)  # fmt: skip
    assert written.source_payload["payment"]["cardNumber"] == HIDDEN
    assert written.source_payload["customer"]["email"] == "Åsa.Lind@Example.se"
    assert written.target_payload == {"OrderNumber": "7", "access_token": HIDDEN}
    assert [entry.status for entry in written.history] == ["created"]
    (waiting,) = failed.flows
    assert waiting.error is not None and waiting.error.message == "no VAT code"
    assert failed.target_id is None and failed.record["note"] == "vat-missing-here"


def test_runs_overview_and_chart_series_count_what_was_stored(seeded: tuple[Database, int]):
    db, workspace = seeded
    now = datetime.now(UTC)
    with db.session() as session:
        listed = activity.runs(session, workspace, now)
        orders = activity.run_detail(session, workspace, listed.runs[1].id, now)
        failed = activity.run_detail(session, workspace, listed.runs[1].id, now, outcome="failed")
        (item,) = health.overview(session, workspace, now)
        moved = activity.records_per_hour(session, workspace, now)
        errors = activity.errors_per_day(session, workspace, now)
    assert [run.flow for run in listed.runs] == ["stock", "orders", "customers"]
    assert orders is not None and (orders.created, orders.failed, orders.rate_limited) == (1, 1, 1)
    assert [o.source_id for o in orders.outcomes] == ["1001", "1002"] and orders.entity == "order"
    assert failed is not None and [o.source_id for o in failed.outcomes] == ["1002"]
    assert (item.moved_today, item.open_errors, item.health) == (3, 1, "warning")
    assert {b.system: b.requests_last_hour for b in item.budgets} == {"centra": 10, "fortnox": 10}
    assert {name: sum(values) for name, values in moved.values.items()} == {
        "test customers": 1, "test orders": 1, "test stock": 1
    }  # fmt: skip
    assert len(moved.labels) == 24 and len(errors.labels) == 14
    assert errors.values == {"test": [0] * 13 + [1]}
