"""`/api/integrations`: the workspace's integrations: create one from a pair template on two of
its connections, read it with its flows, pause or resume it, and switch a flow on or off or
change its settings (checked: engine.flow_settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brygga.engine import error_queue, flow_settings
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.pairs import PAIRS, pair_template
from brygga.store import Connection, Cursor, Database, Flow, Integration, RecordError
from brygga.store.alerts import RECONNECT_REQUIRED
from brygga.web import UNPROCESSABLE, scope
from brygga.web.auth import Caller, operator, owner, viewer

router = APIRouter(prefix="/api/integrations", tags=["integrations"])


class FlowOut(BaseModel):
    name: str
    source: str
    target: str
    enabled: bool
    settings: dict[str, Any] = Field(description="The merchant's overrides")
    defaults: dict[str, Any] = Field(description="The pair template's defaults")
    cursor: datetime | None = Field(description="Read up to here; null: not synced yet")
    open_errors: int


class ConnectionBrief(BaseModel):
    name: str
    system: str
    status: str


class IntegrationOut(BaseModel):
    name: str
    pair: str
    paused: bool
    shop: ConnectionBrief
    erp: ConnectionBrief
    flows: list[FlowOut]


class FlowChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    settings: dict[str, Any] | None = Field(
        None, description="Replaces the flow's overrides; a key must be a documented setting"
    )


class NewIntegration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    pair: str = Field(description="A pair template, e.g. centra-fortnox")
    shop: str = Field(description="The name of the shop's connection")
    erp: str = Field(description="The name of the ERP's connection")
    flows: dict[str, FlowChange] = Field(default_factory=dict)


class Pause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paused: bool


@router.get("", response_model=list[IntegrationOut])
def list_integrations(request: Request, caller: Caller = Depends(viewer)) -> list[IntegrationOut]:
    with request.app.state.db.session() as session:
        return [shown(session, i) for i in scope.integrations(session, caller)]


@router.post("", response_model=IntegrationOut, status_code=status.HTTP_201_CREATED)
def create_integration(
    request: Request, body: NewIntegration, caller: Caller = Depends(owner)
) -> IntegrationOut:
    """Set up an integration from a pair template on two existing connections."""
    state = request.app.state
    if body.pair not in PAIRS:
        raise HTTPException(UNPROCESSABLE, f"pair is one of {', '.join(PAIRS)}")
    template = pair_template(body.pair)
    choices = {}
    for name, change in body.flows.items():
        if name not in {flow.name for flow in template.flows}:
            raise HTTPException(UNPROCESSABLE, f"{body.pair} has no flow {name!r}")
        choices[name] = FlowChoice(
            enabled=True if change.enabled is None else change.enabled,
            settings=_checked(body.pair, name, change.settings or {}),
        )
    with state.db.session() as session:
        if session.scalar(select(Integration.id).where(Integration.name == body.name)):
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"the integration name {body.name!r} is taken"
            )
        # Both connections are used as they are stored (credentials never read here).
        shop, erp = (
            _existing(scope.connection(session, caller, name)) for name in (body.shop, body.erp)
        )
    try:
        configure(
            state.db, state.box, name=body.name, pair=body.pair,
            shop=shop, erp=erp, flows=choices, workspace=caller.workspace,
        )  # fmt: skip
    except ValueError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from None
    with state.db.session() as session:
        return shown(session, scope.integration(session, caller, body.name))


@router.get("/{integration}", response_model=IntegrationOut)
def show_integration(
    request: Request, integration: str, caller: Caller = Depends(viewer)
) -> IntegrationOut:
    with request.app.state.db.session() as session:
        return shown(session, scope.integration(session, caller, integration))


@router.patch("/{integration}", response_model=IntegrationOut)
def pause_integration(
    request: Request, integration: str, body: Pause, caller: Caller = Depends(operator)
) -> IntegrationOut:
    """Pause (no sync runs until resumed) or resume the integration."""
    return set_paused(request.app.state.db, caller, integration, body.paused)


@router.put("/{integration}/flows/{flow}", response_model=FlowOut)
def change_flow(
    request: Request,
    integration: str,
    flow: str,
    body: FlowChange,
    caller: Caller = Depends(owner),
) -> FlowOut:
    """Switch the flow on or off, or replace its settings' overrides."""
    return save_flow(request.app.state.db, caller, integration, flow, body)


def set_paused(db: Database, caller: Caller, name: str, paused: bool) -> IntegrationOut:
    with db.session() as session:
        integration = scope.integration(session, caller, name)
        integration.paused = paused
        return shown(session, integration)


def save_flow(db: Database, caller: Caller, name: str, flow: str, change: FlowChange) -> FlowOut:
    """The flow changed as asked (422 with what is wrong, changing nothing)."""
    with db.session() as session:
        row = scope.flow(session, caller, name, flow)
        pair = row.integration.pair
        if change.settings is not None:
            row.settings = _checked(pair, flow, change.settings)
        if change.enabled is not None:
            row.enabled = change.enabled
        return flow_shown(session, row)


def _checked(pair: str, flow: str, settings: dict[str, Any]) -> dict[str, Any]:
    try:
        return flow_settings.checked(pair, flow, settings)
    except flow_settings.SettingsError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from None


def _existing(connection: Connection) -> ConnectionSettings:
    if connection.status == RECONNECT_REQUIRED:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"connection {connection.name} needs reconnecting first"
        )
    return ConnectionSettings(connection.name, connection.system, connection.base_url, None)


def shown(session: Session, integration: Integration) -> IntegrationOut:
    order = [flow.name for flow in pair_template(integration.pair).flows]
    flows = sorted(integration.flows, key=lambda f: order.index(f.name) if f.name in order else 99)
    return IntegrationOut(
        name=integration.name,
        pair=integration.pair,
        paused=integration.paused,
        shop=_brief(integration.shop_connection),
        erp=_brief(integration.erp_connection),
        flows=[flow_shown(session, flow) for flow in flows],
    )


def _brief(connection: Any) -> ConnectionBrief:
    return ConnectionBrief(name=connection.name, system=connection.system,
                           status=connection.status)  # fmt: skip


def flow_shown(session: Session, flow: Flow) -> FlowOut:
    cursor = session.get(Cursor, flow.id)
    position = cursor.value.get("position") if cursor and cursor.value else None
    waiting = session.scalar(
        select(func.count())
        .select_from(RecordError)
        .where(RecordError.flow_id == flow.id, RecordError.status == error_queue.OPEN)
    )
    return FlowOut(
        name=flow.name,
        source=flow.source,
        target=flow.target,
        enabled=flow.enabled,
        settings=dict(flow.settings or {}),
        defaults=flow_settings.defaults(flow.integration.pair, flow.name),
        cursor=datetime.fromisoformat(position) if position else None,
        open_errors=waiting or 0,
    )
