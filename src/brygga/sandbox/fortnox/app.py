"""The Fortnox sandbox as one ASGI app: OAuth on `/oauth-v1`, the REST API on `/3`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from brygga.sandbox.common import SandboxConfig, add_inspection_routes
from brygga.sandbox.fortnox import customers, oauth, orders, reference
from brygga.sandbox.fortnox.access import Access
from brygga.sandbox.fortnox.errors import add_error_handlers
from brygga.sandbox.fortnox.seeding import seed
from brygga.sandbox.fortnox.tenant import CLIENT_ID, CLIENT_SECRET, TENANT_ID


def create_app(config: SandboxConfig) -> FastAPI:
    store = config.open_store("fortnox")
    seed(store, config)
    issuer = oauth.TokenIssuer.open(store)
    access = Access(issuer, config.rate_limit)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="Fortnox sandbox", lifespan=lifespan, openapi_url=None)
    add_error_handlers(app)
    app.include_router(oauth.router(issuer))
    for resource in (customers, orders, reference):
        app.include_router(resource.router(store, config, access))
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    add_inspection_routes(app, store, credentials | {"tenant_id": str(TENANT_ID)})
    return app
