"""`/integrations/{name}/settings`: one flow's settings at a time (the template's defaults
shown beside the merchant's overrides), its value maps (field mapping overrides:
engine.value_maps), and a preview of what the flow would write for a chosen record with the
settings as edited, before they are saved (a dry run of that record)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from brygga.engine import flow_settings, value_maps
from brygga.pairs import ENTITIES
from brygga.web import UNPROCESSABLE, IntegrationName, integrations, scope
from brygga.web.auth import Caller, page_operator, page_owner, page_viewer
from brygga.web.flows import preview
from brygga.web.integrations import FlowChange
from brygga.web.pages.feedback import back, notice
from brygga.web.pages.integrations import shown_planned
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/integrations/{integration}/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, name: IntegrationName, flow: str = "", caller: Caller = Depends(page_viewer)
) -> Response:
    return _page(request, caller, name, flow)


@router.post("/integrations/{integration}/settings", response_class=HTMLResponse)
def save_settings(
    request: Request,
    name: IntegrationName,
    flow: str = Form(...),
    settings: str = Form(""),
    enabled: bool = Form(False),
    caller: Caller = Depends(page_owner),
) -> Response:
    """Save the flow's overrides; wrong ones re-show the form with the reason, saving nothing."""
    try:
        given = _parsed(settings)
        change = FlowChange(enabled=enabled, settings=given)
        integrations.save_flow(request.app.state.db, caller, name, flow, change)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return _page(request, caller, name, flow, problem=str(exc.detail), text=settings,
                     status_code=UNPROCESSABLE)  # fmt: skip
    return back(request, _here(name, flow), f"Settings of {flow} saved")


@router.post("/integrations/{integration}/settings/value-maps", response_class=HTMLResponse)
def change_value_map(
    request: Request,
    name: IntegrationName,
    flow: str = Form(...),
    path: str = Form(...),
    from_value: str = Form(...),
    to_value: str = Form(""),
    remove: bool = Form(False),
    caller: Caller = Depends(page_owner),
) -> Response:
    """Add (or change) one entry of the flow's value maps, or remove it."""
    db = request.app.state.db
    with db.session() as session:
        current = dict(scope.flow(session, caller, name, flow).settings or {})
    maps = {p: dict(t) for p, t in (current.get(value_maps.SETTING) or {}).items()}
    path, from_value, to_value = path.strip(), from_value.strip(), to_value.strip()
    if remove:
        maps.get(path, {}).pop(from_value, None)
        said = f"Mapping of {path} {from_value} removed"
    else:
        maps.setdefault(path, {})[from_value] = to_value
        said = f"Mapping added: {path} {from_value} → {to_value}"
    current[value_maps.SETTING] = {p: t for p, t in maps.items() if t}
    try:
        integrations.save_flow(db, caller, name, flow, FlowChange(settings=current))
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return _page(request, caller, name, flow, map_problem=str(exc.detail),
                     entry={"path": path, "from": from_value, "to": to_value},
                     status_code=UNPROCESSABLE)  # fmt: skip
    return back(request, _here(name, flow) + "#value_maps", said)


@router.post("/integrations/{integration}/settings/preview", response_class=HTMLResponse)
async def preview_record(
    request: Request,
    name: IntegrationName,
    flow: str = Form(...),
    source_id: str = Form(""),
    settings: str | None = Form(None),
    caller: Caller = Depends(page_operator),
) -> Response:
    """What the flow would write for one record: with the form's settings if it sent them (an
    owner's unsaved edit, kept in the form), else the saved ones."""
    with request.app.state.db.session() as session:
        scope.flow(session, caller, name, flow)
    if not source_id.strip():
        problem = "Name the record to preview by its id in the source"
        return _page(request, caller, name, flow, text=settings, preview_problem=problem)
    try:
        given = _parsed(settings) if settings is not None and caller.may("owner") else None
        done = await preview(request, name, flow, [source_id.strip()], given)
    except HTTPException as exc:
        if exc.status_code == 404 and "no integration" in str(exc.detail):
            raise
        return _page(request, caller, name, flow, text=settings, preview_problem=str(exc.detail))
    return _page(request, caller, name, flow, text=settings, source_id=source_id,
                 planned=shown_planned(done.records), missing=done.missing)  # fmt: skip


def _parsed(text: str) -> dict[str, Any]:
    """The settings form's JSON, or a 422 saying what is wrong with it."""
    if not text.strip():
        return {}
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(UNPROCESSABLE, f"the settings are not valid JSON: {exc}") from None
    if not isinstance(found, dict):
        raise HTTPException(UNPROCESSABLE, 'the settings are a JSON object, e.g. {"capture": true}')
    return found


def _here(name: str, flow: str) -> str:
    return f"/integrations/{name}/settings?flow={flow}"


def _page(
    request: Request,
    caller: Caller,
    name: str,
    flow: str,
    *,
    status_code: int = 200,
    text: str | None = None,
    **extra: Any,
) -> Response:
    with request.app.state.db.session() as session:
        shown = integrations.shown(session, scope.integration(session, caller, name))
    chosen = next((f for f in shown.flows if f.name == flow), shown.flows[0])
    overrides = chosen.settings
    maps = overrides.get(value_maps.SETTING) or {}
    entity = ENTITIES[chosen.name]
    documented = sorted(
        (key, kind)
        for key, kind in flow_settings.DOCUMENTED.items()
        if key not in chosen.defaults and key != value_maps.SETTING
    )
    return render(
        request, "pages/settings.html", caller, status_code=status_code,
        integration=shown, flow=chosen, notice=notice(request),
        settings_text=text if text is not None else _pretty(overrides),
        defaults_text=_pretty(chosen.defaults), documented=documented,
        value_maps=[(p, f, t) for p, table in maps.items() for f, t in table.items()],
        paths=value_maps.text_paths(value_maps.MODELS[entity]),
        suggested_path="lines.sku" if entity == "order" else "",
        **extra,
    )  # fmt: skip


def _pretty(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) if value else ""
