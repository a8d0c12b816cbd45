"""The Magento sandbox as one ASGI app: the admin REST API under `/rest[/<store>]/V1`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from brygga.sandbox.common import SandboxConfig, add_inspection_routes
from brygga.sandbox.magento import (
    auth,
    creditmemos,
    customers,
    directory,
    invoices,
    orders,
    products,
    simulation,
    stock,
    stores,
)
from brygga.sandbox.magento.errors import add_error_handlers
from brygga.sandbox.magento.oauth1 import Integration
from brygga.sandbox.magento.paths import StorePaths
from brygga.sandbox.magento.seeding import seed
from brygga.sandbox.magento.webhooks import CommerceWebhooks
from brygga.sandbox.webhook_dispatch import serve_webhooks


def create_app(config: SandboxConfig) -> FastAPI:
    store = config.open_store("magento")
    with store.bulk():  # saved in the background: a large seed serves at once
        seed(store, config)
    access = auth.Access(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        webhooks.close()
        store.close()

    # No rate limit: core Magento has none (fact sheet §2), so `config.rate_limit` changes nothing.
    app = FastAPI(title="Magento sandbox", lifespan=lifespan, openapi_url=None)
    webhooks = CommerceWebhooks(store, config.seed)
    serve_webhooks(app, store, webhooks)
    add_error_handlers(app)
    app.include_router(auth.router(access))
    # Stock before products: `/products/{sku}/stockItems/{itemId}` is more specific.
    for resource in (stock, products, customers, orders, invoices, creditmemos, stores):
        app.include_router(resource.router(store, access))
    app.include_router(directory.router())
    demo_credentials = credentials(config, access.integration)
    add_inspection_routes(app, store, demo_credentials)

    @app.post("/_sandbox/integration/reauthorize", include_in_schema=False)
    def reauthorize() -> dict[str, str]:
        """The admin's "Reauthorize" of the integration: new access token and secret."""
        demo_credentials.update(credentials(config, access.reauthorize()))
        return demo_credentials

    simulation.add_route(app, store, config)
    app.add_middleware(StorePaths)
    return app


def credentials(config: SandboxConfig, integration: Integration) -> dict[str, str]:
    return {
        "base_url": config.public_url,
        "store_code": "default",
        "consumer_key": integration.consumer_key,
        "consumer_secret": integration.consumer_secret,
        "access_token": integration.access_token,
        "access_token_secret": integration.access_token_secret,
        "admin_username": auth.ADMIN_USERNAME,
        "admin_password": auth.ADMIN_PASSWORD,
    }
