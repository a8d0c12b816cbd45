"""Setting up an integration from a pair template, and syncing its flows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError
from brygga.connectors.http import RequestStats
from brygga.engine import alert_rules, error_queue, value_maps
from brygga.engine.dedupe import Policy
from brygga.engine.outcomes import Counts, Outcome
from brygga.engine.protocols import Dependency, Fetches, FlowSpec, SourceRecord
from brygga.engine.runner import FlowRunner, Progress, RunAborted
from brygga.pairs import ENTITIES, pair_template
from brygga.store import (
    Connection,
    Cursor,
    Database,
    Flow,
    Integration,
    SecretBox,
    Workspace,
    save_connection,
)
from brygga.store.alerts import RECONNECT_REQUIRED
from brygga.store.connections import connection_credentials, require_reconnect
from brygga.store.workspaces import DEFAULT_WORKSPACE

# Records an entity needs in the target first, and how to get them from it.
DEPENDENCIES = {"order": [("customer", lambda order: order.customer)]}

DEFAULT_LOOKBACK = timedelta(hours=1)


class NotFound(ValueError):
    """No integration, or no such flow in it, by the name given."""


class Paused(ValueError):
    """The integration is paused: it syncs again once resumed."""


@dataclass
class SyncReport:
    """Counts per flow that ran to its end, the error of each flow that stopped early, and
    the HTTP requests each system answered."""

    flows: dict[str, Counts] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    requests: dict[str, RequestStats] = field(default_factory=dict)
    planned: dict[str, list[Outcome]] = field(default_factory=dict)  # a dry run's, per flow

    @property
    def ok(self) -> bool:
        return not self.errors

    def merge(self, later: SyncReport) -> None:
        """Add a later sync of the same integration: counts and requests add up, and a flow's
        error stands only if its latest run stopped early too."""
        for name, counts in later.flows.items():
            self.flows[name] = self.flows.get(name, Counts()) + counts
            self.errors.pop(name, None)
        self.errors.update(later.errors)
        for system, stats in later.requests.items():
            self.requests[system] = self.requests.get(system, RequestStats()) + stats


@dataclass(frozen=True)
class ConnectionSettings:
    """A connection of an integration: new credentials to store, or None to use the stored
    connection as it is (so a refresh token rotated meanwhile is never written back over)."""

    name: str
    system: str
    base_url: str
    credentials: dict[str, Any] | None


@dataclass(frozen=True)
class FlowChoice:
    """A merchant's choice for one flow of the pair: on or off, the template's direction or
    the reverse, and settings that override the template's defaults."""

    enabled: bool = True
    reversed: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


def configure(
    db: Database,
    box: SecretBox,
    *,
    name: str,
    pair: str,
    shop: ConnectionSettings,
    erp: ConnectionSettings,
    flows: dict[str, FlowChoice] | None = None,
    workspace: str = DEFAULT_WORKSPACE,
) -> None:
    """Create or update an integration, its two connections and the pair's flows, in the
    workspace (made if new). Flows not named in `flows` keep their earlier choice (new ones
    start as the template says)."""
    template = pair_template(pair)
    for settings, expected in ((shop, template.shop), (erp, template.erp)):
        if settings.system != expected:
            raise ValueError(f"pair {pair} needs a {expected} connection, not {settings.system}")
    choices = flows or {}
    for flow_name, choice in choices.items():
        source, target = template.systems(template.flow(flow_name), reversed=choice.reversed)
        entity = ENTITIES[flow_name]
        value_maps.checked(entity, choice.settings.get(value_maps.SETTING))
        if not (registry.can_read(source, entity) and registry.can_write(target, entity)):
            raise ValueError(f"{flow_name} cannot run from {source} to {target} in Brygga yet")
    with db.session() as session:
        shop_row, erp_row = (_connection(session, box, c, workspace) for c in (shop, erp))
        integration = session.scalar(select(Integration).where(Integration.name == name))
        if integration is None:
            integration = Integration(name=name, pair=pair, workspace_id=shop_row.workspace_id)
            session.add(integration)
        elif integration.workspace_id != shop_row.workspace_id:
            raise ValueError(f"the integration name {name!r} is taken; choose another")
        integration.shop_connection_id, integration.erp_connection_id = shop_row.id, erp_row.id
        session.flush()
        existing = {flow.name: flow for flow in integration.flows}
        for flow in template.flows:
            row = existing.get(flow.name)
            if row is None:
                row = Flow(integration_id=integration.id, name=flow.name)
                session.add(row)
            elif flow.name not in choices:
                continue
            choice = choices.get(flow.name, FlowChoice())
            row.source, row.target = template.systems(flow, reversed=choice.reversed)
            row.enabled, row.settings = choice.enabled, dict(choice.settings)


