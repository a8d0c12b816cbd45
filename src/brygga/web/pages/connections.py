"""`/connections/{name}`: one connection: its status and integrations, a connection test that
shows what the account holds, and reconnecting it (new keys here; the provider's consent through
the setup wizard for an OAuth system). Credentials are never shown."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from brygga.connectors import registry
from brygga.web import ConnectionName, scope
from brygga.web.auth import Caller, page_operator, page_owner, page_viewer
from brygga.web.connections import NewCredentials, reconnect, shown, test_connection
from brygga.web.pages.feedback import back, notice
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/connections/{connection}", response_class=HTMLResponse)
def connection_page(
    request: Request, name: ConnectionName, caller: Caller = Depends(page_viewer)
) -> Response:
    return _page(request, caller, name)


@router.post("/connections/{connection}/test", response_class=HTMLResponse)
async def test(
    request: Request, name: ConnectionName, caller: Caller = Depends(page_operator)
) -> Response:
    try:
        facts = await test_connection(request, name, caller)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return _page(request, caller, name, refused=str(exc.detail))
    return _page(request, caller, name, facts=facts)


@router.post("/connections/{connection}/credentials")
async def save_credentials(
    request: Request,
    name: ConnectionName,
    credentials: str = Form(...),
    caller: Caller = Depends(page_owner),
) -> Response:
    here = f"/connections/{name}"
    try:
        body = NewCredentials(credentials=json.loads(credentials))
    except ValueError:  # not JSON, or not an object
        said = 'Credentials are a JSON object, e.g. {"token": "..."}; nothing was saved'
        return back(request, here, said, failed=True)
    try:
        await reconnect(request, name, body, caller)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(request, here, f"{exc.detail}; nothing was saved", failed=True)
    return back(request, here, "Credentials saved; the connection is active")


def _page(request: Request, caller: Caller, name: str, **extra: object) -> Response:
    with request.app.state.db.session() as session:
        found = scope.connection(session, caller, name)
        connection = shown(session, found)
    oauth = registry.consent_app(connection.system) is not None
    return render(
        request, "pages/connection.html", caller, connection=connection, oauth=oauth,
        notice=notice(request), **extra,
    )  # fmt: skip
