"""Saving and reading connections without ever holding their credentials in plaintext rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.secrets import SecretBox
from brygga.store.tables import Connection


def save_connection(
    session: Session,
    box: SecretBox,
    *,
    name: str,
    system: str,
    base_url: str,
    credentials: dict[str, Any],
) -> Connection:
    """Create the connection called `name`, or replace its details if it exists.

    Saving fresh credentials is how a connection is (re)connected, so its status becomes active.
    """
    connection = session.scalar(select(Connection).where(Connection.name == name))
    if connection is None:
        connection = Connection(name=name)
        session.add(connection)
    connection.system = system
    connection.base_url = base_url
    connection.credentials = box.encrypt(credentials)
    connection.status = "active"
    session.flush()
    return connection


def connection_credentials(box: SecretBox, connection: Connection) -> dict[str, Any]:
    return box.decrypt(connection.credentials)
