"""The error queue's pages: `/errors` (filters, retry, skip, retry all shown) and
`/errors/{id}` (the record as editable JSON: edit and retry). Each message links to the
setting that fixes it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from brygga.connectors.errors import ErrorClass
from brygga.engine import error_queue
from brygga.engine.error_queue import Filter
from brygga.web import RowId, scope
from brygga.web.auth import Caller, page_operator, page_viewer
from brygga.web.errors import find_errors, one_error, retry_one, retry_selection
from brygga.web.pages.feedback import back, local, notice
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)

# Words in a message that point at a value to map rather than a setting to change: records the
# target does not know by the shop's value (an article, item or mode of payment).
MAPPING_WORDS = ("value_maps", "sku", "article", "artikel", "item", "inventory")


@router.get("/errors", response_class=HTMLResponse)
def errors_page(
    request: Request,
    integration: str = "",
    flow: str = "",
    error_class: str = "",
    status: str = error_queue.OPEN,
    caller: Caller = Depends(page_viewer),
) -> Response:
    wanted = _filter(integration, flow, error_class, status)
    with request.app.state.db.session() as session:
        try:
            rows = find_errors(session, caller, wanted)
        except HTTPException as exc:  # an unknown status: the filter form says so
            rows, problem = [], exc.detail
        else:
            problem = None
        errors = [error_queue.summary(row) | {"fix": fix_link(row)} for row in rows]
        integrations = scope.integrations(session, caller)
        flows = sorted({flow.name for i in integrations for flow in i.flows})
        names = [i.name for i in integrations]
    return render(
        request, "pages/errors.html", caller,
        errors=errors, problem=problem, notice=notice(request), integrations=names, flows=flows,
        classes=[c.value for c in ErrorClass], statuses=[*error_queue.STATUSES, "all"],
        chosen={"integration": integration, "flow": flow, "error_class": error_class,
                "status": status},
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )  # fmt: skip


@router.get("/errors/{error_id}", response_class=HTMLResponse)
def error_page(
    request: Request, error_id: RowId, caller: Caller = Depends(page_viewer)
) -> Response:
    with request.app.state.db.session() as session:
        row = one_error(session, caller, error_id)
        error = error_queue.detail(row) | {"fix": fix_link(row)}
    record = error["edited_record"] or error["record"]
    return render(
        request, "pages/error.html", caller, error=error, notice=notice(request),
        record_json=json.dumps(record, indent=2, ensure_ascii=False) if record else "",
        payloads={name: _pretty(error[name]) for name in ("source_payload", "target_payload")},
    )  # fmt: skip


@router.post("/errors/retry")
async def retry_shown(
    request: Request,
    integration: str = Form(""),
    flow: str = Form(""),
    error_class: str = Form(""),
    next: str = Form("/errors"),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Retry every open error the filters on the page show."""
    wanted = _filter(integration, flow, error_class, error_queue.OPEN)
    try:
        results = await retry_selection(request, caller, wanted)
    except HTTPException as exc:
        return back(request, next, str(exc.detail), failed=True)
    done = sum(1 for r in results if r.status != "failed" and r.status != "not retried")
    return back(request, next, f"Retried {len(results)}: {done} resolved, "
                               f"{len(results) - done} still failing")  # fmt: skip


@router.post("/errors/{error_id}/retry")
async def retry(
    request: Request,
    error_id: RowId,
    record: str = Form(""),
    next: str = Form(""),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Retry one error, with the edited record if the form sends one."""
    target = local(next, f"/errors/{error_id}")
    edited: dict[str, Any] | None = None
    if record.strip():
        try:
            edited = json.loads(record)
        except json.JSONDecodeError as exc:
            return back(request, target, f"The record is not valid JSON: {exc}", failed=True)
        if not isinstance(edited, dict):
            return back(request, target, "The record must be a JSON object", failed=True)
    try:
        result = await retry_one(request, caller, error_id, edited)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(request, target, str(exc.detail), failed=True)
    failed = result.status in ("failed", "not retried")
    said = f"Error {error_id}: {result.status}" + (f" — {result.message}" if failed else "")
    return back(request, target, said, failed=failed)


@router.post("/errors/{error_id}/skip")
def skip(
    request: Request,
    error_id: RowId,
    reason: str = Form(""),
    next: str = Form(""),
    caller: Caller = Depends(page_operator),
) -> Response:
    with request.app.state.db.session() as session:
        row = one_error(session, caller, error_id)
        error_queue.skip(session, [row], reason)
    return back(request, local(next, f"/errors/{error_id}"), f"Error {error_id}: skipped")


def fix_link(row: Any) -> dict[str, str]:
    """Where the setting that fixes the error is: the flow's value maps for a value the
    target does not know, its settings otherwise."""
    flow = row.flow
    query = urlencode({"flow": flow.name})
    mapping = any(word in row.message.lower() for word in MAPPING_WORDS)
    anchor = "value_maps" if mapping else "settings"
    label = "Map the value in settings" if mapping else "Fix the setting"
    return {"url": f"/integrations/{flow.integration.name}/settings?{query}#{anchor}",
            "label": label}  # fmt: skip


def _filter(integration: str, flow: str, error_class: str, status: str) -> Filter:
    chosen = None if status == "all" else (status or error_queue.OPEN)
    return Filter(integration or None, flow or None, error_class or None, chosen)


def _pretty(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False, default=str)
