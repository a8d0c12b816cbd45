"""The FastAPI application: the REST API, its OpenAPI document at `/api/openapi.json`."""

from __future__ import annotations

from fastapi import Depends, FastAPI

import brygga
from brygga.store import Database, SecretBox
from brygga.web import alerts, errors, flows, webhooks
from brygga.web.auth import require_token


def create_app(db: Database, box: SecretBox) -> FastAPI:
    app = FastAPI(
        title="Brygga",
        version=brygga.__version__,
        description="Keep your shop and your ERP in step. Every /api route needs an API token.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.db, app.state.box = db, box
    for router in (errors.router, alerts.router, flows.router):
        app.include_router(router, dependencies=[Depends(require_token)])
    app.include_router(webhooks.router)  # signed by the sender instead
    return app
