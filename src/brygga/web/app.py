"""The FastAPI application: the REST API (OpenAPI at `/api/openapi.json`), the dashboard and
the setup wizard, and the webhook receivers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request, status
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

import brygga
from brygga.store import Database, SecretBox
from brygga.web import (
    alerts,
    connections,
    errors,
    flows,
    health,
    integrations,
    login,
    overview,
    pages,
    reconciliation,
    records,
    runs,
    scope,
    webhooks,
    wizard,
    workspaces,
)
from brygga.web.auth import LoginRequired

SESSION_COOKIE = "brygga_session"
SESSION_HOURS = 12


def create_app(db: Database, box: SecretBox, *, https: bool = False) -> FastAPI:
    """The app on `db`; `https` marks the session cookie Secure (behind TLS in production)."""
    app = FastAPI(
        title="Brygga",
        version=brygga.__version__,
        description=(
            "Keep your shop and your ERP in step. Every /api route needs an API token "
            "(`brygga token create`) or a dashboard session."
        ),
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.db, app.state.box = db, box
    app.add_middleware(
        SessionMiddleware,
        secret_key=box.derived_key("session cookies").hex(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=https,
    )
    api = [errors.router, alerts.router, flows.router]
    api += [workspaces.router, connections.router, integrations.router, reconciliation.router]
    api += [overview.router, runs.router, records.router]
    # Every route of the API and the pages needs a caller, and a path naming another
    # workspace's record is answered 404 before anything else (web.scope).
    for router in api:
        app.include_router(router, dependencies=[Depends(scope.api_guard)])
    for router in [*pages.routers, *wizard.routers]:
        app.include_router(router, dependencies=[Depends(scope.page_guard)])
    app.include_router(login.router)
    app.include_router(webhooks.router)  # signed by the sender instead
    app.include_router(health.router)  # states and counts only (web.health)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), "static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status.HTTP_303_SEE_OTHER)

    return app
