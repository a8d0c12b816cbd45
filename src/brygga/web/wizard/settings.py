"""Step 5: the settings each flow needs (required ones flagged) and which flows run. Saving
them creates the integration, paused until it is activated; saving again updates it, keeping
whatever else its flows' settings hold."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.model.account import AccountFacts
from brygga.pairs import PairTemplate
from brygga.web import UNPROCESSABLE
from brygga.web.auth import Caller, page_owner
from brygga.web.wizard import progress as wizard
from brygga.web.wizard.accounts import check_connections
from brygga.web.wizard.fields import GROUPS, lookup, put, settings_of
from brygga.web.wizard.view import show

router = APIRouter(include_in_schema=False)


@router.get("/setup/settings")
async def settings_page(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    with request.app.state.db.session() as session:
        started = wizard.reached(request, caller, session, "settings")
        saved = _saved(session, caller, started)
    template = started.template
    flows, enabled = saved
    values = {
        setting.field: _shown(
            lookup(flows.get(setting.flow, {}), setting.key)
            if flows
            else setting.default_in(template)
        )
        for setting in settings_of(template)
    }
    return await _page(request, caller, started, values, enabled)


@router.post("/setup/settings")
async def save(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    db, box = request.app.state.db, request.app.state.box
    form = {key: str(value).strip() for key, value in (await request.form()).items()}
    with db.session() as session:
        started = wizard.reached(request, caller, session, "settings")
        saved, _ = _saved(session, caller, started)
        connections = [started.connection(session, caller, side) for side in wizard.SIDES]
    template = started.template
    enabled = {flow.name for flow in template.flows if form.get(f"flow.{flow.name}")}
    values = {setting.field: form.get(setting.field, "") for setting in settings_of(template)}
    facts = await _facts(request, caller, started)
    errors = _problems(template, values, enabled, facts)
    if errors:
        return await _page(request, caller, started, values, enabled, errors, facts=facts)
    flows = {
        flow.name: FlowChoice(
            enabled=flow.name in enabled,
            settings=_flow_settings(template, flow.name, saved.get(flow.name, {}), values),
        )
        for flow in template.flows
    }
    shop, erp = (
        ConnectionSettings(c.name, c.system, c.base_url, None)  # used as stored
        for c in connections
    )
    try:
        configure(
            db, box, name=started.name, pair=started.pair, shop=shop, erp=erp, flows=flows,
            workspace=caller.workspace,
        )  # fmt: skip
    except ValueError as exc:
        return await _page(request, caller, started, values, enabled, {"": str(exc)}, facts=facts)
    if not saved:
        with db.session() as session:
            integration = started.integration(session, caller)
            assert integration is not None  # configure made it
            integration.paused = True  # until the merchant activates it
    return RedirectResponse("/setup/sample", status.HTTP_303_SEE_OTHER)


def _saved(
    session: Session, caller: Caller, started: wizard.Progress
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The integration's flows' settings and enabled flows, if it was saved before."""
    integration = started.integration(session, caller)
    if integration is None:
        return {}, {flow.name for flow in started.template.flows}
    flows = integration.flows
    return {f.name: dict(f.settings) for f in flows}, {f.name for f in flows if f.enabled}


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _problems(
    template: PairTemplate,
    values: dict[str, str],
    enabled: set[str],
    facts: dict[str, AccountFacts | None],
) -> dict[str, str]:
    """What is wrong with each field, by field; a flow switched off needs nothing."""
    errors = {}
    for setting in settings_of(template):
        value = values[setting.field]
        options = setting.options(facts.get(setting.system))
        if not value:
            if setting.required and setting.flow in enabled:
                errors[setting.field] = "required"
        elif setting.number and not value.isdigit():
            errors[setting.field] = "give an account number, e.g. 3001"
        elif options and value not in options:
            errors[setting.field] = f"choose one of {', '.join(options)}"
    return errors


def _flow_settings(
    template: PairTemplate, flow: str, saved: dict[str, Any], values: dict[str, str]
) -> dict[str, Any]:
    """The flow's saved settings with the wizard's fields set (or, left empty, removed)."""
    settings = copy.deepcopy(saved)
    for setting in settings_of(template):
        if setting.flow != flow:
            continue
        *path, last = setting.key.split(".")
        parent = lookup(settings, ".".join(path)) if path else settings
        if isinstance(parent, dict):
            parent.pop(last, None)
        value = values[setting.field]
        if value:
            put(settings, setting.key, int(value) if setting.number else value)
    return settings


async def _facts(
    request: Request, caller: Caller, started: wizard.Progress
) -> dict[str, AccountFacts | None]:
    """What each system's connection test finds: the choices of the settings."""
    db = request.app.state.db
    with db.session() as session:
        connections = [started.connection(session, caller, side) for side in wizard.SIDES]
    found = await check_connections(db, request.app.state.box, connections)
    return {item.system: item.facts for item in found}


async def _page(
    request: Request,
    caller: Caller,
    started: wizard.Progress,
    values: dict[str, str],
    enabled: set[str],
    errors: dict[str, str] | None = None,
    *,
    facts: dict[str, AccountFacts | None] | None = None,
) -> Response:
    template = started.template
    with request.app.state.db.session() as session:
        done = started.done(session, caller)
    facts = facts if facts is not None else await _facts(request, caller, started)
    chosen = settings_of(template)
    groups = [(group, [s for s in chosen if s.group == group]) for group in GROUPS]
    return show(
        request, caller, "settings.html", started, "settings", done,
        groups=[(group, found) for group, found in groups if found],
        values=values, errors=errors or {}, enabled=enabled, facts=facts,
        status_code=UNPROCESSABLE if errors else status.HTTP_200_OK,
    )  # fmt: skip
