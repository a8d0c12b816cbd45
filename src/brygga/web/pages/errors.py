"""The error queue's pages: `/errors` (filters, retry, skip, retry all shown) and
`/errors/{id}` (the record as editable JSON: edit and retry; for a "duplicate?" error, the
parked customer and the candidates side by side, to answer). Each message links to the
setting that fixes it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from brygga.connectors.errors import ErrorClass
from brygga.engine import error_queue
from brygga.engine.dedupe import LINK_SETTING, REVIEW_SETTING, decisions, review
from brygga.engine.error_queue import Filter
from brygga.engine.integrations import Retried
from brygga.model import CustomerCard
from brygga.pairs import ENTITIES
from brygga.store import RecordError
from brygga.web import RowId, scope
from brygga.web.auth import Caller, page_operator, page_viewer
from brygga.web.errors import answer_one, find_errors, one_error, retry_one, retry_selection
from brygga.web.pages.feedback import back, local, notice
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)

# Words in a message that point at a value to map rather than a setting to change: records the
# target does not know by the shop's value (an article, item or mode of payment).
MAPPING_WORDS = ("value_maps", "sku", "article", "artikel", "item", "inventory")
# The flow whose settings hold the matching thresholds (docs/dedupe.md).
CUSTOMERS = next(flow for flow, entity in ENTITIES.items() if entity == "customer")
# The rows of a "duplicate?" error's comparison: a customer card's fields, in the card's order,
# labelled as the field's name reads unless it reads better otherwise.
LABELS = {"email": "E-mail", "vat_number": "VAT number", "address_line1": "Address",
          "address_line2": "Address line 2"}  # fmt: skip
CARD_FIELDS = [
    (name, LABELS.get(name, name.replace("_", " ").capitalize()))
    for name in CustomerCard.model_fields
]


@router.get("/errors", response_class=HTMLResponse)
def errors_page(
    request: Request,
    integration: str = "",
    flow: str = "",
    error_class: str = "",
    status: str = error_queue.OPEN,
    caller: Caller = Depends(page_viewer),
) -> Response:
    wanted = _filter(integration, flow, error_class, status)
    with request.app.state.db.session() as session:
        try:
            rows = find_errors(session, caller, wanted)
        except HTTPException as exc:  # an unknown status: the filter form says so
            rows, problem = [], exc.detail
        else:
            problem = None
        errors = [error_queue.summary(row) | {"fix": fix_link(row)} for row in rows]
        integrations = scope.integrations(session, caller)
        flows = sorted({flow.name for i in integrations for flow in i.flows})
        names = [i.name for i in integrations]
    return render(
        request, "pages/errors.html", caller,
        errors=errors, problem=problem, notice=notice(request), integrations=names, flows=flows,
        classes=[c.value for c in ErrorClass], statuses=[*error_queue.STATUSES, "all"],
        chosen={"integration": integration, "flow": flow, "error_class": error_class,
                "status": status},
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )  # fmt: skip


@router.get("/errors/{error_id}", response_class=HTMLResponse)
def error_page(
    request: Request, error_id: RowId, caller: Caller = Depends(page_viewer)
) -> Response:
    with request.app.state.db.session() as session:
        row = one_error(session, caller, error_id)
        error = error_queue.detail(row) | {"fix": fix_link(row)}
        duplicate = _duplicate(session, row, error["target_payload"])
    record = error["edited_record"] or error["record"]
    # A "duplicate?" error's target payload is its comparison, shown as a table instead.
    shown = ("source_payload",) if duplicate else ("source_payload", "target_payload")
    return render(
        request, "pages/error.html", caller, error=error, notice=notice(request),
        duplicate=duplicate, card_fields=CARD_FIELDS,
        record_json=json.dumps(record, indent=2, ensure_ascii=False) if record else "",
        payloads={name: _pretty(error[name]) for name in shown},
    )  # fmt: skip


def _duplicate(session: Session, row: RecordError, shown: dict[str, Any]) -> dict[str, Any] | None:
    """What a "duplicate?" error asks a person: the parked customer and the candidates as the
    matcher weighed them (`shown`: its payload, masked), and the answer once someone gave it;
    None for other errors."""
    source_id = review.parked_customer(row)
    if source_id is None:
        return None
    kept = decisions.latest(session, row.flow.integration_id, source_id)
    answered = kept is not None and kept.decided_by != decisions.MATCHER
    return shown | {
        "source": row.flow.source,
        "target": row.flow.target,
        "answer": decisions.shown(kept) if answered else None,
    }


@router.post("/errors/retry")
async def retry_shown(
    request: Request,
    integration: str = Form(""),
    flow: str = Form(""),
    error_class: str = Form(""),
    next: str = Form("/errors"),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Retry every open error the filters on the page show."""
    wanted = _filter(integration, flow, error_class, error_queue.OPEN)
    try:
        results = await retry_selection(request, caller, wanted)
    except HTTPException as exc:
        return back(request, next, str(exc.detail), failed=True)
    said, _ = _tally(results)
    return back(request, next, said)


