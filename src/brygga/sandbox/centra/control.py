"""Sandbox-only control routes of the Centra app (no Centra counterpart):

- `GET|POST /_sandbox/webhooks`: the webhook target, secret, retries and fault knobs
  (`WebhookSettings`), and delivery counts;
- `POST /_sandbox/simulate` `{"orders": n, "refunds": n, "stock_changes": n}`: shop activity,
  answered with the order numbers, return ids and stock change ids it made;
- `POST /_sandbox/tokens` `{"permissions": [...]}` and `POST /_sandbox/tokens/{token}/revoke`:
  what the admin's System → API Tokens screen does (fact sheet §1): a new integration token of
  the demo integration (all of Brygga's permissions unless given), and revoking one, after
  which it is refused like an expired token.

They are `async` on purpose: like the GraphQL endpoint they run on the event loop, one at a
time, so no two writers ever meet.
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from brygga.sandbox.centra.data import FULL_PERMISSIONS, INTEGRATION_NAME
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.centra.simulation import Simulation, simulate
from brygga.sandbox.centra.state import Shop
from brygga.sandbox.centra.webhooks import WebhookSettings


class NewToken(BaseModel):
    permissions: list[str] = FULL_PERMISSIONS


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

    @app.post("/_sandbox/tokens", include_in_schema=False)
    async def create_token(wanted: NewToken) -> JSONResponse:
        token = f"centra-{secrets.token_hex(16)}"
        document = {
            "token": token,
            "integrationName": INTEGRATION_NAME,
            "permissions": wanted.permissions,
            "expiresAt": None,
        }
        shop.store.put("tokens", token, document)
        return JSONResponse(document)

    @app.post("/_sandbox/tokens/{token}/revoke", include_in_schema=False)
    async def revoke_token(token: str) -> JSONResponse:
        document = shop.store.get("tokens", token)
        if document is None:
            raise HTTPException(404, f"no token {token}")
        document = {**document, "expiresAt": stored_time(now())}
        shop.store.put("tokens", token, document)
        return JSONResponse(document)