def _connection(
    session: Session, box: SecretBox, wanted: ConnectionSettings, workspace: str
) -> Connection:
    if wanted.credentials is not None:
        return save_connection(
            session, box, name=wanted.name, system=wanted.system, base_url=wanted.base_url,
            credentials=wanted.credentials, workspace=workspace,
        )  # fmt: skip
    found = session.scalar(
        select(Connection)
        .join(Workspace)
        .where(Connection.name == wanted.name, Workspace.name == workspace)
    )
    if found is None or found.system != wanted.system:
        raise ValueError(f"no {wanted.system} connection {wanted.name!r} in {workspace}")
    return found


async def sync(
    db: Database,
    box: SecretBox,
    integration_name: str,
    *,
    flows: list[str] | None = None,
    progress: Progress | None = None,
    reconcile: bool = False,
    dry_run: bool = False,
) -> SyncReport:
    """Run the integration's enabled flows once, in the pair's order. One client per
    connection, so both flows share its rate limit and token. A flow that stops early does
    not stop the next one; its error is in the report. Then the flows' alerts are checked
    (engine.alert_rules). `reconcile` writes every record again,
    changed or not (the stock reconcile job). `dry_run` writes nothing anywhere and reports per
    record what would be written (`SyncReport.planned`). A paused integration refuses all but
    a dry run."""
    with db.session() as session:
        integration = integration_named(session, integration_name)
        if integration.paused and not dry_run:
            raise Paused(f"{integration_name} is paused; resume it to sync")
        template = pair_template(integration.pair)
        order = [flow.name for flow in template.flows]
        rows = sorted(
            (flow for flow in integration.flows if flow.enabled),
            key=lambda flow: order.index(flow.name) if flow.name in order else len(order),
        )
        unknown = set(flows or []) - {flow.name for flow in rows}
        if unknown:
            raise NotFound(f"{integration_name} has no enabled flow {', '.join(sorted(unknown))}")
        plan = [FlowPlan(flow.id, flow.name, flow.source, flow.target) for flow in rows]
        settings_of = entity_settings(integration)
        integration_id = integration.id
        connections = {c.system: c.id for c in _connections(integration)}
        # A connection whose credentials were refused for good is not tried again (no retry
        # loop) until someone reconnects it.
        blocked = {
            c.system: f"connection {c.name} needs reconnecting; see `brygga alerts`"
            for c in _connections(integration)
            if c.status == RECONNECT_REQUIRED
        }
        clients = open_clients(db, box, integration)
    report = SyncReport()
    try:
        for flow in plan:
            name = flow.name
            if flows and name not in flows:
                continue
            if flow.source in blocked or flow.target in blocked:
                report.errors[name] = blocked.get(flow.source) or blocked[flow.target]
                continue
            runner = flow_runner(
                db, integration_id, flow, clients, settings_of,
                progress=progress, reconcile=reconcile, dry_run=dry_run,
            )  # fmt: skip
            try:
                report.flows[name] = await runner.run()
                if dry_run:
                    report.planned[name] = runner.planned
            except RunAborted as exc:
                report.errors[name] = str(exc)
                blocked |= _refused_connections(db, clients, connections)
    finally:
        for system, client in clients.items():
            report.requests[system] = client.http.stats
            await client.aclose()
    if not dry_run:
        with db.session() as session:
            alert_rules.check(session, session.get(Integration, integration_id), datetime.now(UTC))
    return report


@dataclass(frozen=True)
class FlowPlan:
    flow_id: int
    name: str
    source: str
    target: str


def flow_runner(
    db: Database,
    integration_id: int,
    flow: FlowPlan,
    clients: dict[str, Any],
    settings_of: dict[str, dict[str, Any]],
    *,
    progress: Progress | None = None,
    reconcile: bool = False,
    dry_run: bool = False,
) -> FlowRunner:
    """The runner of one flow, its stream and writers on the integration's open clients."""
    entity = ENTITIES[flow.name]
    settings = settings_of[entity]
    source, target = flow.source, flow.target
    spec = FlowSpec(
        name=flow.name,
        stream=registry.stream(source, entity, clients[source], settings),
        writer=registry.writer(target, entity, clients[target], settings),
        dependencies=[
            Dependency(
                registry.writer(target, needed, clients[target], settings_of[needed]), extract
            )
            for needed, extract in DEPENDENCIES.get(entity, [])
        ],
    )
    lookback = timedelta(seconds=settings.get("lookback_seconds", 0)) or DEFAULT_LOOKBACK
    return FlowRunner(
        db,
        integration_id=integration_id,
        flow_id=flow.flow_id,
        spec=spec,
        lookback=lookback,
        progress=progress,
        echo_of=getattr(spec.stream, "echo_of", None),
        reconcile=reconcile,
        dry_run=dry_run,
        prepare=value_maps.applier(entity, settings),
        dedupe=Policy.of(settings_of.get("customer", {})),
    )


