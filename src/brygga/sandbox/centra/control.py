"""Sandbox-only control routes of the Centra app (no Centra counterpart):

- `GET|POST /_sandbox/webhooks`: the webhook target, secret, retries and fault knobs
  (`WebhookSettings`), and delivery counts;
- `POST /_sandbox/simulate` `{"orders": n, "refunds": n, "stock_changes": n}`: shop activity,
  answered with the order numbers, return ids and stock change ids it made.

They are `async` on purpose: like the GraphQL endpoint they run on the event loop, one at a
time, so no two writers ever meet.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from brygga.sandbox.centra.simulation import Simulation, simulate
from brygga.sandbox.centra.state import Shop
from brygga.sandbox.centra.webhooks import WebhookSettings


def add_control_routes(app: FastAPI, shop: Shop, seed: int) -> None:
    @app.get("/_sandbox/webhooks", include_in_schema=False)
    async def webhook_status() -> JSONResponse:
        return JSONResponse(shop.webhooks.status())

    @app.post("/_sandbox/webhooks", include_in_schema=False)
    async def configure_webhooks(settings: WebhookSettings) -> JSONResponse:
        shop.webhooks.configure(settings)
        return JSONResponse(shop.webhooks.status())

    @app.post("/_sandbox/simulate", include_in_schema=False)
    async def run_simulation(wanted: Simulation) -> JSONResponse:
        return JSONResponse(simulate(shop, seed, wanted))
