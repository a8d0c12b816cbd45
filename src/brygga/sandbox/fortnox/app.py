"""The Fortnox sandbox as one ASGI app: OAuth on `/oauth-v1`, the REST API on `/3` and
`/api/warehouse`, the WebSocket topics API on `/topics-v1`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from brygga.sandbox.common import SandboxConfig, add_inspection_routes
from brygga.sandbox.fortnox import (
    accounts,
    articles,
    company,
    consent,
    currencies,
    customers,
    invoicing,
    oauth,
    orders,
    payments,
    prices,
    warehouse,
)
from brygga.sandbox.fortnox.access import Access
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import add_error_handlers
from brygga.sandbox.fortnox.events import EventLog
from brygga.sandbox.fortnox.seeding import seed
from brygga.sandbox.fortnox.simulation import add_simulation_route
from brygga.sandbox.fortnox.tenant import CLIENT_ID, CLIENT_SECRET, TENANT_ID
from brygga.sandbox.fortnox.topics import add_topics_route

RESOURCES = (customers, orders, invoicing, payments, articles, prices, currencies, accounts,
             warehouse, company)  # fmt: skip


def create_app(config: SandboxConfig) -> FastAPI:
    store = config.open_store("fortnox")
    with store.bulk():  # saved in the background: a large seed serves at once
        seed(store, config)
    issuer = oauth.TokenIssuer.open(store)
    context = Context(store, config, Access(issuer, config.rate_limit), EventLog(store))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="Fortnox sandbox", lifespan=lifespan, openapi_url=None)
    add_error_handlers(app)
    app.include_router(oauth.router(issuer))
    app.include_router(consent.router(store))
    for resource in RESOURCES:
        app.include_router(resource.router(context))
    add_topics_route(app, issuer, context.events, config.seed)
    add_simulation_route(app, context)
    oauth.add_expiry_route(app, issuer)
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    add_inspection_routes(app, store, credentials | {"tenant_id": str(TENANT_ID)})
    return app
