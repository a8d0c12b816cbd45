"""The records pages: `/records` (search by order number, e-mail, SKU, any id or text of a
payload; without a search, the latest records) and `/records/{integration}/{entity}/{id}`
(the record in each flow, its ids, how its customer was matched, history and payloads with
secrets masked)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse

from brygga.engine import record_search, records_index
from brygga.engine.dedupe.decisions import MATCHER
from brygga.web import UNPROCESSABLE, scope
from brygga.web.auth import Caller, page_viewer
from brygga.web.pages.display import HELPERS
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)

LONGEST_SEARCH = 200


@router.get("/records", response_class=HTMLResponse)
def records_page(
    request: Request, q: str = "", caller: Caller = Depends(page_viewer)
) -> HTMLResponse:
    term = q.strip()
    problem = None
    if len(term) > LONGEST_SEARCH or "\x00" in term:
        problem = f"search for at most {LONGEST_SEARCH} characters: an id, an e-mail or a SKU"
        return render(
            request, "pages/records.html", caller, q=q, hits=[], problem=problem,
            status_code=UNPROCESSABLE, **HELPERS,
        )  # fmt: skip
    with request.app.state.db.session() as session:
        if term:
            hits = record_search.search(session, caller.workspace_id, term)
        else:
            hits = record_search.recent(session, caller.workspace_id)
    return render(request, "pages/records.html", caller, q=q, hits=hits, **HELPERS)


@router.get("/records/{integration}/{entity}/{source_id:path}", response_class=HTMLResponse)
def record_page(
    request: Request,
    integration: str,
    entity: str,
    source_id: str,
    caller: Caller = Depends(page_viewer),
) -> HTMLResponse:
    found = None
    with request.app.state.db.session() as session:
        if integration in {item.name for item in scope.integrations(session, caller)}:
            found = records_index.record_detail(
                session, caller.workspace_id, integration, entity, source_id
            )
    if found is None:
        return render(
            request, "pages/missing.html", caller, status_code=status.HTTP_404_NOT_FOUND,
            what=f"{entity} {source_id} in {integration}", back="/records",
        )  # fmt: skip
    return render(request, "pages/record.html", caller, record=found, matcher=MATCHER, **HELPERS)
