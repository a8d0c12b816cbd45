"""Who is calling, and what they may do: an API token (`Authorization: Bearer brg_...`) or a
dashboard user's session cookie, each acting in one workspace with one role
(store.workspaces). A session's unsafe requests must carry its CSRF token, as the form field
`csrf_token` or the header `X-CSRF-Token`; a bearer token cannot be sent by a browser on its
own, so it needs none."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from brygga.store import Database, Membership, User, api_tokens
from brygga.store.workspaces import OPERATOR, OWNER, VIEWER, allows

bearer = HTTPBearer(auto_error=False, description="An API token from `brygga token create`")

CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Caller:
    workspace_id: int
    workspace: str
    role: str
    name: str  # the user's e-mail or the token's name
    user_id: int | None = None  # None for an API token

    def may(self, needed: str) -> bool:
        return allows(self.role, needed)


class LoginRequired(Exception):
    """A page was asked for without a session: the app sends the browser to the login."""


async def api_caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Caller:
    """The caller of an API route; 401 without a live token or session."""
    if credentials is not None:
        db: Database = request.app.state.db
        with db.session() as session:
            token = api_tokens.check(session, credentials.credentials)
            if token is not None:
                name = token.workspace.name
                return Caller(token.workspace_id, name, token.role, token.name)
    else:
        found = await session_caller(request)
        if found is not None:
            return found
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "an API token is needed: Authorization: Bearer <token from `brygga token create`>",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def page_caller(request: Request) -> Caller:
    """The user looking at a page; without a session, off to the login."""
    found = await session_caller(request)
    if found is None:
        raise LoginRequired
    return found


async def session_caller(request: Request) -> Caller | None:
    """The logged-in user in their current workspace, if the session names one they still
    belong to; a 403 for an unsafe request without the session's CSRF token."""
    user_id, workspace_id = request.session.get("user_id"), request.session.get("workspace_id")
    if user_id is None or workspace_id is None:
        return None
    with request.app.state.db.session() as session:
        membership = session.get(Membership, (user_id, workspace_id))
        if membership is None:
            request.session.clear()
            return None
        user: User = membership.user
        found = Caller(
            workspace_id, membership.workspace.name, membership.role, user.email, user_id
        )
    if request.method not in SAFE_METHODS:
        await check_csrf(request)
    return found


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = (await request.form()).get(CSRF_FIELD)
    if not (expected and isinstance(given, str) and hmac.compare_digest(given, expected)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form is missing its CSRF token: reload the page"
        )


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if token is None:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def requires(
    role: str, who: Callable[..., Awaitable[Caller]] = api_caller
) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller (from `who`), if their role allows `role`'s work; else 403."""

    async def allowed(caller: Caller = Depends(who)) -> Caller:
        if not caller.may(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the {role} role; you are {caller.role} in {caller.workspace}",
            )
        return caller

    return allowed


# For routes' signatures: `caller: Caller = Depends(operator)`.
viewer, operator, owner = (requires(role) for role in (VIEWER, OPERATOR, OWNER))
page_viewer, page_operator, page_owner = (
    requires(role, page_caller) for role in (VIEWER, OPERATOR, OWNER)
)
