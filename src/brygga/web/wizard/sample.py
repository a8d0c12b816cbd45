"""Step 6: one sample order, first in a dry run that shows what the ERP would be sent, then,
when the merchant says so, for real (engine.samples)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from brygga.connectors.errors import ConnectorError
from brygga.engine.runner import RunAborted
from brygga.engine.samples import NoSample, Sample, Sent, send_sample_order, try_sample_order
from brygga.web.auth import Caller, page_owner
from brygga.web.wizard import progress as wizard
from brygga.web.wizard.view import show

router = APIRouter(include_in_schema=False)
# What can stop a sample short of a record outcome: no orders, a system down or refusing.
STOPPED = (NoSample, RunAborted, ConnectorError, ValueError)


@router.get("/setup/sample")
def sample_page(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    return _page(request, caller)


@router.post("/setup/sample")
async def try_one(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    db, box = request.app.state.db, request.app.state.box
    with db.session() as session:
        started = wizard.reached(request, caller, session, "sample")
    try:
        sample = await try_sample_order(db, box, started.name)
    except STOPPED as exc:
        return _page(request, caller, problem=str(exc))
    return _page(request, caller, sample=sample)


@router.post("/setup/sample/send")
async def send(
    request: Request, source_id: str = Form(""), caller: Caller = Depends(page_owner)
) -> Response:
    db, box = request.app.state.db, request.app.state.box
    with db.session() as session:
        started = wizard.reached(request, caller, session, "sample")
    try:
        sent = await send_sample_order(db, box, started.name, source_id)
    except STOPPED as exc:
        return _page(request, caller, problem=str(exc))
    return _page(request, caller, sent=sent)


def _page(
    request: Request,
    caller: Caller,
    *,
    sample: Sample | None = None,
    sent: Sent | None = None,
    problem: str | None = None,
) -> Response:
    with request.app.state.db.session() as session:
        started = wizard.reached(request, caller, session, "sample")
        done = started.done(session, caller)
    return show(
        request, caller, "sample.html", started, "sample", done,
        sample=sample, sent=sent, problem=problem, shown=_json,
    )  # fmt: skip


def _json(body: Any) -> str:
    """A request body as the ERP would receive it, indented for reading."""
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)
