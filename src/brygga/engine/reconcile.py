"""The reconciliation report: every shop order against the ERP document Brygga made of it.

Read-only on both sides: the shop's order stream over [since, now], the cross-reference of each
order, and the ERP's order summed as the ERP books it (`DocumentTotals`). Each difference is
listed per order, in words a bookkeeper can act on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine import xrefs
from brygga.engine.integrations import entity_settings, integration_named, open_clients
from brygga.engine.outcomes import Status
from brygga.engine.protocols import SourceRecord
from brygga.model import Order
from brygga.model.totals import DocumentTotals
from brygga.store import Database, Flow, RecordOutcome, SecretBox

NOT_IN_ERP = "not in the ERP"


@dataclass
class OrderDifference:
    order: str  # the shop order number
    erp_document: str | None  # the ERP order Brygga linked it to, if any
    differences: list[str]


@dataclass
class ReconcileReport:
    compared: int = 0  # orders compared against an ERP document
    differences: list[OrderDifference] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=lambda: {"cancelled": 0})

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape of `brygga reconcile` and of the demo's `reconcile` key."""
        return asdict(self)

    def headline(self) -> str:
        found = len(self.differences)
        outcome = f"{found} with differences" if found else "no differences"
        return (
            f"{self.compared} orders compared, {outcome}, "
            f"{self.skipped['cancelled']} cancelled skipped"
        )


async def reconcile(
    db: Database, box: SecretBox, integration_name: str, since: datetime | None = None
) -> ReconcileReport:
    """Compare the integration's shop orders since `since` (default: all) with their ERP
    orders. Cancelled orders are skipped; an order Brygga never linked is a difference."""
    with db.session() as session:
        integration = integration_named(session, integration_name)
        flow = session.scalar(
            select(Flow).where(Flow.integration_id == integration.id, Flow.name == "orders")
        )
        settings = entity_settings(integration)["order"]
        integration_id, flow_id = integration.id, flow.id
        shop, erp = flow.source, flow.target
        totals_of = registry.order_totals(erp)
        clients = open_clients(db, box, integration)

    async def erp_totals(target_id: str) -> DocumentTotals:
        return await totals_of(clients[erp], target_id, settings)

    report = ReconcileReport()
    try:
        stream = registry.stream(shop, "order", clients[shop], settings)
        async for page in stream.pages(since, datetime.now(UTC)):
            with db.session() as session:  # the page's links in one session
                links = [_link(session, integration_id, flow_id, item.source_id) for item in page]
            for item, (target_id, parked) in zip(page, links, strict=True):
                found = await _check(item, target_id, parked, report, erp_totals)
                if found is not None:
                    report.differences.append(found)
    finally:
        for client in clients.values():
            await client.aclose()
    return report


async def _check(
    item: SourceRecord,
    target_id: str | None,
    parked: str | None,
    report: ReconcileReport,
    erp_totals: Callable[[str], Awaitable[DocumentTotals]],
) -> OrderDifference | None:
    order = item.record
    if not isinstance(order, Order):
        return OrderDifference(item.source_id, target_id, [item.error or "unreadable order"])
    if order.cancelled:
        report.skipped["cancelled"] += 1
        return None
    if target_id is None:
        reason = f"{NOT_IN_ERP}: {parked}" if parked else NOT_IN_ERP
        return OrderDifference(order.number, None, [reason])
    try:
        booked = await erp_totals(target_id)
    except ConnectorError as exc:
        if exc.error_class is ErrorClass.AUTH:
            raise  # every other order would fail the same way
        if exc.error_class is ErrorClass.NOT_FOUND:
            return OrderDifference(order.number, target_id, [f"{NOT_IN_ERP}: {exc.message}"])
        if exc.error_class is ErrorClass.DATA:  # read, but it does not add up or is cancelled
            report.compared += 1
        return OrderDifference(order.number, target_id, [exc.message])
    report.compared += 1
    found = order.totals().differences(booked)
    return OrderDifference(order.number, target_id, found) if found else None


def _link(
    session: Session, integration_id: int, flow_id: int, source_id: str
) -> tuple[str | None, str | None]:
    """The ERP order a shop order is linked to, or else why it was parked, if it was."""
    target_id = _linked(session, integration_id, source_id)
    return target_id, None if target_id else _parked(session, flow_id, source_id)


def _linked(session: Session, integration_id: int, source_id: str) -> str | None:
    xref = xrefs.find(session, integration_id, "order", source_id)
    return xref.target_id if xref is not None and xref.state == xrefs.LINKED else None


def _parked(session: Session, flow_id: int, source_id: str) -> str | None:
    """Why the orders flow last failed this order, if its latest outcome is a failure."""
    latest = session.scalar(
        select(RecordOutcome)
        .where(RecordOutcome.flow_id == flow_id, RecordOutcome.source_id == source_id)
        .order_by(RecordOutcome.id.desc())
        .limit(1)
    )
    if latest is None or latest.status != Status.FAILED:
        return None
    return f"parked as a {latest.error_class} error: {latest.message}"
