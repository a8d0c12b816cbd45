"""The Fortnox event feed: one Fortnox connection's WebSocket topics (fact sheet §5.1) followed
into the webhook inbox, where `engine.events.handle_pending` turns them into targeted syncs.

Each event is taken in under the id `<topic>:<offset>` (its payload is the event as Fortnox
sent it, its inbox topic the Fortnox topic), and the topic's offset is stored in the same
transaction. A restart resumes from the stored offsets; Fortnox then repeats the last event
taken, and the inbox drops it (DESIGN.md invariant 3a). A connection whose credentials Fortnox
refuses is put in "reconnect required" and followed again once it is reconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.topics import TenantAccess, TopicsClient, topics_url
from brygga.engine.inbox import take_in
from brygga.engine.integrations import open_client
from brygga.store import Connection, Database, Flow, Integration, SecretBox
from brygga.store.alerts import RECONNECT_REQUIRED
from brygga.store.connections import connection_credentials, require_reconnect
from brygga.store.topic_offsets import store_offset, stored_offsets

log = logging.getLogger("brygga.runtime.fortnox_feed")

SYSTEM = "fortnox"
# How often a connection waiting to be reconnected is looked at again.
RECHECK_SECONDS = 30.0


def followed_connections(session: Session) -> list[int]:
    """The Fortnox connections to follow: those of integrations with an enabled flow that reads
    from Fortnox (paused integrations too: their events wait in the inbox)."""
    query = (
        select(Connection.id)
        .join(
            Integration,
            or_(
                Integration.shop_connection_id == Connection.id,
                Integration.erp_connection_id == Connection.id,
            ),
        )
        .join(Flow, Flow.integration_id == Integration.id)
        .where(Connection.system == SYSTEM, Flow.enabled, Flow.source == SYSTEM)
        .distinct()
        .order_by(Connection.id)
    )
    return list(session.scalars(query))


async def follow(
    db: Database,
    box: SecretBox,
    connection_id: int,
    stop: asyncio.Event,
    wake: asyncio.Event,
) -> None:
    """Take the connection's events into the inbox until `stop` is set, setting `wake` after
    each new one. Stopping cancels between two events or while waiting for one, so an event
    and its offset are committed together or not at all. Returns early if the connection is
    deleted."""
    while not stop.is_set():
        with db.session() as session:
            connection = session.get(Connection, connection_id)
            if connection is None:
                return
            if connection.system != SYSTEM:
                raise ValueError(f"connection {connection.name} is no Fortnox connection")
            waiting = connection.status == RECONNECT_REQUIRED
            url = topics_url(connection.base_url)
            offsets = stored_offsets(session, connection_id)
        if waiting:
            await _pause(stop, RECHECK_SECONDS)
            continue
        feed = TopicsClient(url, partial(_access, db, box, connection_id), offsets)
        try:
            await _until(stop, _take_in(db, connection_id, feed, wake))
        except ConnectorError as refused:
            if refused.error_class is not ErrorClass.AUTH:
                raise
            with db.session() as session:
                connection = session.get(Connection, connection_id)
                if connection is not None:
                    require_reconnect(session, connection, refused.message)
            log.warning("Fortnox refused connection %s: %s", connection_id, refused.message)


async def _take_in(
    db: Database, connection_id: int, feed: TopicsClient, wake: asyncio.Event
) -> None:
    async for event in feed.events():
        topic, offset = event["topic"], event["offset"]
        with db.session() as session:
            taken = take_in(session, connection_id, f"{topic}:{offset}", topic, event)
            if taken is not None:
                store_offset(session, connection_id, topic, offset)
        if taken is not None:
            wake.set()


@asynccontextmanager
async def _access(db: Database, box: SecretBox, connection_id: int) -> AsyncIterator[TenantAccess]:
    """The connection's client secret and token machinery, from the credentials stored last;
    renewed tokens are stored before they are used, as for every sync."""
    with db.session() as session:
        connection = session.get(Connection, connection_id)
        secret = connection_credentials(box, connection)["client_secret"]
        client = open_client(db, box, connection)
    try:
        yield TenantAccess(secret, client.http.auth)
    finally:
        await client.aclose()


async def _until(stop: asyncio.Event, work: Awaitable[None]) -> None:
    """Run `work` until it ends (its error is raised) or `stop` is set (it is cancelled)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
