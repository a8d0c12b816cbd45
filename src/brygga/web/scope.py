"""What a caller may see: only their workspace's integrations, connections and what hangs off
them. Anything of another workspace is answered as if it did not exist (404), so its names
are not revealed either."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store import Connection, Flow, Integration, RecordError, Run
from brygga.web.auth import Caller, api_caller, page_caller


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


def _guard(request: Request, caller: Caller) -> None:
    """404 for a path naming another workspace's integration (and flow), connection, error or
    run. Run before any of the route's own parameters, so even a malformed body is answered
    as if the record did not exist."""
    named = request.path_params
    with request.app.state.db.session() as session:
        if "integration" in named:
            if "flow" in named:
                flow(session, caller, named["integration"], named["flow"])
            else:
                integration(session, caller, named["integration"])
        if "connection" in named:
            connection(session, caller, named["connection"])
        for key, table in (("error_id", RecordError), ("run_id", Run)):
            if key in named and not _owns(session, caller, table, named[key]):
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {table.__tablename__} row")


def _owns(session: Session, caller: Caller, table: type[RecordError] | type[Run], key: str) -> bool:
    if not key.isdigit() or int(key) > 2**31 - 1:
        return True  # the route's own validation answers it (422)
    query = (
        select(Integration.workspace_id)
        .join(Flow, Flow.integration_id == Integration.id)
        .join(table, table.flow_id == Flow.id)
        .where(table.id == int(key))
    )
    return session.scalar(query) in (None, caller.workspace_id)


async def api_guard(request: Request, caller: Caller = Depends(api_caller)) -> None:
    _guard(request, caller)


async def page_guard(request: Request, caller: Caller = Depends(page_caller)) -> None:
    _guard(request, caller)
