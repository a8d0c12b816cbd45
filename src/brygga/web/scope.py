"""What a caller may see: only their workspace's integrations, connections and what hangs off
them. Anything of another workspace is answered as if it did not exist (404), so its names
are not revealed either."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store import Connection, Flow, Integration, RecordError, Run
from brygga.web.auth import Caller, api_caller, page_caller

Owned = TypeVar("Owned", Integration, Connection)  # what a workspace owns by name


def integrations(session: Session, caller: Caller) -> list[Integration]:
    return _all(session, caller, Integration)


def integration(session: Session, caller: Caller, name: str) -> Integration:
    return _named(session, caller, Integration, name)


def flow(session: Session, caller: Caller, integration_name: str, name: str) -> Flow:
    for found in integration(session, caller, integration_name).flows:
        if found.name == name:
            return found
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"{integration_name} has no flow {name}")


def connections(session: Session, caller: Caller) -> list[Connection]:
    return _all(session, caller, Connection)


def connection(session: Session, caller: Caller, name: str) -> Connection:
    return _named(session, caller, Connection, name)


def _all(session: Session, caller: Caller, table: type[Owned]) -> list[Owned]:
    query = select(table).where(table.workspace_id == caller.workspace_id).order_by(table.name)
    return list(session.scalars(query))


def _named(session: Session, caller: Caller, table: type[Owned], name: str) -> Owned:
    found = session.scalar(
        select(table).where(table.name == name, table.workspace_id == caller.workspace_id)
    )
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {table.__name__.lower()} {name}")
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
