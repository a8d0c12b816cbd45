"""`/api/connections`: the workspace's connections to its systems: create, test (what the
account holds), and reconnect with new credentials. Credentials are stored encrypted and never
returned; a response says only whether they are set."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError
from brygga.engine.integrations import open_client
from brygga.model import AccountFacts
from brygga.store import Connection, Integration, save_connection
from brygga.web import UNPROCESSABLE, scope
from brygga.web.auth import Caller, operator, owner, viewer

router = APIRouter(prefix="/api/connections", tags=["connections"])


class ConnectionOut(BaseModel):
    name: str
    system: str
    base_url: str
    status: str = Field(description="active, or reconnect_required")
    credentials: str = Field(description='"set": the credentials themselves are never shown')
    integrations: list[str]


class NewConnection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    system: str = Field(description="centra, magento, fortnox or vismanet")
    base_url: str = Field(min_length=1, pattern=r"^https?://")
    credentials: dict[str, Any] = Field(description="As the system's docs/connectors page says")


class NewCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credentials: dict[str, Any]
    base_url: str | None = Field(None, pattern=r"^https?://")


@router.get("", response_model=list[ConnectionOut])
def list_connections(request: Request, caller: Caller = Depends(viewer)) -> list[ConnectionOut]:
    with request.app.state.db.session() as session:
        return [shown(session, c) for c in scope.connections(session, caller)]


@router.post("", response_model=ConnectionOut, status_code=status.HTTP_201_CREATED)
async def create_connection(
    request: Request, body: NewConnection, caller: Caller = Depends(owner)
) -> ConnectionOut:
    if body.system not in registry.SYSTEMS:
        raise HTTPException(UNPROCESSABLE, f"system is one of {', '.join(registry.SYSTEMS)}")
    await _check_credentials(body.system, body.base_url, body.credentials)
    state = request.app.state
    with state.db.session() as session:
        if session.scalar(select(Connection.id).where(Connection.name == body.name)) is not None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the connection name {body.name!r} is taken; choose another, or reconnect it "
                "with PUT /api/connections/{connection}/credentials",
            )
        created = save_connection(
            session, state.box, name=body.name, system=body.system, base_url=body.base_url,
            credentials=body.credentials, workspace=caller.workspace,
        )  # fmt: skip
        return shown(session, created)


@router.post("/{connection}/test", response_model=AccountFacts)
async def test_connection(
    request: Request, connection: str, caller: Caller = Depends(operator)
) -> AccountFacts:
    """Sign in with the stored credentials and read what the account holds: company, currencies,
    warehouses, price lists, payment methods. 502 with the system's words if it refuses."""
    state = request.app.state
    with state.db.session() as session:
        found = scope.connection(session, caller, connection)
        system = found.system
        client = open_client(state.db, state.box, found)
    try:
        return await registry.describe(system, client)
    except ConnectorError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"{system}: {exc.message}") from None
    finally:
        await client.aclose()


@router.put("/{connection}/credentials", response_model=ConnectionOut)
async def reconnect(
    request: Request, connection: str, body: NewCredentials, caller: Caller = Depends(owner)
) -> ConnectionOut:
    """Store new credentials (e.g. a new API key): the connection is active again and its
    "reconnect required" alert resolved."""
    state = request.app.state
    with state.db.session() as session:
        found = scope.connection(session, caller, connection)
        system, base_url = found.system, body.base_url or found.base_url
    await _check_credentials(system, base_url, body.credentials)
    with state.db.session() as session:
        found = scope.connection(session, caller, connection)
        saved = save_connection(
            session, state.box, name=connection, system=found.system,
            base_url=body.base_url or found.base_url, credentials=body.credentials,
            workspace=caller.workspace,
        )  # fmt: skip
        return shown(session, saved)


async def _check_credentials(system: str, base_url: str, credentials: dict[str, Any]) -> None:
    """422 unless the system's client takes these credentials (every key it needs is there);
    whether the system accepts them is the connection test's question."""
    try:
        client = registry.open_client(system, base_url, credentials, lambda _: None)
    except (KeyError, TypeError, ValueError) as exc:
        missing = f"they lack {exc}" if isinstance(exc, KeyError) else str(exc)
        raise HTTPException(
            UNPROCESSABLE,
            f"these {system} credentials cannot be used: {missing}; "
            f"see docs/connectors/{system}.md",
        ) from None
    await client.aclose()


def shown(session: Session, connection: Connection) -> ConnectionOut:
    """The connection as the API and pages show it: no credential, only that they are set."""
    used = session.scalars(
        select(Integration.name)
        .where(
            (Integration.shop_connection_id == connection.id)
            | (Integration.erp_connection_id == connection.id)
        )
        .order_by(Integration.name)
    )
    return ConnectionOut(
        name=connection.name,
        system=connection.system,
        base_url=connection.base_url,
        status=connection.status,
        credentials="set" if connection.credentials else "not set",
        integrations=list(used),
    )