@dataclass(frozen=True)
class Retried:
    """What a retry of one queued error gave: its record's new status and message."""

    error_id: int
    integration: str
    flow: str
    source_id: str
    status: str
    message: str | None


async def retry_errors(db: Database, box: SecretBox, wanted: error_queue.Filter) -> list[Retried]:
    """Write the records of the queued errors `wanted` selects again, each flow's as one page
    through the same runner as a sync (an edited record instead of the stored one, if the
    operator edited it). A success resolves the error; a failure counts another attempt.
    RunAborted if a system refused the credentials (then marked for reconnecting)."""
    with db.session() as session:
        rows = error_queue.find(session, wanted)
        batches: dict[tuple[int, int], list[tuple[int, SourceRecord]]] = {}
        results: list[Retried] = []
        names: dict[int, tuple[str, FlowPlan]] = {}
        for row in rows:
            flow = row.flow
            names[flow.id] = (
                flow.integration.name,
                FlowPlan(flow.id, flow.name, flow.source, flow.target),
            )
            try:
                record = error_queue.record_of(row)
            except error_queue.QueueError as exc:
                results.append(Retried(row.id, flow.integration.name, flow.name,
                                       row.source_id, "not retried", str(exc)))  # fmt: skip
                continue
            item = SourceRecord(row.source_id, row.source_payload, record=record)
            batches.setdefault((flow.integration_id, flow.id), []).append((row.id, item))
    for integration_id in sorted({key[0] for key in batches}):
        with db.session() as session:
            integration = session.get(Integration, integration_id)
            settings_of = entity_settings(integration)
            connections = {c.system: c.id for c in _connections(integration)}
            clients = open_clients(db, box, integration)
        async with _in_use(db, clients, connections):
            for (owner, flow_id), batch in batches.items():
                if owner != integration_id:
                    continue
                name, plan = names[flow_id]
                runner = flow_runner(db, integration_id, plan, clients, settings_of)
                outcomes = await runner.retry([item for _, item in batch])
                results += [
                    Retried(error_id, name, plan.name, outcome.source_id,
                            outcome.status.value, outcome.message)
                    for (error_id, _), outcome in zip(batch, outcomes, strict=True)
                ]  # fmt: skip
    return sorted(results, key=lambda retried: retried.error_id)


@dataclass
class Resynced:
    """A re-sync by id: each found record's outcome, and the ids the source did not give."""

    outcomes: list[Outcome]
    missing: list[str]


async def resync(
    db: Database,
    box: SecretBox,
    integration_name: str,
    flow_name: str,
    source_ids: list[str],
    *,
    dry_run: bool = False,
    settings: dict[str, Any] | None = None,
    reconcile: bool = True,
) -> Resynced:
    """Read the given records of one flow from the source again and write each to the target,
    changed or not (`reconcile=False`: only if changed, as a sync would, for the record a change
    event names), without moving the flow's cursor. Idempotent like any run: a record in the
    target is updated through its cross-reference, never created twice. RunAborted if the
    source could not be read or refused the credentials (then marked for reconnecting).
    `dry_run` only plans the writes (a preview of the records), with the flow's `settings`
    instead of its saved ones if given."""
    wanted = list(dict.fromkeys(source_id.strip() for source_id in source_ids if source_id))
    if not wanted:
        raise ValueError("name at least one record id to re-sync")
    with db.session() as session:
        integration = integration_named(session, integration_name)
        flow = next((f for f in integration.flows if f.name == flow_name), None)
        if flow is None:
            raise NotFound(f"{integration_name} has no flow {flow_name}")
        blocked = [c.name for c in _connections(integration) if c.status == RECONNECT_REQUIRED]
        if blocked:
            raise ValueError(f"connection {blocked[0]} needs reconnecting; see `brygga alerts`")
        plan = FlowPlan(flow.id, flow.name, flow.source, flow.target)
        settings_of = entity_settings(integration)
        if settings is not None:
            defaults = pair_template(integration.pair).flow(flow_name).settings
            settings_of[ENTITIES[flow_name]] = {**defaults, **settings}
        integration_id = integration.id
        connections = {c.system: c.id for c in _connections(integration)}
        clients = open_clients(db, box, integration)
    async with _in_use(db, clients, connections):
        runner = flow_runner(
            db, integration_id, plan, clients, settings_of, reconcile=reconcile, dry_run=dry_run
        )
        try:
            found = await _fetch(runner.spec.stream, wanted)
        except ConnectorError as exc:
            raise RunAborted(f"{flow_name}: {plan.source} did not give the records: {exc}") from exc
        outcomes = await runner.retry(found) if found else []
    given = {record.source_id for record in found}
    return Resynced(outcomes, [source_id for source_id in wanted if source_id not in given])


