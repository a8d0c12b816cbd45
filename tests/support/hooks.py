"""A webhook target for sandbox tests: records every call it gets, served on loopback."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import FastAPI, Request, Response


class Receiver:
    """Answers 200 to each POST at `/hook` and keeps its headers and body."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()
        self.app.add_api_route("/hook", self.hook, methods=["POST"])

    async def hook(self, request: Request) -> Response:
        self.calls.append((dict(request.headers), await request.body()))
        return Response(status_code=200)

    def payloads(self) -> list[Any]:
        return [json.loads(body) for _, body in self.calls]

    def wait_until(self, done: Any, timeout: float = 10) -> list[Any]:
        """The JSON bodies received, once `done(bodies)` holds."""
        deadline = time.monotonic() + timeout
        while not done(self.payloads()):
            assert time.monotonic() < deadline, self.payloads()
            time.sleep(0.02)
        return self.payloads()
