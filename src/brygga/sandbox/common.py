"""What every sandbox shares: its configuration, the `/_sandbox` inspection routes, serving."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import simplejson
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from brygga.sandbox.faults import Faults
from brygga.sandbox.seed import DemoData, generate
from brygga.sandbox.storage import DocumentStore


@dataclass(frozen=True)
class SandboxConfig:
    """How a sandbox starts. `data_dir=None` keeps its data in memory only."""

    data_dir: Path | None = None
    seed: int = 42
    orders: int = 150
    customers: int | None = None
    rate_limit: bool = True
    public_url: str = ""  # base URL as clients see it, for `@url` and `Location` fields
    faults: Faults = field(default_factory=Faults)
    skus: int | None = None  # grow the catalogue to at least this many SKUs

    def demo_data(self) -> DemoData:
        return generate(self.seed, self.orders, self.customers, self.skus)

    def open_store(self, system: str) -> DocumentStore:
        return DocumentStore(None if self.data_dir is None else self.data_dir / f"{system}.db")


class DecimalJSONResponse(JSONResponse):
    """JSON with Decimal amounts written as exact JSON numbers, as the real APIs send them."""

    def render(self, content: Any) -> bytes:
        return simplejson.dumps(content, use_decimal=True, ensure_ascii=False).encode()


def add_inspection_routes(app: FastAPI, store: DocumentStore, credentials: dict[str, Any]) -> None:
    """`GET /_sandbox/health`, `GET /_sandbox/state` (the whole dataset as JSON) and
    `GET /_sandbox/credentials` (the demo credentials a client needs to sign in)."""
    app.state.store = store  # for `POST /_sandbox/reset`

    @app.get("/_sandbox/health", include_in_schema=False)
    def health() -> Response:
        return Response('{"ok":true}', media_type="application/json")

    @app.get("/_sandbox/state", include_in_schema=False)
    def state() -> Response:
        return DecimalJSONResponse(store.snapshot())

    @app.get("/_sandbox/credentials", include_in_schema=False)
    def demo_credentials() -> Response:
        return DecimalJSONResponse(credentials)
