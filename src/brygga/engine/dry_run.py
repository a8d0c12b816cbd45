"""What a dry run shows per record: the action, the request that would be sent, and for an
update the fields it would change compared with what Brygga last wrote there."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from brygga.engine.integrations import SyncReport, integration_named
from brygga.engine.outcomes import Outcome, Status
from brygga.store import Database, RecordOutcome

ACTIONS = {Status.CREATED: "create", Status.UPDATED: "update", Status.SKIPPED: "skip",
           Status.FAILED: "fail"}  # fmt: skip


def planned_records(db: Database, integration: str, report: SyncReport) -> list[dict[str, Any]]:
    """Each planned record of the report, in the order the flows ran."""
    shown = []
    with db.session() as session:
        flows = {flow.name: flow.id for flow in integration_named(session, integration).flows}
        for flow, outcomes in report.planned.items():
            for outcome in outcomes:
                entry = _entry(flow, outcome)
                if outcome.status is Status.UPDATED and "body" in entry:
                    before = session.scalar(
                        select(RecordOutcome.target_payload)
                        .where(
                            RecordOutcome.flow_id == flows[flow],
                            RecordOutcome.source_id == outcome.source_id,
                            RecordOutcome.target_payload.is_not(None),
                            RecordOutcome.status.in_(("created", "updated")),
                        )
                        .order_by(RecordOutcome.id.desc())
                        .limit(1)
                    )
                    entry["changes"] = changes(before, entry["body"])
                shown.append(entry)
    return shown


def _entry(flow: str, outcome: Outcome) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "flow": flow,
        "source_id": outcome.source_id,
        "action": ACTIONS[outcome.status],
        "target_id": outcome.target_id,
        "message": outcome.message,
    }
    request = outcome.target_payload if outcome.status is not Status.FAILED else None
    if isinstance(request, dict) and {"method", "url"} <= set(request):
        entry |= {"request": f"{request['method']} {request['url']}", "body": request["body"]}
    return entry


def changes(before: Any, after: Any) -> list[str]:
    """`field: old → new` for each field the request sets to another value than Brygga last
    wrote (fields it does not send are left out; nested fields dotted). A body that wraps the
    record in one key (Fortnox `{"Order": {...}}`) is compared by what it wraps."""
    if isinstance(after, dict) and len(after) == 1:
        ((key, inner),) = after.items()
        if isinstance(inner, dict):
            after = inner
            before = before.get(key, before) if isinstance(before, dict) else before
    old, new = _flat(before), _flat(after)
    return [
        f"{name}: {_shown(old.get(name))} → {_shown(value)}"
        for name, value in new.items()
        if not _same(old.get(name), value)
    ]


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        if set(value) == {"value"}:  # Visma.net's DtoValue wrapper
            return _flat(value["value"], prefix)
        found: dict[str, Any] = {}
        for key, item in value.items():
            found |= _flat(item, f"{prefix}{key}.")
        return found
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found |= _flat(item, f"{prefix}{index}.")
        return found
    return {prefix.rstrip("."): value}


def _same(old: Any, new: Any) -> bool:
    try:
        return Decimal(str(old)) == Decimal(str(new))
    except (InvalidOperation, ValueError):
        return str(old) == str(new)


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)
