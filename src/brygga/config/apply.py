"""`brygga config apply`: make the store say what `brygga.yaml` says, through the same
`engine.integrations.configure` as the wizard and the API. Idempotent: what already is as the
file says is not written again, so applying twice changes nothing the second time. Nothing the
file does not name is changed or deleted, and a flow the file does not list keeps its choice."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.config import environment
from brygga.config.checks import check
from brygga.config.loading import Document, Problem
from brygga.config.schema import BryggaFile, ConnectionSpec, FlowSpec, IntegrationSpec
from brygga.connectors import registry
from brygga.engine import value_maps
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.pairs import pair_template
from brygga.store import (
    Connection,
    Database,
    Integration,
    SecretBox,
    connection_credentials,
    save_connection,
)
from brygga.store.alerts import RECONNECT_REQUIRED


class ConfigError(ValueError):
    """The file cannot be applied; `problems` says where and why, each at its line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.line}:{p.column}: {p.message}" for p in problems))


@dataclass
class Plan:
    """What applying the file writes, and what it changes, in words."""

    workspace: str
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    connections: dict[str, ConnectionSettings] = field(default_factory=dict)
    saved: list[str] = field(default_factory=list)  # connections to create or update
    reconnect: set[str] = field(default_factory=set)  # connections that need reconnecting
    configured: list[tuple[IntegrationSpec, dict[str, FlowChoice]]] = field(default_factory=list)
    paused: dict[str, bool] = field(default_factory=dict)


