"""`/webhooks/...`: where the systems send their change events. A call is its own proof of
origin (a signature), so no API token is asked; each verified event is taken into the inbox
once (engine.inbox). Refusals are logged with their reason, never with the payload."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel
from sqlalchemy import select

from brygga.connectors.centra import webhooks as centra
from brygga.engine import inbox
from brygga.store import Connection, connection_credentials

log = logging.getLogger("brygga.webhooks")

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class Received(BaseModel):
    taken_in: int  # new events
    repeated: int  # events this connection had sent before


@router.post("/centra/{connection}", response_model=Received)
async def centra_webhook(request: Request, connection: str) -> Received:
    """A call of Centra's Webhook plugin for the Centra connection called `connection`, signed
    with the connection's `webhook_secret` (docs/connectors/centra.md)."""
    state = request.app.state
    body = await request.body()
    with state.db.session() as session:
        row = session.scalar(
            select(Connection).where(Connection.name == connection, Connection.system == "centra")
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no Centra connection {connection}")
        connection_id = row.id
        secret = connection_credentials(state.box, row).get("webhook_secret")
    if not secret:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"connection {connection} has no webhook_secret; unsigned webhooks are refused",
        )
    try:
        centra.verify(secret, request.headers.get(centra.SIGNATURE_HEADER), body, time.time())
    except centra.WebhookRefused as exc:
        log.warning("refused a Centra webhook for %s: %s", connection, exc)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    try:
        found = centra.events(body)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    with state.db.session() as session:
        taken = [
            inbox.take_in(session, connection_id, event.event_id, event.topic, event.item)
            for event in found
        ]
    new = sum(event is not None for event in taken)
    return Received(taken_in=new, repeated=len(taken) - new)
