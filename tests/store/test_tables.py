"""Tables: constraints hold, JSON keeps Decimal exact, timestamps are aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, StatementError

from brygga.store import (
    Connection,
    CrossReference,
    Cursor,
    Database,
    Flow,
    Integration,
    RecordOutcome,
    Run,
    Workspace,
)


def an_integration(database: Database) -> Integration:
    """An integration with an orders flow, committed."""
    with database.session() as session:
        merchant = Workspace(name="merchant")
        shop = Connection(name="shop", system="centra", base_url="https://c.test", credentials="t",
                          workspace=merchant)  # fmt: skip
        erp = Connection(name="erp", system="fortnox", base_url="https://f.test", credentials="t",
                         workspace=merchant)  # fmt: skip
        integration = Integration(
            name="main", pair="centra-fortnox", shop_connection=shop, erp_connection=erp,
            workspace=merchant,
        )  # fmt: skip
        integration.flows.append(Flow(name="orders", source="centra", target="fortnox"))
        session.add(integration)
    return integration


def a_cross_reference(integration: Integration, source_id: str = "42") -> CrossReference:
    return CrossReference(
        integration_id=integration.id, entity="customer", source_id=source_id, state="pending"
    )


def test_defaults(database: Database):
    integration = an_integration(database)
    with database.session() as session:
        flow = session.scalars(select(Flow)).one()
        run = Run(flow_id=flow.id)
        session.add(run)
        session.flush()
        shop = session.get(Connection, integration.shop_connection_id)

        assert shop.status == "active"
        assert integration.settings == {}
        assert (flow.enabled, flow.settings) == (True, {})
        assert run.status == "running"
        assert (run.read, run.created, run.updated, run.skipped, run.failed) == (0, 0, 0, 0, 0)
        assert run.finished_at is None


def test_duplicate_cross_reference_is_refused(database: Database):
    integration = an_integration(database)
    with database.session() as session:
        session.add(a_cross_reference(integration))
        # The same source id is fine for another entity.
        session.add(
            CrossReference(
                integration_id=integration.id, entity="order", source_id="42", state="pending"
            )
        )
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(a_cross_reference(integration))
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(CrossReference)) == 2


def test_flow_names_are_unique_per_integration(database: Database):
    integration = an_integration(database)
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(
            Flow(integration_id=integration.id, name="orders", source="centra", target="fortnox")
        )


def test_connection_names_are_unique(database: Database):
    an_integration(database)
    with pytest.raises(IntegrityError), database.session() as session:
        other = Workspace(name="other")
        session.add(Connection(name="shop", system="magento", base_url="x", credentials="t",
                               workspace=other))  # fmt: skip


def test_foreign_keys_are_enforced(database: Database):
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(Flow(integration_id=999, name="orders", source="centra", target="fortnox"))


def test_deleting_an_integration_removes_its_flows_and_history(database: Database):
    integration = an_integration(database)
    with database.session() as session:
        flow = session.scalars(select(Flow)).one()
        run = Run(flow_id=flow.id)
        session.add_all([run, Cursor(flow_id=flow.id, value={"page": 1})])
        session.add(a_cross_reference(integration))
        session.flush()
        session.add(RecordOutcome(run_id=run.id, flow_id=flow.id, source_id="1", status="created"))
    with database.session() as session:
        session.execute(delete(Integration))
    with database.session() as session:
        for table in (Flow, Run, Cursor, CrossReference, RecordOutcome):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table


def test_json_keeps_decimal_exact(database: Database):
    money = {
        "total": Decimal("1234.50"),
        "tiny": Decimal("0.1"),
        "wide": Decimal("12345678901234567890.123456789"),
        "lines": [{"vat": Decimal("-0.005"), "quantity": 3}],
    }
    integration = an_integration(database)
    with database.session() as session:
        flow = session.scalars(select(Flow)).one()
        run = Run(flow_id=flow.id)
        session.add_all([run, Cursor(flow_id=flow.id, value=money)])
        session.flush()
        session.add(
            RecordOutcome(
                run_id=run.id,
                flow_id=flow.id,
                source_id="1",
                status="failed",
                error_class="data",
                source_payload=money,
            )
        )
        session.get(Integration, integration.id).settings = {"rounding": Decimal("0.01")}

    with database.session() as session:  # a new session reads from the database, not a cache
        cursor_value = session.scalars(select(Cursor.value)).one()
        payload = session.scalars(select(RecordOutcome.source_payload)).one()
        settings = session.scalars(select(Integration.settings)).one()
    for value in (cursor_value, payload):
        assert value == money
        assert str(value["total"]) == "1234.50"
        assert isinstance(value["lines"][0]["vat"], Decimal)
        assert value["lines"][0]["quantity"] == 3
    assert settings == {"rounding": Decimal("0.01")}


def test_missing_payload_is_sql_null(database: Database):
    an_integration(database)
    with database.session() as session:
        flow = session.scalars(select(Flow)).one()
        run = Run(flow_id=flow.id)
        session.add(run)
        session.flush()
        session.add(RecordOutcome(run_id=run.id, flow_id=flow.id, source_id="1", status="skipped"))
    with database.session() as session:
        found = session.scalars(
            select(RecordOutcome.source_id).where(RecordOutcome.source_payload.is_(None))
        )
        assert found.all() == ["1"]


def test_timestamps_are_aware_utc(database: Database):
    an_integration(database)
    stockholm = timezone(timedelta(hours=2))
    started = datetime(2025, 6, 1, 12, 30, 15, 123456, tzinfo=stockholm)
    with database.session() as session:
        flow = session.scalars(select(Flow)).one()
        session.add(Run(flow_id=flow.id, started_at=started))
    with database.session() as session:
        run = session.scalars(select(Run)).one()
        connection = session.scalars(select(Connection)).first()
    assert run.started_at == started
    assert run.started_at.tzinfo is UTC
    assert run.started_at.hour == 10
    assert connection.created_at.tzinfo is UTC
    assert abs(datetime.now(UTC) - connection.created_at) < timedelta(minutes=1)


def test_naive_timestamps_are_refused(database: Database):
    an_integration(database)
    with pytest.raises(StatementError, match="naive datetime"), database.session() as session:
        flow = session.scalars(select(Flow)).one()
        session.add(Run(flow_id=flow.id, started_at=datetime(2025, 6, 1, 12, 30)))
