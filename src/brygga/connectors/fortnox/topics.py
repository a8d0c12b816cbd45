"""Fortnox's WebSocket topics API (fact sheet §5.1): the change events of one connection's
company, followed from stored offsets.

A session connects, adds the company's tenant with the app's client secret and the
connection's access token (`add-tenants-v1`), adds each followed topic with the offset of the
last event taken in (`add-topics-v1`), subscribes (`subscribe-v1`) and then reads events
`{topic, offset, type, tenantId, entityId, timestamp}`. Delivery is at least once and in
offset order per topic; resuming from an offset repeats that event, so the consumer dedupes on
(topic, offset). Events are minimal: the entity is re-read over REST.

A dropped session is opened again with exponential backoff (tenacity), from the offsets of the
events the consumer took; a refused client secret or access token (after one renewal) raises
an AUTH `ConnectorError`, which means the connection needs reconnecting.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential_jitter
from tenacity.wait import wait_base
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.http import Authenticator

log = logging.getLogger("brygga.fortnox.topics")

LIVE_URL = "wss://ws.fortnox.se/topics-v1"
# The topics of the flows that read from Fortnox: products (`articles`), stock
# (`warehouse-stockbalances`, §4.8), invoices and credit invoices (`invoices`, which also
# carries invoice payments).
FOLLOWED_TOPICS = ("articles", "invoices", "warehouse-stockbalances")
REPLY_SECONDS = 30.0
# A session subscribed this long counts as healthy: after it drops, the backoff starts over.
HEALTHY_SECONDS = 60.0
BACKOFF = wait_exponential_jitter(initial=1, max=60)

Event = dict[str, Any]


def topics_url(base_url: str) -> str:
    """The topics endpoint for an API base URL: ws.fortnox.se for the live API (§1), the same
    path on the base URL's host for any other (a sandbox)."""
    parts = urlsplit(base_url)
    if parts.hostname == "api.fortnox.se":
        return LIVE_URL
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, f"{parts.path.rstrip('/')}/topics-v1", "", ""))


@dataclass(frozen=True)
class TenantAccess:
    """What `add-tenants-v1` needs: the app's client secret and the connection's token
    machinery (which renews the access token as the connection's REST client does)."""

    client_secret: str
    auth: Authenticator


# Opened for each session, so a follower that runs for days always starts from the
# credentials stored last (a rotated refresh token, DESIGN.md invariant 4).
AccessSource = Callable[[], AbstractAsyncContextManager[TenantAccess]]


class TopicsError(Exception):
    """The topics API answered something unexpected or refused a command; retried."""


