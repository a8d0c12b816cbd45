"""The Visma.net sandbox as one ASGI app: Visma Connect, the ERP API and SalesOrders V3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from brygga.sandbox.common import SandboxConfig, add_inspection_routes
from brygga.sandbox.vismanet import (
    background,
    connect,
    consent,
    customers,
    inventory,
    invoices,
    organization,
    payments,
    reference,
    salesorder_service,
    simulation,
)
from brygga.sandbox.vismanet.access import Access
from brygga.sandbox.vismanet.company import (
    CLIENT_ID,
    CLIENT_SECRET,
    COMPANY_TENANT,
    CUSTOMER_TENANT,
    SCOPES,
)
from brygga.sandbox.vismanet.errors import add_error_handlers
from brygga.sandbox.vismanet.paths import CaseInsensitivePaths
from brygga.sandbox.vismanet.seeding import seed
from brygga.sandbox.vismanet.webhooks import NotificationSender
from brygga.sandbox.webhook_dispatch import serve_webhooks


def create_app(config: SandboxConfig) -> FastAPI:
    store = config.open_store("vismanet")
    with store.bulk():  # saved in the background: a large seed serves at once
        seed(store, config)
    issuer = connect.TokenIssuer.open(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        dispatcher.close()
        store.close()

    app = FastAPI(title="Visma.net ERP sandbox", lifespan=lifespan, openapi_url=None)
    dispatcher = NotificationSender(store, config.seed)
    serve_webhooks(app, store, dispatcher)
    add_error_handlers(app)
    app.include_router(connect.router(issuer, store))
    app.include_router(consent.router(store))
    routers = [
        resource.router(store, config)
        for resource in (
            customers,
            inventory,
            invoices,
            payments,
            reference,
            organization,
            background,
            salesorder_service,
        )
    ]
    for router in routers:
        app.include_router(router)
    monolith = [
        route.path
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith(("/v1/", "/v2/"))
    ]
    app.add_middleware(background.Background, store=store, config=config)
    app.add_middleware(Access, issuer=issuer, rate_limit=config.rate_limit)
    app.add_middleware(CaseInsensitivePaths, templates=monolith)
    credentials = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "tenant_id": COMPANY_TENANT,
        "customer_tenant_id": CUSTOMER_TENANT,
        "token_url": "/connect/token",
        "scope": " ".join(SCOPES),
    }
    add_inspection_routes(app, store, credentials)
    simulation.add_route(app, store, config)
    connect.add_control(app, issuer, store)
    return app
