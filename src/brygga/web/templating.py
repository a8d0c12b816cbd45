"""Server-rendered pages (Jinja2): one base layout with the navigation, the workspace switcher
and the CSRF token every form carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from brygga.store import workspaces
from brygga.web.auth import CSRF_FIELD, Caller, csrf_token

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def render(
    request: Request,
    template: str,
    caller: Caller | None = None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `template` for `caller` (None on the login page)."""
    memberships = []
    if caller is not None and caller.user_id is not None:
        with request.app.state.db.session() as session:
            memberships = [
                {"id": m.workspace_id, "name": m.workspace.name, "role": m.role}
                for m in workspaces.memberships(session, caller.user_id)
            ]
    base = {
        "caller": caller,
        "csrf_field": CSRF_FIELD,
        "csrf": csrf_token(request),
        "memberships": memberships,
    }
    return templates.TemplateResponse(request, template, base | context, status_code=status_code)