async def _fetch(stream: Any, wanted: list[str]) -> list[SourceRecord]:
    """The wanted records of a stream: fetched by id where the stream can, else found by
    reading it from the start."""
    chosen = set(wanted)
    if isinstance(stream, Fetches):
        return [record for record in await stream.fetch(wanted) if record.source_id in chosen]
    found: dict[str, SourceRecord] = {}
    async for page in stream.pages(None, datetime.now(UTC)):
        found |= {record.source_id: record for record in page if record.source_id in chosen}
        if len(found) == len(chosen):
            break
    return list(found.values())


def move_cursors_back(
    db: Database, integration_name: str, flows: list[str] | None, to: datetime
) -> dict[str, datetime | None]:
    """Time history: move the cursors of the integration's `flows` (default: every flow) back
    to `to`, so their next run reads again from there; what did not change is skipped, so it
    stays idempotent. Never forward, which would pass over records not yet synced. Returns
    each flow's cursor before the move (None: it had none, and reads from the start anyway)."""
    if to.tzinfo is None:
        raise ValueError(f"{to} has no time zone")
    before: dict[str, datetime | None] = {}
    with db.session() as session:
        integration = integration_named(session, integration_name)
        chosen = {flow.name: flow for flow in integration.flows}
        unknown = set(flows or []) - set(chosen)
        if unknown:
            raise NotFound(f"{integration_name} has no flow {', '.join(sorted(unknown))}")
        for name in flows or sorted(chosen):
            cursor = session.get(Cursor, chosen[name].id)
            position = datetime.fromisoformat(cursor.value["position"]) if cursor else None
            before[name] = position
            if position is None:
                continue
            if to > position:
                raise ValueError(
                    f"{name} has read up to {position.isoformat()}; a cursor only moves back, "
                    "since moving it forward would pass over records not synced yet"
                )
            cursor.value = {"position": to.isoformat()}
    return before


@asynccontextmanager
async def _in_use(
    db: Database, clients: dict[str, Any], connections: dict[str, int]
) -> AsyncIterator[None]:
    """Close the clients afterwards; a run aborted because a system refused the credentials
    first marks that connection for reconnecting."""
    try:
        yield
    except RunAborted:
        _refused_connections(db, clients, connections)
        raise
    finally:
        for client in clients.values():
            await client.aclose()


def _connections(integration: Integration) -> tuple[Connection, Connection]:
    return integration.shop_connection, integration.erp_connection


def _refused_connections(
    db: Database, clients: dict[str, Any], connections: dict[str, int]
) -> dict[str, str]:
    """Put each connection whose credentials its client saw refused in "reconnect required",
    with an alert; by system, the reason."""
    refused = {}
    with db.session() as session:
        for system, client in clients.items():
            error = client.http.stats.refused
            if error is not None:
                connection = session.get(Connection, connections[system])
                require_reconnect(session, connection, error.message)
                refused[system] = f"{system} refused the credentials: {error.message}"
    return refused


def integration_named(session: Session, name: str) -> Integration:
    integration = session.scalar(select(Integration).where(Integration.name == name))
    if integration is None:
        raise NotFound(f"no integration called {name!r}")
    return integration


def entity_settings(integration: Integration) -> dict[str, dict[str, Any]]:
    """Each flow's settings (the template's defaults overlaid with the merchant's) by entity. A
    flow's settings also serve its entity where another flow needs it (the customers flow's
    settings apply to a customer created for an order)."""
    template = pair_template(integration.pair)
    return {
        ENTITIES[flow.name]: {**template.flow(flow.name).settings, **flow.settings}
        for flow in integration.flows
    }


def open_clients(db: Database, box: SecretBox, integration: Integration) -> dict[str, Any]:
    """One client per connection of the integration (loaded in an open session), by system.
    Renewed credentials are stored before use; the caller closes the clients."""
    return {c.system: open_client(db, box, c) for c in _connections(integration)}


def open_client(db: Database, box: SecretBox, connection: Connection) -> Any:
    """A client of the connection with its stored credentials (renewed ones stored first)."""
    credentials = connection_credentials(box, connection)
    saver = credential_saver(db, box, connection.id)
    return registry.open_client(connection.system, connection.base_url, credentials, saver)


def credential_saver(
    db: Database, box: SecretBox, connection_id: int
) -> Callable[[dict[str, Any]], None]:
    """Stores a connection's renewed credentials (encrypted) before the client uses them."""

    def save(credentials: dict[str, Any]) -> None:
        with db.session() as session:
            connection = session.get(Connection, connection_id)
            connection.credentials = box.encrypt(credentials)

    return save
