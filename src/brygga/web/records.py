"""`/api/records`: find a record by its source or target id, an e-mail, a SKU or any text of
its payloads, and see all Brygga knows of it: its status in each flow, its ids, its history
and its payloads with secrets masked (engine.record_search, engine.records_index)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status

from brygga.engine import record_search, records_index
from brygga.engine.record_search import RecordHit
from brygga.engine.records_index import RecordDetail
from brygga.web import scope
from brygga.web.auth import Caller, viewer
from brygga.web.runs import NO_NUL

router = APIRouter(prefix="/api/records", tags=["records"])


@router.get("", response_model=list[RecordHit])
def search_records(
    request: Request,
    q: str = Query(
        "",
        max_length=200,
        pattern=NO_NUL,
        description="A source or target id (e.g. an order number), an e-mail, a SKU or any "
        "text of a payload; empty: the records written or failed most recently",
    ),
    limit: int = Query(50, ge=1, le=200),
    caller: Caller = Depends(viewer),
) -> list[RecordHit]:
    with request.app.state.db.session() as session:
        if q.strip():
            return record_search.search(session, caller.workspace_id, q, limit=limit)
        return record_search.recent(session, caller.workspace_id, limit=limit)


@router.get("/{integration}/{entity}/{source_id:path}", response_model=RecordDetail)
def show_record(
    request: Request,
    integration: str = Path(max_length=200, pattern=NO_NUL),
    entity: str = Path(max_length=50, pattern=NO_NUL, description="e.g. order, customer"),
    source_id: str = Path(max_length=255, pattern=NO_NUL),
    caller: Caller = Depends(viewer),
) -> RecordDetail:
    """The record in each flow, its ids, history and payloads; for a customer (or an order,
    by its customer, while the error queue holds the order) `match` says how de-duplication
    decided: linked, created or waiting for a person, and who decided. Null when none."""
    with request.app.state.db.session() as session:
        scope.integration(session, caller, integration)
        found = records_index.record_detail(
            session, caller.workspace_id, integration, entity, source_id
        )
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"{integration} knows no {entity} {source_id}"
        )
    return found
