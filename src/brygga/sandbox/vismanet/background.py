"""Background calls: the `erp-api-background` header on any ERP API request (fact sheet §2).

The sandbox runs the request at once, keeps its response as a job and answers 202
`{"id", "stateLocation"}`. `GET /v1/background/{id}` gives the job's state (`Finished`, with
the original status code), `GET /v1/background/{id}/content` the stored response body. Jobs of
another tenant give 403; after 24 hours the state is gone (404) and the content answers 410.
The header's value (`none`, or `subscription[:Name=value,...]` for the Developer Portal webhook
"Background API Operation – Response Ready") is recorded as `webhookAddress`; the sandbox sends
no webhook.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet.company import base_url, instant
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.reference import visible

HEADER = b"erp-api-background"
JOB_SECONDS = 24 * 3600


class Background:
    """ASGI middleware, inside `Access` so that background calls are authorized and counted."""

    def __init__(self, app: ASGIApp, store: DocumentStore, config: SandboxConfig) -> None:
        self.app = app
        self.store = store
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        path = scope.get("path", "").lower()
        if HEADER not in headers or not path.startswith(("/v1/", "/v2/")):
            await self.app(scope, receive, send)
            return
        if path.startswith("/v1/background"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        received = datetime.now(UTC)
        status, response_headers, content = await self._run(scope, body)
        job_id = str(uuid.uuid4())
        base = base_url(request, self.config)
        job = {
            "id": job_id,
            "status": "Finished",
            "statusCode": status,
            "receivedUtc": instant(received),
            "startedUtc": instant(received),
            "finishedUtc": instant(datetime.now(UTC)),
            "webhookAddress": headers[HEADER].decode(),
            "originalUri": str(request.url),
            "hasResponseContent": bool(content),
            "hasRequestContent": bool(body),
            "contentLocation": f"{base}/v1/background/{job_id}/content",
            "responseHeaders": response_headers,
            "_tenant": scope["state"]["claims"]["tenant_id"],
            "_received": time.time(),
            "_content": content.decode(),
        }
        self.store.put("background", job_id, job)
        accepted = {"id": job_id, "stateLocation": f"{base}/v1/background/{job_id}"}
        await DecimalJSONResponse(accepted, 202)(scope, receive, send)

    async def _run(self, scope: Scope, body: bytes) -> tuple[int, dict[str, str], bytes]:
        inner = scope | {"headers": [h for h in scope["headers"] if h[0] != HEADER]}
        captured: dict[str, Any] = {"status": 500, "headers": {}, "body": b""}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = {
                    key.decode(): value.decode() for key, value in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.app(inner, replay, capture)
        return captured["status"], captured["headers"], captured["body"]


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter(prefix="/v1/background")

    def find(request: Request, job_id: str, gone_status: int) -> dict[str, Any]:
        job = store.get("background", job_id)
        if job is None:
            raise VismaError(404, f"Background operation '{job_id}' cannot be found.")
        if job["_tenant"] != request.state.claims["tenant_id"]:
            raise VismaError(403, "The background operation belongs to another company.")
        if time.time() - job["_received"] > JOB_SECONDS:
            raise VismaError(gone_status, f"Background operation '{job_id}' has expired.")
        return job

    @routes.get("/{job_id}")
    async def job_state(request: Request, job_id: str) -> Response:
        return DecimalJSONResponse(visible(find(request, job_id, 404)))

    @routes.get("/{job_id}/content")
    async def job_content(request: Request, job_id: str) -> Response:
        job = find(request, job_id, 410)
        media_type = job["responseHeaders"].get("content-type", "application/json")
        return Response(job["_content"], 200, media_type=media_type)

    return routes
