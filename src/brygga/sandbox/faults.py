"""Fault injection for every sandbox: failures a real API shows on a bad day, on demand.

Set at start (`brygga sandbox serve --fault ...`) or at run time with `POST /_sandbox/faults`.
Faults never touch the `/_sandbox/...` control routes.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(0, ge=0, le=1, description="share of requests answered 500")
    drop_rate: float = Field(0, ge=0, le=1, description="share of connections cut mid-answer")
    timeout_rate: float = Field(0, ge=0, le=1, description="share of requests never answered")
    latency_ms: int = Field(0, ge=0, le=60_000, description="added before every answer")
    storm_seconds: float = Field(0, ge=0, description="answer 429 to everything for this long")
    retry_after: int = Field(1, ge=0, description="Retry-After seconds during a 429 storm")


class FaultInjector:
    """ASGI middleware applying the current `Faults` to API requests."""

    def __init__(self, app: ASGIApp, faults: Faults, seed: int) -> None:
        self.app = app
        self.random = random.Random(seed)  # the same seed fails the same requests
        self.storm_until = 0.0
        self.faults = faults
        self.set(faults)

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.storm_until = time.monotonic() + faults.storm_seconds if faults.storm_seconds else 0

    def state(self) -> dict[str, Any]:
        storm_left = max(0.0, self.storm_until - time.monotonic())
        return self.faults.model_dump() | {"storm_seconds": round(storm_left, 3)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        faults = self.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if time.monotonic() < self.storm_until:
            headers = [(b"retry-after", str(faults.retry_after).encode())]
            await _answer(send, 429, b'{"message":"Too Many Requests (sandbox fault)"}', headers)
            return
        roll = self.random.random()
        if roll < faults.timeout_rate:
            await asyncio.sleep(3600)  # the client gives up first
            return
        roll -= faults.timeout_rate
        if roll < faults.drop_rate:
            # Start the answer, then fail: the server closes the connection half-way.
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise ConnectionAbortedError("sandbox fault: connection dropped")
        roll -= faults.drop_rate
        if roll < faults.error_rate:
            await _answer(send, 500, b'{"message":"Internal Server Error (sandbox fault)"}')
            return
        await self.app(scope, receive, send)


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", b"application/json"), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