def apply(
    db: Database,
    box: SecretBox,
    path: str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Create or update the file's connections and integrations (credentials from `environ`,
    default the process's environment); what changed, one line each. `dry_run` only says what
    would change. A ConfigError if the file has mistakes or names what the store cannot take
    (a connection to make in the wizard first, a name taken in another workspace)."""
    environ = os.environ if environ is None else environ
    checked = check(Path(path).read_text(encoding="utf-8"), environ)
    if checked.file is None:
        raise ConfigError(checked.problems)
    with db.session() as session:
        plan = _plan(session, box, checked.file, checked.document, environ)
    if plan.problems:
        raise ConfigError(sorted(plan.problems))
    if not dry_run:
        _carry_out(db, box, plan)
    return plan.changes


def _plan(
    session: Session,
    box: SecretBox,
    file: BryggaFile,
    document: Document,
    environ: Mapping[str, str],
) -> Plan:
    plan = Plan(file.workspace)
    for index, connection in enumerate(file.connections):
        _plan_connection(session, box, plan, document, index, connection, environ)
    for index, integration in enumerate(file.integrations):
        _plan_integration(session, plan, document, index, integration)
    return plan


def _plan_connection(
    session: Session,
    box: SecretBox,
    plan: Plan,
    document: Document,
    index: int,
    spec: ConnectionSpec,
    environ: Mapping[str, str],
) -> None:
    at = ("connections", index)
    row = session.scalar(select(Connection).where(Connection.name == spec.name))
    if row is not None and row.workspace.name != plan.workspace:
        message = f"the connection name {spec.name!r} is taken in another workspace; choose another"
        plan.problems.append(document.problem((*at, "name"), message))
        return
    if row is not None and row.system != spec.system:
        message = (
            f"{spec.name} is a {row.system} connection, and a connection's system never "
            "changes: give this one another name"
        )
        plan.problems.append(document.problem((*at, "system"), message))
        return
    if spec.existing:
        _plan_existing(plan, document, at, spec, row)
        return
    written = spec.credentials or {}
    credentials = {key: environment.resolved(value, environ) for key, value in written.items()}
    credentials |= spec.options
    wanted = ConnectionSettings(spec.name, spec.system, spec.base_url or "", credentials)
    plan.connections[spec.name] = wanted
    if row is None:
        plan.changes.append(f"connection {spec.name}: created ({spec.system})")
    else:
        changed = [
            what
            for what, same in (
                ("base_url", row.base_url == wanted.base_url),
                ("credentials", connection_credentials(box, row) == credentials),
            )
            if not same
        ]
        if not changed:
            if row.status == RECONNECT_REQUIRED:
                plan.reconnect.add(spec.name)
            return
        plan.changes.append(f"connection {spec.name}: {' and '.join(changed)} changed")
    plan.saved.append(spec.name)


def _plan_existing(
    plan: Plan,
    document: Document,
    at: tuple[Any, ...],
    spec: ConnectionSpec,
    row: Connection | None,
) -> None:
    """A connection made elsewhere: it must exist, and it is used as it is stored."""
    if row is None:
        how = "by consent, " if registry.consent_app(spec.system) else ""
        message = (
            f"there is no connection called {spec.name!r} yet: connect {spec.system} "
            f"{how}in the setup wizard under this name, then apply again"
        )
        plan.problems.append(document.problem((*at, "name"), message))
        return
    plan.connections[spec.name] = ConnectionSettings(row.name, row.system, row.base_url, None)
    if row.status == RECONNECT_REQUIRED:
        plan.reconnect.add(spec.name)


def _plan_integration(
    session: Session, plan: Plan, document: Document, index: int, spec: IntegrationSpec
) -> None:
    at = ("integrations", index)
    row = session.scalar(select(Integration).where(Integration.name == spec.name))
    if row is not None and row.workspace.name != plan.workspace:
        message = f"the integration name {spec.name!r} is taken in another workspace"
        plan.problems.append(document.problem((*at, "name"), message))
        return
    if row is not None and row.pair != spec.pair:
        message = (
            f"{spec.name} is a {row.pair} integration, and an integration's pair never "
            "changes: give this one another name"
        )
        plan.problems.append(document.problem((*at, "pair"), message))
        return
    if spec.shop not in plan.connections or spec.erp not in plan.connections:
        return  # the connection's own problem is reported
    choices = {name: FlowChoice(f.enabled, f.reversed, stored_settings(f))
               for name, f in spec.flows.items()}  # fmt: skip
    changes = (
        [f"integration {spec.name}: created ({spec.pair})"]
        if row is None
        else _integration_changes(row, spec, choices)
    )
    if changes:
        for name in (spec.shop, spec.erp):
            if name in plan.reconnect:
                message = f"connection {name} needs reconnecting before {spec.name} can change"
                plan.problems.append(
                    document.problem((*at, "erp" if name == spec.erp else "shop"), message)
                )
        plan.changes += changes
        plan.configured.append((spec, choices))
    was_paused = row.paused if row is not None else False
    if spec.paused is not None and spec.paused != was_paused:
        plan.paused[spec.name] = spec.paused
        plan.changes.append(f"integration {spec.name}: {'paused' if spec.paused else 'resumed'}")


def stored_settings(flow: FlowSpec) -> dict[str, Any]:
    """A flow's settings as the store keeps them: value maps and schedule among the rest."""
    settings = dict(flow.settings)
    if flow.value_maps:
        settings[value_maps.SETTING] = flow.value_maps
    if flow.schedule is not None:
        settings["schedule"] = flow.schedule
    return settings


def _integration_changes(
    row: Integration, spec: IntegrationSpec, choices: dict[str, FlowChoice]
) -> list[str]:
    template = pair_template(spec.pair)
    changes = [
        f"integration {spec.name}: {side} connection {old} → {new}"
        for side, old, new in (
            ("shop", row.shop_connection.name, spec.shop),
            ("erp", row.erp_connection.name, spec.erp),
        )
        if old != new
    ]
    flows = {flow.name: flow for flow in row.flows}
    for name, choice in choices.items():
        source, target = template.systems(template.flow(name), reversed=choice.reversed)
        flow = flows.get(name)
        label = f"integration {spec.name}: flow {name}"
        if flow is None:
            changes.append(f"{label} added")
            continue
        if flow.enabled != choice.enabled:
            changes.append(f"{label} switched {'on' if choice.enabled else 'off'}")
        if (flow.source, flow.target) != (source, target):
            changes.append(f"{label} now runs from {source} to {target}")
        if flow.settings != choice.settings:
            changes.append(f"{label} settings changed")
    return changes


def _carry_out(db: Database, box: SecretBox, plan: Plan) -> None:
    with db.session() as session:
        for name in plan.saved:
            wanted = plan.connections[name]
            save_connection(
                session,
                box,
                name=name,
                system=wanted.system,
                base_url=wanted.base_url,
                credentials=wanted.credentials,
                workspace=plan.workspace,
            )
    for spec, choices in plan.configured:
        configure(
            db, box, name=spec.name, pair=spec.pair, shop=plan.connections[spec.shop],
            erp=plan.connections[spec.erp], flows=choices, workspace=plan.workspace,
        )  # fmt: skip
    with db.session() as session:
        for name, paused in plan.paused.items():
            session.scalar(select(Integration).where(Integration.name == name)).paused = paused
