"""`/webhooks/...`: where the systems send their change events. A call is its own proof of
origin (a signature, or for Visma.net a secret token in the URL), so no API token is asked;
each verified event is taken into the inbox once (engine.inbox), and the runtime is woken to
handle it (engine.events). Refusals are logged with their reason, never with the payload or a
secret."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel
from sqlalchemy import select

from brygga.connectors.centra import webhooks as centra
from brygga.connectors.magento import webhooks as magento
from brygga.connectors.vismanet import webhooks as vismanet
from brygga.engine import inbox
from brygga.store import Connection, connection_credentials

log = logging.getLogger("brygga.webhooks")

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

Event = tuple[str, str, Any]  # event id, topic, payload


class Received(BaseModel):
    taken_in: int  # new events
    repeated: int  # events this connection had sent before


class Acknowledged(BaseModel):
    op: str  # "success": what Adobe Commerce expects of a webhook endpoint (magento.md §5)


@router.post("/centra/{connection}", response_model=Received)
async def centra_webhook(request: Request, connection: str) -> Received:
    """A call of Centra's Webhook plugin for the Centra connection called `connection`, signed
    with the connection's `webhook_secret` (docs/connectors/centra.md)."""
    body = await request.body()
    connection_id, secret = _secret(request, "centra", connection, "webhook_secret")
    with _refusing("Centra", connection, centra.WebhookRefused):
        centra.verify(secret, request.headers.get(centra.SIGNATURE_HEADER), body, time.time())
    try:
        found = centra.events(body)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return _take_in(request, connection_id, [(e.event_id, e.topic, e.item) for e in found])


@router.post("/vismanet/{connection}", response_model=Received)
async def vismanet_webhook(request: Request, connection: str) -> Received:
    """A Visma.net ERP notification for the Visma.net connection called `connection`, at the
    subscription URL that carries the connection's `webhook_token` as `?token=`
    (docs/connectors/vismanet.md)."""
    body = await request.body()
    connection_id, token = _secret(request, "vismanet", connection, "webhook_token")
    with _refusing("Visma.net", connection, vismanet.WebhookRefused):
        vismanet.verify(token, request.query_params.get(vismanet.TOKEN_PARAMETER))
        try:
            found = vismanet.notifications(body, datetime.now(UTC))
        except ValueError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return _take_in(request, connection_id, [(n.event_id, n.topic, n.payload) for n in found])


@router.post("/magento/{connection}", response_model=Acknowledged)
async def magento_webhook(request: Request, connection: str) -> Acknowledged:
    """An Adobe Commerce webhook call for the Magento connection called `connection`, signed
    with the key pair whose public key is the connection's `webhook_public_key`
    (docs/connectors/magento.md)."""
    body = await request.body()
    connection_id, key = _secret(request, "magento", connection, "webhook_public_key")
    with _refusing("Magento", connection, magento.WebhookRefused):
        magento.verify(key, request.headers.get(magento.SIGNATURE_HEADER), body)
        try:
            found = magento.call(body, datetime.now(UTC))
        except ValueError as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    _take_in(request, connection_id, [(found.event_id, found.topic, found.payload)])
    return Acknowledged(**magento.SUCCESS)


def _secret(request: Request, system: str, connection: str, name: str) -> tuple[int, str]:
    """The id of the `system` connection called `connection` and its credential `name`; 404
    without such a connection, 403 if it has no such credential (nothing unverified is let in)."""
    state = request.app.state
    with state.db.session() as session:
        row = session.scalar(
            select(Connection).where(Connection.name == connection, Connection.system == system)
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {system} connection {connection}")
        secret = connection_credentials(state.box, row).get(name)
        connection_id = row.id
    if not secret:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"connection {connection} has no {name}; unverified webhooks are refused",
        )
    return connection_id, secret


@contextmanager
def _refusing(system: str, connection: str, refused: type[Exception]) -> Iterator[None]:
    """Turns the verifier's refusal into 401, logged with its reason only."""
    try:
        yield
    except refused as exc:
        log.warning("refused a %s webhook for %s: %s", system, connection, exc)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None


def _take_in(request: Request, connection_id: int, events: list[Event]) -> Received:
    with request.app.state.db.session() as session:
        taken = [inbox.take_in(session, connection_id, *event) for event in events]
    new = sum(event is not None for event in taken)
    if new:
        wake(request)
    return Received(taken_in=new, repeated=len(taken) - new)


def wake(request: Request) -> None:
    """Tell the runtime (`app.state.wake`, an asyncio.Event, where it runs) that new events
    wait, so it handles them now rather than at its next look."""
    signal = getattr(request.app.state, "wake", None)
    if signal is not None:
        signal.set()


class HideWebhookTokens(logging.Filter):
    """For the server's access log ("uvicorn.access"): the Visma.net receiver's URL carries a
    secret token, which a log must never show (DESIGN.md §3 invariant 9)."""

    TOKEN = re.compile(rf"([?&]{vismanet.TOKEN_PARAMETER}=)[^&\s]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.TOKEN.sub(r"\1***", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


# Whatever serves this router (`brygga run`, `brygga serve`, the demo) logs requests through
# uvicorn's access logger; the Visma.net token must not reach it.
logging.getLogger("uvicorn.access").addFilter(HideWebhookTokens())