@router.post("/errors/{error_id}/retry")
async def retry(
    request: Request,
    error_id: RowId,
    record: str = Form(""),
    next: str = Form(""),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Retry one error, with the edited record if the form sends one."""
    target = local(next, f"/errors/{error_id}")
    edited: dict[str, Any] | None = None
    if record.strip():
        try:
            edited = json.loads(record)
        except json.JSONDecodeError as exc:
            return back(request, target, f"The record is not valid JSON: {exc}", failed=True)
        if not isinstance(edited, dict):
            return back(request, target, "The record must be a JSON object", failed=True)
    try:
        result = await retry_one(request, caller, error_id, edited)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(request, target, str(exc.detail), failed=True)
    failed = result.status in ("failed", "not retried")
    said = f"Error {error_id}: {result.status}" + (f" — {result.message}" if failed else "")
    return back(request, target, said, failed=failed)


@router.post("/errors/{error_id}/answer")
async def answer(
    request: Request,
    error_id: RowId,
    target_id: str = Form(""),
    new_customer: bool = Form(False),
    caller: Caller = Depends(page_operator),
) -> Response:
    """Answer a "duplicate?" error: the parked customer is the candidate `target_id`, or (with
    `new_customer`) a new customer. The answer is kept and the customer's parked records are
    written again (web.errors.answer_one)."""
    here = f"/errors/{error_id}"
    with request.app.state.db.session() as session:
        row = one_error(session, caller, error_id)
        customer, target = review.parked_customer(row), row.flow.target
    if new_customer == bool(target_id):
        said = "Choose one: the same customer as a candidate, or a new customer"
        return back(request, here, said, failed=True)
    try:
        results = await answer_one(request, caller, error_id, target_id or None)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(request, here, str(exc.detail), failed=True)
    chosen = f"the same customer as {target_id}" if target_id else "a new customer"
    said, failing = _tally(results)
    answered = f"Answered: customer {customer} is {chosen} in {target}. {said}"
    return back(request, here, answered, failed=failing > 0)


@router.post("/errors/{error_id}/skip")
def skip(
    request: Request,
    error_id: RowId,
    reason: str = Form(""),
    next: str = Form(""),
    caller: Caller = Depends(page_operator),
) -> Response:
    with request.app.state.db.session() as session:
        row = one_error(session, caller, error_id)
        error_queue.skip(session, [row], reason)
    return back(request, local(next, f"/errors/{error_id}"), f"Error {error_id}: skipped")


def fix_link(row: Any) -> dict[str, str]:
    """Where the setting that fixes the error is: the customers flow's matching thresholds for
    a "duplicate?" error, the flow's value maps for a value the target does not know, its
    settings otherwise."""
    flow = row.flow
    if row.error_class == ErrorClass.POSSIBLE_DUPLICATE:
        query = urlencode({"flow": CUSTOMERS})
        return {"url": f"/integrations/{flow.integration.name}/settings?{query}#settings",
                "label": f"Matching thresholds: {LINK_SETTING}, {REVIEW_SETTING} "
                         "(docs/dedupe.md)"}  # fmt: skip
    query = urlencode({"flow": flow.name})
    mapping = any(word in row.message.lower() for word in MAPPING_WORDS)
    anchor = "value_maps" if mapping else "settings"
    label = "Map the value in settings" if mapping else "Fix the setting"
    return {"url": f"/integrations/{flow.integration.name}/settings?{query}#{anchor}",
            "label": label}  # fmt: skip


def _tally(results: list[Retried]) -> tuple[str, int]:
    """A retry's results in words, and how many still fail."""
    done = sum(1 for r in results if r.status not in ("failed", "not retried"))
    failing = len(results) - done
    return f"Retried {len(results)}: {done} resolved, {failing} still failing", failing


def _filter(integration: str, flow: str, error_class: str, status: str) -> Filter:
    chosen = None if status == "all" else (status or error_queue.OPEN)
    return Filter(integration or None, flow or None, error_class or None, chosen)


def _pretty(value: Any) -> str:
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False, default=str)
