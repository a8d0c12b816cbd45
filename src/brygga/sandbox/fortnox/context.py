"""What every resource router of the sandbox is given, and the single-object envelope.

Single objects travel as `{"<Singular>": {"@url": ..., ...}}` (fact sheet §3.1); a create
answers 201 with `Location: <resource>` (relative, without the number, as recorded live).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.fortnox.access import Access
from brygga.sandbox.fortnox.events import EventLog
from brygga.sandbox.fortnox.lists import base_url, visible
from brygga.sandbox.storage import DocumentStore


@dataclass(frozen=True)
class Context:
    store: DocumentStore
    config: SandboxConfig
    access: Access
    events: EventLog

    def base(self, request: Request) -> str:
        return base_url(request, self.config)

    def reply(
        self,
        request: Request,
        wrapper: str,
        path: str,
        record: dict[str, Any],
        status: int = 200,
        urls: dict[str, str] | None = None,
    ) -> Response:
        """`{wrapper: record}` with `@url` (and any further `@url...` links) first."""
        base = self.base(request)
        links = {"@url": base + path} | {name: base + link for name, link in (urls or {}).items()}
        headers = {"Location": path.split("/")[2]} if status == 201 else None
        return DecimalJSONResponse({wrapper: links | visible(record)}, status, headers)
