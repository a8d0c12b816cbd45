"""The WebSocket topics API at `/topics-v1` (fact sheet §5.1, §7.8).

One connection serves many tenants. JSON text commands, each answered with
`{"response": <command>, "result": "ok" | "error", ...}`:
- `add-tenants-v1` `{clientSecret, accessTokens}` → `tenantIds` (access token → tenant id, as
  the fortnox.NET client reads it; the live direction is unconfirmed) and `invalidTokens`;
- `add-topics-v1` `{topics: [{topic, offset?}]}` → `invalidTopics` (unknown topics and
  offsets that are not offsets);
- `subscribe-v1` starts delivery; `list-tenants-v1` → `tenantIds` (a list of ids);
  `remove-tenants-v1` `{tenants: [ids]}` stops a tenant's events.
Events `{topic, offset, type, tenantId, entityId, timestamp}` come in offset order per topic.
A topic given with an offset is replayed from that offset on (inclusive, as a Kafka seek:
resuming from the last offset seen repeats that event, which at-least-once delivery allows);
without one, delivery starts with the events after `subscribe-v1`. The error replies' shape is
not documented (assumption). Fault injection: `BRYGGA_SANDBOX_FORTNOX_WS_DUPLICATES` (0-1) is
the share of events delivered twice, as at-least-once delivery may (§5.1).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from brygga.sandbox.fortnox.events import TOPICS, EventLog, decode_offset
from brygga.sandbox.fortnox.oauth import TokenIssuer
from brygga.sandbox.fortnox.tenant import CLIENT_ID, CLIENT_SECRET

DUPLICATES_ENV = "BRYGGA_SANDBOX_FORTNOX_WS_DUPLICATES"
Message = dict[str, Any]


class Connection:
    def __init__(self, socket: WebSocket, issuer: TokenIssuer, log: EventLog, seed: int) -> None:
        self.socket = socket
        self.issuer = issuer
        self.log = log
        self.tenants: set[int] = set()
        self.starts: dict[str, int | None] = {}  # topic -> replay position, None = from now
        self.cursors: dict[str, int] = {}  # topic -> next position to deliver, once subscribed
        self.subscribed = False
        self.duplicates = float(os.environ.get(DUPLICATES_ENV, "0"))
        self.random = random.Random(seed)
        self.bell = asyncio.Event()
        self.sending = asyncio.Lock()

    async def run(self) -> None:
        await self.socket.accept()
        self.log.listen(self.bell)
        pump = asyncio.create_task(self._pump())
        try:
            while True:
                reply = self.handle(await self.socket.receive_text())
                await self._send(reply)
                self.bell.set()  # deliver what a subscribe or new topic made due
        except WebSocketDisconnect:
            pass
        finally:
            pump.cancel()
            self.log.forget(self.bell)

    def handle(self, text: str) -> Message:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        command = message.get("command") if isinstance(message, dict) else None
        handler = {
            "add-tenants-v1": self._add_tenants,
            "add-topics-v1": self._add_topics,
            "subscribe-v1": self._subscribe,
            "list-tenants-v1": self._list_tenants,
            "remove-tenants-v1": self._remove_tenants,
        }.get(command if isinstance(command, str) else "")
        if handler is None:
            return {"response": command, "result": "error", "message": "Unknown command"}
        try:
            return {"response": command, "result": "ok"} | handler(message)
        except ValueError as problem:
            return {"response": command, "result": "error", "message": str(problem)}

    def _add_tenants(self, message: Message) -> Message:
        if message.get("clientSecret") != CLIENT_SECRET:
            raise ValueError("Invalid client secret")
        tokens = message.get("accessTokens")
        if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
            raise ValueError("accessTokens must be a list of access tokens")
        tenant_ids: dict[str, int] = {}
        invalid: list[str] = []
        for token in tokens:
            claims = self.issuer.claims(token)
            if claims is None or claims.get("clientId") != CLIENT_ID:
                invalid.append(token)
            else:
                tenant_ids[token] = claims["tenantId"]
        self.tenants |= set(tenant_ids.values())
        return {"tenantIds": tenant_ids, "invalidTokens": invalid}

    def _add_topics(self, message: Message) -> Message:
        topics = message.get("topics")
        if not isinstance(topics, list) or not all(isinstance(entry, dict) for entry in topics):
            raise ValueError("topics must be a list of {topic, offset}")
        invalid: list[Any] = []
        for entry in topics:
            name, offset = entry.get("topic"), entry.get("offset")
            start = None if offset is None else decode_offset(offset)
            if name not in TOPICS or (offset is not None and start is None):
                invalid.append(name)
                continue
            self.starts[name] = start
            if self.subscribed:
                self.cursors[name] = self._start(name)
        return {"invalidTopics": invalid}

    def _subscribe(self, message: Message) -> Message:
        if not self.tenants or not self.starts:
            raise ValueError("Add tenants and topics before subscribing")
        self.subscribed = True
        self.cursors = {name: self._start(name) for name in self.starts}
        return {}

    def _list_tenants(self, message: Message) -> Message:
        return {"tenantIds": sorted(self.tenants)}

    def _remove_tenants(self, message: Message) -> Message:
        tenants = message.get("tenants")
        if not isinstance(tenants, list):
            raise ValueError("tenants must be a list of tenant ids")
        self.tenants -= {int(tenant) for tenant in tenants if str(tenant).isdigit()}
        return {}

    def _start(self, topic: str) -> int:
        start = self.starts[topic]
        return self.log.end(topic) if start is None else min(start, self.log.end(topic))

    async def _pump(self) -> None:
        while True:
            await self.bell.wait()
            self.bell.clear()
            for topic, start in list(self.cursors.items()):
                events = self.log.read(topic, start)
                self.cursors[topic] = start + len(events)
                for event in events:
                    if event["tenantId"] in self.tenants:
                        await self._send(event)
                        if self.random.random() < self.duplicates:
                            await self._send(event)

    async def _send(self, message: Message) -> None:
        async with self.sending:
            await self.socket.send_text(json.dumps(message))


def add_topics_route(app: FastAPI, issuer: TokenIssuer, log: EventLog, seed: int) -> None:
    @app.websocket("/topics-v1")
    async def topics(socket: WebSocket) -> None:
        await Connection(socket, issuer, log, seed).run()