class TopicsClient:
    """Events of one connection's company on `topics`, from `offsets` (topic → offset of the
    last event taken; a topic without one starts with the events after subscribing)."""

    def __init__(
        self,
        url: str,
        access: AccessSource,
        offsets: Mapping[str, str] | None = None,
        topics: Iterable[str] = FOLLOWED_TOPICS,
        backoff: wait_base = BACKOFF,
    ) -> None:
        self.url = url
        self.access = access
        self.offsets = dict(offsets or {})
        self.topics = tuple(topics)
        self.backoff = backoff
        self.connected = asyncio.Event()  # set while a session is subscribed

    async def events(self) -> AsyncIterator[Event]:
        """Events until the caller stops, across reconnects. The offset of an event counts as
        taken once the caller asks for the next one; a reconnect resumes from there."""
        while True:  # a fresh backoff after each healthy session
            retrying = AsyncRetrying(
                retry=retry_if_exception(_passing),
                wait=self.backoff,
                before_sleep=_log_retry,
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    async for event in self._session():
                        yield event
                        self.offsets[event["topic"]] = event["offset"]

    async def _session(self) -> AsyncIterator[Event]:
        """One connection's events; it ends normally only after a healthy session dropped."""
        async with connect(self.url, open_timeout=REPLY_SECONDS) as socket:
            await self._add_tenant(socket)
            await self._add_topics(socket)
            await _command(socket, "subscribe-v1")
            subscribed = time.monotonic()
            self.connected.set()
            log.info("following Fortnox topics %s", ", ".join(self.topics))
            closed: ConnectionClosed | None = None
            try:
                async for text in socket:  # ends when the server closes cleanly
                    message = _parsed(text)
                    if _is_event(message):
                        yield message
                    else:
                        log.warning("ignored a topics message without topic and offset: %s",
                                    sorted(message))  # fmt: skip
            except ConnectionClosed as error:
                closed = error
            finally:
                self.connected.clear()
        if time.monotonic() - subscribed < HEALTHY_SECONDS:
            raise TopicsError("the topics connection closed soon after subscribing") from closed
        log.info("the Fortnox topics connection closed (%s); connecting again", closed or "ok")

    async def _add_tenant(self, socket: ClientConnection) -> None:
        """Add the company with the connection's access token, renewed once if refused (it
        may have expired or been revoked meanwhile)."""
        async with self.access() as access:
            for renewed in (False, True):
                if renewed:
                    await access.auth.refresh()
                headers = await access.auth.headers()
                token = headers["Authorization"].removeprefix("Bearer ")
                reply = await _command(
                    socket,
                    "add-tenants-v1",
                    clientSecret=access.client_secret,
                    accessTokens=[token],
                )
                if reply.get("result") != "ok":  # the error replies' shape is undocumented
                    raise ConnectorError(
                        ErrorClass.AUTH,
                        "Fortnox refused the app's client secret for the topics API"
                        f" ({reply.get('message') or 'no message'})",
                    )
                if token not in (reply.get("invalidTokens") or []):
                    return
        raise ConnectorError(
            ErrorClass.AUTH,
            "Fortnox refused the connection's access token for the topics API; reconnect"
            " Brygga to grant access again",
        )

    async def _add_topics(self, socket: ClientConnection) -> None:
        """Add the topics from their offsets. An offset Fortnox no longer keeps (replay
        reaches about 14 days back, §5.1) is dropped: that topic starts from now, and the
        flows' scheduled reads cover the gap."""
        wanted = [{"topic": topic} | self._offset(topic) for topic in self.topics]
        invalid = await _invalid_topics(socket, wanted)
        expired = [topic for topic in self.topics if topic in invalid and topic in self.offsets]
        if expired:
            log.warning("Fortnox no longer keeps the offsets of %s; following them from now",
                        ", ".join(expired))  # fmt: skip
            for topic in expired:
                del self.offsets[topic]
            invalid = await _invalid_topics(socket, [{"topic": topic} for topic in expired])
        if invalid:
            log.warning("Fortnox refused the topics %s", ", ".join(sorted(map(str, invalid))))

    def _offset(self, topic: str) -> dict[str, str]:
        return {"offset": self.offsets[topic]} if topic in self.offsets else {}


async def _command(socket: ClientConnection, name: str, **fields: Any) -> dict[str, Any]:
    """Send a command and read its reply; only `add-tenants-v1` may answer an error (the
    caller reads it)."""
    await socket.send(json.dumps({"command": name} | fields))
    async with asyncio.timeout(REPLY_SECONDS):
        reply = _parsed(await socket.recv())
    if reply.get("response") != name:
        raise TopicsError(f"Fortnox answered {name} with {reply.get('response')!r}")
    if reply.get("result") != "ok" and name != "add-tenants-v1":
        raise TopicsError(f"Fortnox refused {name}: {reply.get('message') or 'no message'}")
    return reply


async def _invalid_topics(socket: ClientConnection, topics: list[dict[str, str]]) -> set[str]:
    """The topic names `add-topics-v1` lists as invalid (as names, or as the entries sent:
    the live shape is not documented)."""
    reply = await _command(socket, "add-topics-v1", topics=topics)
    entries = reply.get("invalidTopics") or []
    return {entry.get("topic") if isinstance(entry, dict) else entry for entry in entries}


def _parsed(text: str | bytes) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        raise TopicsError("the topics API sent a message that is no JSON object")
    return message


def _is_event(message: dict[str, Any]) -> bool:
    return isinstance(message.get("topic"), str) and isinstance(message.get("offset"), str)


def _passing(error: BaseException) -> bool:
    """Whether a session's failure is worth another session: the network, an unexpected
    answer or a passing token error are; refused credentials are not."""
    if isinstance(error, ConnectorError):
        return error.error_class.retryable
    return isinstance(error, OSError | TimeoutError | ConnectionClosed | InvalidHandshake
                      | TopicsError)  # fmt: skip


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0
    log.warning("Fortnox topics: %s; connecting again in %.1f s", error, wait)
