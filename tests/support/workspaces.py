"""A workspace with something in each table the dashboard shows, for authorization tests: an
integration whose systems are never called, with a run, a record and an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brygga.engine.integrations import ConnectionSettings, configure
from brygga.store import (
    CrossReference,
    Database,
    Flow,
    Integration,
    RecordError,
    RecordOutcome,
    Run,
    SecretBox,
)
from brygga.store.tables import utcnow


@dataclass
class Workspace:
    """What one workspace has, by the path parameter that names it."""

    params: dict[str, Any]


def a_workspace(db: Database, box: SecretBox, name: str) -> Workspace:
    """An integration with a run, a record and an error; its systems are never called."""
    shop = ConnectionSettings(f"{name}-shop", "centra", "http://127.0.0.1:9", {"token": "t"})
    erp = ConnectionSettings(f"{name}-erp", "fortnox", "http://127.0.0.1:9", {"x": "y"})
    configure(db, box, name=name, pair="centra-fortnox", shop=shop, erp=erp, workspace=name)
    with db.session() as session:
        integration = session.query(Integration).filter_by(name=name).one()
        flow = session.query(Flow).filter_by(integration_id=integration.id, name="orders").one()
        run = Run(flow_id=flow.id, status="succeeded", read=1, created=1, finished_at=utcnow())
        session.add(run)
        session.flush()
        session.add(RecordOutcome(run_id=run.id, flow_id=flow.id, source_id=f"{name}-1001",
                                  status="created", target_id=f"{name}-document-7"))  # fmt: skip
        session.add(CrossReference(integration_id=integration.id, entity="order",
                                   source_id=f"{name}-1001", target_id=f"{name}-document-7",
                                   state="done"))  # fmt: skip
        error = RecordError(flow_id=flow.id, source_id=f"{name}-1002", error_class="data",
                            message=f"{name}'s own refusal")  # fmt: skip
        session.add(error)
        session.flush()
        return Workspace({
            "integration": name, "name": name, "flow": "orders", "entity": "order",
            "source_id": f"{name}-1001", "error_id": error.id, "run_id": run.id,
            "connection": f"{name}-erp", "system": "fortnox", "email": f"owner@{name}.test",
            "side": "shop",
        })  # fmt: skip
