"""Saving and reading connections without ever holding their credentials in plaintext rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.alerts import RECONNECT_REQUIRED, raise_alert, resolve_alerts
from brygga.store.secrets import SecretBox
from brygga.store.tables import Connection
from brygga.store.workspaces import DEFAULT_WORKSPACE, workspace_named

ACTIVE = "active"


def save_connection(
    session: Session,
    box: SecretBox,
    *,
    name: str,
    system: str,
    base_url: str,
    credentials: dict[str, Any],
    workspace: str = DEFAULT_WORKSPACE,
) -> Connection:
    """Create the connection called `name` in the workspace, or replace its details if it
    exists there (a name taken in another workspace is refused).

    Saving fresh credentials is how a connection is (re)connected, so its status becomes active.
    """
    owner = workspace_named(session, workspace, create=True)
    connection = session.scalar(select(Connection).where(Connection.name == name))
    if connection is None:
        connection = Connection(name=name, workspace_id=owner.id)
        session.add(connection)
    elif connection.workspace_id != owner.id:
        raise ValueError(f"the connection name {name!r} is taken; choose another")
    connection.system = system
    connection.base_url = base_url
    connection.credentials = box.encrypt(credentials)
    connection.status = ACTIVE
    session.flush()
    resolve_alerts(session, RECONNECT_REQUIRED, connection_id=connection.id)
    return connection


def require_reconnect(session: Session, connection: Connection, reason: str) -> None:
    """The connection's credentials were refused for good (e.g. a revoked grant): nothing is
    tried with it until someone reconnects it, and an alert says so."""
    connection.status = RECONNECT_REQUIRED
    message = f"connection {connection.name} ({connection.system}) needs reconnecting: {reason}"
    raise_alert(session, RECONNECT_REQUIRED, message, connection_id=connection.id)


def connection_credentials(box: SecretBox, connection: Connection) -> dict[str, Any]:
    return box.decrypt(connection.credentials)
