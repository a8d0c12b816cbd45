"""Fault injection for every sandbox: failures a real API shows on a bad day, on demand.

Set at start (`brygga sandbox serve --fault ...`) or at run time with `POST /_sandbox/faults`.
Faults never touch the `/_sandbox/...` control routes. `GET /_sandbox/faults` also tells how
many faults of each kind were injected since the sandbox started (the fault campaign's figures).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KINDS = ("error", "drop", "timeout", "storm", "delayed")


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(0, ge=0, le=1, description="share of requests answered 500")
    drop_rate: float = Field(0, ge=0, le=1, description="share of connections cut mid-answer")
    timeout_rate: float = Field(0, ge=0, le=1, description="share of requests never answered")
    latency_ms: int = Field(0, ge=0, le=60_000, description="added before every answer")
    latency_jitter_ms: int = Field(
        0, ge=0, le=60_000, description="the added delay varies by up to this much either way"
    )
    storm_seconds: float = Field(0, ge=0, description="answer 429 to everything for this long")
    retry_after: int = Field(1, ge=0, description="Retry-After seconds during a 429 storm")


class DroppedConnection(ConnectionAbortedError):
    """Raised to make the server cut a connection; expected, so not logged (`QuietDrops`)."""


class QuietDrops(logging.Filter):
    """Keeps the server's log free of the tracebacks of connections cut on purpose, or by a
    client that went away (a killed Brygga): neither is the sandbox's error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not is_cut(record.exc_info[1] if record.exc_info else None)


def is_cut(error: BaseException | None) -> bool:
    """The error, or what it wraps (an exception group, a re-raise), is a cut connection."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DroppedConnection | ClientDisconnect):
            return True
        if isinstance(error, BaseExceptionGroup):
            return all(is_cut(inner) for inner in error.exceptions)
        error = error.__cause__ or error.__context__
    return False


class FaultInjector:
    """ASGI middleware applying the current `Faults` to API requests."""

    def __init__(self, app: ASGIApp, faults: Faults, seed: int) -> None:
        self.app = app
        self.random = random.Random(seed)  # the same seed fails the same requests
        self.jitter = random.Random(seed + 1)  # apart, so latency never changes which fail
        self.storm_until = 0.0
        self.faults = faults
        self.injected: Counter[str] = Counter(dict.fromkeys(KINDS, 0))
        self.set(faults)

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.storm_until = time.monotonic() + faults.storm_seconds if faults.storm_seconds else 0

    def state(self) -> dict[str, Any]:
        storm_left = max(0.0, self.storm_until - time.monotonic())
        return self.faults.model_dump() | {
            "storm_seconds": round(storm_left, 3),
            "injected": dict(self.injected),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        faults = self.faults
        if delay := self._delay_ms(faults):
            self.injected["delayed"] += 1
            await asyncio.sleep(delay / 1000)
        if time.monotonic() < self.storm_until:
            self.injected["storm"] += 1
            headers = [(b"retry-after", str(faults.retry_after).encode())]
            await _answer(send, 429, b'{"message":"Too Many Requests (sandbox fault)"}', headers)
            return
        roll = self.random.random()
        if roll < faults.timeout_rate:
            self.injected["timeout"] += 1
            await asyncio.sleep(3600)  # the client gives up first
            return
        roll -= faults.timeout_rate
        if roll < faults.drop_rate:
            # The request is carried out, then the connection is cut as the answer starts:
            # the client cannot tell whether a write happened (the case DESIGN.md §3.3c covers).
            self.injected["drop"] += 1
            await self.app(scope, receive, _cut_after_start(send))
            return
        roll -= faults.drop_rate
        if roll < faults.error_rate:
            self.injected["error"] += 1
            await _answer(send, 500, b'{"message":"Internal Server Error (sandbox fault)"}')
            return
        await self.app(scope, receive, send)

    def _delay_ms(self, faults: Faults) -> float:
        if not faults.latency_ms and not faults.latency_jitter_ms:
            return 0
        spread = faults.latency_jitter_ms
        return max(0.0, faults.latency_ms + self.jitter.uniform(-spread, spread))


def _cut_after_start(send: Send) -> Send:
    """A `send` that passes the answer's status line on, then cuts the connection."""

    async def cut(message: Message) -> None:
        if message["type"] == "http.response.start":
            await send(message)
        raise DroppedConnection("sandbox fault: connection dropped")

    return cut


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
