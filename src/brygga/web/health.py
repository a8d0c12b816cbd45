"""`/healthz`, `/readyz` and `/metrics`: for a process supervisor, a load balancer and
Prometheus. They answer with states, counts and names only, never a URL, an error text or a
record. The health checks need no login; `/metrics`, which names every workspace's
integrations, answers only `Authorization: Bearer <BRYGGA_METRICS_TOKEN>`, and is off while
that variable is unset (docs/operations.md)."""

from __future__ import annotations

import hmac
import os
from functools import cache
from typing import TYPE_CHECKING

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from brygga.runtime import metrics
from brygga.store import Database
from brygga.store.database import MIGRATIONS

if TYPE_CHECKING:
    from brygga.runtime.local import LocalRuntime

router = APIRouter(include_in_schema=False)
METRICS_TOKEN = "BRYGGA_METRICS_TOKEN"
_bearer = HTTPBearer(auto_error=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """Ready to work: the database answers and has the newest schema, and the runtime (where
    this process runs one, `brygga run`) goes round, working or standing by, and is not
    stopping."""
    checks = {"database": _database(request.app.state.db)}
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        checks["runtime"] = _runtime(runtime)
    ready = all(state in ("ok", "standby") for state in checks.values())
    code = status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, code)


@router.get("/metrics")
def prometheus_metrics(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Response:
    """The metrics span every workspace, so only a holder of the metrics token reads them."""
    expected = os.environ.get(METRICS_TOKEN)
    if not expected:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"metrics are off: set {METRICS_TOKEN} to turn them on"
        )
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"send Authorization: Bearer <the {METRICS_TOKEN} of this Brygga>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Response(metrics.exposition(request.app.state.db), media_type=CONTENT_TYPE_LATEST)


def _runtime(runtime: LocalRuntime) -> str:
    """`standby`: another `brygga run` works on the database (runtime.leadership); this one
    serves the app and takes over when that one stops, so it is ready too."""
    if not runtime.alive:
        return "not running"
    return "ok" if runtime.active else "standby"


def _database(db: Database) -> str:
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError:
        return "unreachable"
    return "ok" if current == _newest_revision() else "not migrated"


@cache
def _newest_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()
