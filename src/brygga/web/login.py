"""Logging in and out, and switching workspace. A session cookie (signed, HttpOnly,
SameSite=Lax) names the user and their current workspace; the role is read afresh on every
request, so a change of role or a removal takes effect at once."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from brygga.store import users, workspaces
from brygga.store.tables import Membership
from brygga.web.auth import Caller, check_csrf, page_caller
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_local(next))


@router.post("/login")
async def log_in(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
) -> Response:
    await check_csrf(request)  # a login form posted from elsewhere is refused too
    with request.app.state.db.session() as session:
        user = users.authenticate(session, email, password)
        belongs = workspaces.memberships(session, user.id) if user else []
        found = (user.id, belongs[0].workspace_id) if user and belongs else None
    if found is None:
        problem = "wrong e-mail or password" if user is None else "you belong to no workspace yet"
        return render(
            request, "login.html", next=_local(next), error=problem, email=email,
            status_code=status.HTTP_401_UNAUTHORIZED,
        )  # fmt: skip
    request.session.clear()  # a new session, so one planted before the login is worth nothing
    request.session.update(
        {"user_id": found[0], "workspace_id": found[1], "csrf": secrets.token_urlsafe(32)}
    )
    return RedirectResponse(_local(next), status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def log_out(request: Request, caller: Caller = Depends(page_caller)) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)


@router.post("/workspace")
def switch_workspace(
    request: Request, workspace_id: int = Form(...), caller: Caller = Depends(page_caller)
) -> Response:
    """Work in another of the user's workspaces."""
    with request.app.state.db.session() as session:
        if session.get(Membership, (caller.user_id, workspace_id)) is not None:
            request.session["workspace_id"] = workspace_id
    return RedirectResponse("/", status.HTTP_303_SEE_OTHER)


def _local(target: str) -> str:
    """Where to go after the login: a path on this site only (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target
