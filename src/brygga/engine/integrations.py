"""Setting up an integration from a pair template, and syncing its flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from brygga.connectors import registry
from brygga.connectors.http import RequestStats
from brygga.engine.outcomes import Counts
from brygga.engine.protocols import Dependency, FlowSpec
from brygga.engine.runner import FlowRunner, Progress, RunAborted
from brygga.pairs import pair_template
from brygga.store import Database, Flow, Integration, SecretBox, save_connection
from brygga.store.connections import connection_credentials

# Flow name → the canonical entity it moves.
ENTITIES = {"customers": "customer", "orders": "order"}

# Records an entity needs in the target first, and how to get them from it.
DEPENDENCIES = {"order": [("customer", lambda order: order.customer)]}

DEFAULT_LOOKBACK = timedelta(hours=1)


@dataclass
class SyncReport:
    """Counts per flow that ran to its end, the error of each flow that stopped early, and
    the HTTP requests each system answered."""

    flows: dict[str, Counts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    requests: dict[str, RequestStats] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ConnectionSettings:
    name: str
    system: str
    base_url: str
    credentials: dict[str, Any]


def configure(
    db: Database,
    box: SecretBox,
    *,
    name: str,
    pair: str,
    shop: ConnectionSettings,
    erp: ConnectionSettings,
) -> None:
    """Create or update an integration, its two connections and the pair's flows."""
    template = pair_template(pair)
    for settings, expected in ((shop, template.shop), (erp, template.erp)):
        if settings.system != expected:
            raise ValueError(f"pair {pair} needs a {expected} connection, not {settings.system}")
    with db.session() as session:
        shop_row, erp_row = (
            save_connection(
                session,
                box,
                name=c.name,
                system=c.system,
                base_url=c.base_url,
                credentials=c.credentials,
            )
            for c in (shop, erp)
        )
        integration = session.scalar(select(Integration).where(Integration.name == name))
        if integration is None:
            integration = Integration(name=name, pair=pair)
            session.add(integration)
        integration.shop_connection_id, integration.erp_connection_id = shop_row.id, erp_row.id
        session.flush()
        existing = {flow.name for flow in integration.flows}
        for flow in template.flows:
            if flow.name not in existing:
                source, target = template.systems(flow)
                session.add(
                    Flow(
                        integration_id=integration.id, name=flow.name, source=source, target=target
                    )
                )


async def sync(
    db: Database,
    box: SecretBox,
    integration_name: str,
    *,
    flows: list[str] | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Run the integration's enabled flows once, in the pair's order. One client per
    connection, so both flows share its rate limit and token. A flow that stops early does
    not stop the next one; its error is in the report."""
    with db.session() as session:
        integration = session.scalar(
            select(Integration).where(Integration.name == integration_name)
        )
        if integration is None:
            raise ValueError(f"no integration called {integration_name!r}")
        order = [flow.name for flow in pair_template(integration.pair).flows]
        rows = sorted(
            (flow for flow in integration.flows if flow.enabled),
            key=lambda flow: order.index(flow.name) if flow.name in order else len(order),
        )
        unknown = set(flows or []) - {flow.name for flow in rows}
        if unknown:
            raise ValueError(f"{integration_name} has no enabled flow {', '.join(sorted(unknown))}")
        connections = {
            c.system: (c.base_url, connection_credentials(box, c))
            for c in (integration.shop_connection, integration.erp_connection)
        }
        plan = [(flow.id, flow.name, flow.source, flow.target, flow.settings) for flow in rows]
        integration_id = integration.id
    clients = {name: registry.open_client(name, *details) for name, details in connections.items()}
    report = SyncReport()
    try:
        for flow_id, name, source, target, settings in plan:
            if flows and name not in flows:
                continue
            entity = ENTITIES[name]
            spec = FlowSpec(
                name=name,
                stream=registry.stream(source, entity, clients[source], settings),
                writer=registry.writer(target, entity, clients[target], settings),
                dependencies=[
                    Dependency(registry.writer(target, needed, clients[target], settings), extract)
                    for needed, extract in DEPENDENCIES.get(entity, [])
                ],
            )
            lookback = timedelta(seconds=settings.get("lookback_seconds", 0)) or DEFAULT_LOOKBACK
            runner = FlowRunner(
                db,
                integration_id=integration_id,
                flow_id=flow_id,
                spec=spec,
                lookback=lookback,
                progress=progress,
            )
            try:
                report.flows[name] = await runner.run()
            except RunAborted as exc:
                report.errors[name] = str(exc)
    finally:
        for system, client in clients.items():
            report.requests[system] = client.http.stats
            await client.aclose()
    return report
