"""What a caller may see: only their workspace's integrations, connections and what hangs off
them. Anything of another workspace is answered as if it did not exist (404), so its names
are not revealed either."""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store import Connection, Flow, Integration
from brygga.web.auth import Caller


def integrations(session: Session, caller: Caller) -> list[Integration]:
    query = (
        select(Integration)
        .where(Integration.workspace_id == caller.workspace_id)
        .order_by(Integration.name)
    )
    return list(session.scalars(query))


def integration(session: Session, caller: Caller, name: str) -> Integration:
    found = session.scalar(
        select(Integration).where(
            Integration.name == name, Integration.workspace_id == caller.workspace_id
        )
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no integration {name}")
    return found


def flow(session: Session, caller: Caller, integration_name: str, name: str) -> Flow:
    for found in integration(session, caller, integration_name).flows:
        if found.name == name:
            return found
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"{integration_name} has no flow {name}")


def connections(session: Session, caller: Caller) -> list[Connection]:
    query = (
        select(Connection)
        .where(Connection.workspace_id == caller.workspace_id)
        .order_by(Connection.name)
    )
    return list(session.scalars(query))


def connection(session: Session, caller: Caller, name: str) -> Connection:
    found = session.scalar(
        select(Connection).where(
            Connection.name == name, Connection.workspace_id == caller.workspace_id
        )
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no connection {name}")
    return found
