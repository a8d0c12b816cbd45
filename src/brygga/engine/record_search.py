"""Finding the records of a workspace by any id, e-mail, SKU or text Brygga stored of them.

A record is (integration, entity, source id), as in engine.records_index. Search, cheapest
first:

1. ids, exactly: the source or target id of a cross-reference, and the source id of a record
   outcome or a queued error (a record that failed has no cross-reference). Each is an index
   seek: the cross-reference indexes lead with (integration, entity), so the entities are
   named in the query to let the index be used whole.
2. strong keys, exactly: the e-mail or organisation number of a customer Brygga linked
   (Brygga's index of customers' cards, brygga.engine.dedupe.index, indexed).
3. text, anywhere in the stored payloads: the source payloads of record outcomes and the
   payloads and records of queued errors, as JSON text, with LIKE (case-insensitive; ILIKE on
   PostgreSQL). This finds an e-mail in an order or a SKU in its lines. It reads the rows, so
   it leaves out the outcomes that repeat an earlier one: a plain skip (unchanged since its
   last write, no message) carries the payload its earlier write stored already, and most
   outcomes of a busy flow are such skips. A number of fewer than six digits is looked for as
   an id only: as text it is in most payloads. On SQLite, 30,000 stored orders (about 2 kB
   each) are searched in under 0.1 s. On PostgreSQL, where the history grows into millions,
   a trigram index (pg_trgm, GIN on the payload text) would make it an index search.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from brygga.engine.dedupe.normalise import ORGANISATION_NUMBERS
from brygga.engine.outcomes import Status
from brygga.engine.records_index import FlowRef, cross_reference, flows_of
from brygga.pairs import ENTITIES
from brygga.store.tables import CrossReference, CustomerCardRow, RecordError, RecordOutcome

SHORTEST_TEXT = 3  # a shorter term would be found in most payloads
SHORTEST_NUMBER = 6  # so would a shorter number: prices, quantities, ids
ENTITY_NAMES = sorted(set(ENTITIES.values()))


@dataclass
class RecordHit:
    integration: str
    entity: str
    source_id: str
    target_id: str | None
    status: str | None  # of its latest outcome
    last_seen_at: datetime | None
    matched: list[str]  # what matched: source id, target id, e-mail, ..., payload


Key = tuple[int, str, str]  # (integration id, entity, source id)


def search(session: Session, workspace_id: int, term: str, *, limit: int = 50) -> list[RecordHit]:
    """Records of the workspace that `term` names, exact matches first."""
    term = term.strip()
    flows = flows_of(session, workspace_id)
    if not term or not flows:
        return []
    integrations = {flow.integration_id for flow in flows.values()}
    found: dict[Key, list[str]] = {}

    def add(keys: Iterable[tuple[Key, str]]) -> None:
        for key, how in keys:
            if len(found) >= limit and key not in found:
                return
            if how not in found.setdefault(key, []):
                found[key].append(how)

    add(_by_reference(session, integrations, term))
    add(_by_source_id(session, flows, term))
    add(_by_customer_key(session, integrations, term))
    if _worth_reading_for(term) and len(found) < limit:
        add(_by_payload_text(session, flows, term, limit))
    return _hits(session, flows, found)


def recent(session: Session, workspace_id: int, *, limit: int = 50) -> list[RecordHit]:
    """The records written or failed most recently (plain skips left out)."""
    flows = flows_of(session, workspace_id)
    if not flows:
        return []
    query = (
        select(RecordOutcome.flow_id, RecordOutcome.source_id, func.max(RecordOutcome.id))
        .where(RecordOutcome.flow_id.in_(list(flows)), _not_a_plain_skip())
        .group_by(RecordOutcome.flow_id, RecordOutcome.source_id)
        .order_by(func.max(RecordOutcome.id).desc())
        .limit(limit)
    )
    found: dict[Key, list[str]] = {}
    for flow_id, source_id, _ in session.execute(query):
        flow = flows[flow_id]
        found.setdefault((flow.integration_id, flow.entity, source_id), [])
    return _hits(session, flows, found)


def _by_reference(session: Session, integrations: set[int], term: str) -> list[tuple[Key, str]]:
    found = []
    columns = {"source id": CrossReference.source_id, "target id": CrossReference.target_id}
    for how, column in columns.items():
        rows = session.scalars(
            select(CrossReference).where(
                CrossReference.integration_id.in_(list(integrations)),
                CrossReference.entity.in_(ENTITY_NAMES),
                column == term,
            )
        )
        found += [((x.integration_id, x.entity, x.source_id), how) for x in rows]
    return found


def _by_source_id(session: Session, flows: dict[int, FlowRef], term: str) -> list[tuple[Key, str]]:
    """Records by source id that may have no cross-reference (failed, or never written)."""
    queries = (
        select(RecordOutcome.flow_id).where(
            RecordOutcome.flow_id.in_(list(flows)), RecordOutcome.source_id == term
        ),
        select(RecordError.flow_id).where(
            RecordError.flow_id.in_(list(flows)), RecordError.source_id == term
        ),
    )
    flow_ids = {flow_id for query in queries for flow_id in session.scalars(query.distinct())}
    return [
        ((flows[fid].integration_id, flows[fid].entity, term), "source id")
        for fid in sorted(flow_ids)
    ]


def _by_customer_key(session: Session, integrations: set[int], term: str) -> list[tuple[Key, str]]:
    """Customers Brygga linked with this e-mail or organisation number."""
    digits = "".join(c for c in term if c.isdigit())
    # Only digits (and the dashes or spaces written between them), as many as the shortest
    # organisation numbers have.
    number = len(digits) >= 6 and len(digits) == len(term.replace("-", "").replace(" ", ""))
    if "@" in term:
        wanted, said = CustomerCardRow.email == term.lower(), "e-mail"
    elif number:
        identities = [f"{scheme}:{digits}" for scheme in ORGANISATION_NUMBERS]
        wanted, said = CustomerCardRow.identity.in_(identities), "organisation number"
    else:
        return []
    rows = session.scalars(
        select(CustomerCardRow).where(CustomerCardRow.integration_id.in_(integrations), wanted)
    )
    return [((row.integration_id, "customer", row.source_id), said) for row in rows]


def _by_payload_text(
    session: Session, flows: dict[int, FlowRef], term: str, limit: int
) -> list[tuple[Key, str]]:
    dialect = session.get_bind().dialect.name
    newest = func.max(RecordOutcome.id)
    outcomes = session.execute(
        select(RecordOutcome.flow_id, RecordOutcome.source_id, newest)
        .where(
            RecordOutcome.flow_id.in_(list(flows)),
            _not_a_plain_skip(),
            _contains(RecordOutcome.source_payload, term, dialect),
        )
        .group_by(RecordOutcome.flow_id, RecordOutcome.source_id)
        .order_by(newest.desc())
        .limit(limit)
    )
    errors = session.execute(
        select(RecordError.flow_id, RecordError.source_id)
        .where(
            RecordError.flow_id.in_(list(flows)),
            or_(
                _contains(RecordError.source_payload, term, dialect),
                _contains(RecordError.record, term, dialect),
            ),
        )
        .order_by(RecordError.id.desc())
        .limit(limit)
    )
    rows = [(flow_id, source_id) for flow_id, source_id, *_ in [*outcomes, *errors]]
    return [
        ((flows[fid].integration_id, flows[fid].entity, source_id), "payload")
        for fid, source_id in rows
    ]


def _worth_reading_for(term: str) -> bool:
    """Whether to look for `term` in payload text: not when it is so short, or so short a
    number, that it would be found in most payloads (an order number is found by its id)."""
    if term.isdigit():
        return len(term) >= SHORTEST_NUMBER
    return len(term) >= SHORTEST_TEXT


def _contains(column: Any, term: str, dialect: str) -> ColumnElement[bool]:
    """The JSON column's text holds `term`, as typed or as JSON escapes it (SQLite's JSON
    keeps non-ASCII letters as \\u escapes). Letters beyond ASCII are matched in their usual
    cases only: the databases' case folding covers ASCII alone (without an ICU collation)."""
    text = cast(column, Text)
    cases = (term, term.lower(), term.upper(), term.capitalize())
    variants = dict.fromkeys([*cases, *(json.dumps(case)[1:-1] for case in cases)])
    escaped = [v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for v in variants]
    # SQLite's LIKE ignores ASCII case already; ILIKE would lower() every payload first.
    like = text.like if dialect == "sqlite" else text.ilike
    return or_(*(like(f"%{v}%", escape="\\") for v in escaped))


def _not_a_plain_skip() -> ColumnElement[bool]:
    """An outcome that is not a plain skip (unchanged since it was written, no message)."""
    return or_(RecordOutcome.status != Status.SKIPPED.value, RecordOutcome.message.is_not(None))


def _hits(
    session: Session, flows: dict[int, FlowRef], found: dict[Key, list[str]]
) -> list[RecordHit]:
    names = {flow.integration_id: flow.integration for flow in flows.values()}
    hits = []
    for (integration_id, entity, source_id), matched in found.items():
        own = [
            fid
            for fid, flow in flows.items()
            if flow.integration_id == integration_id and flow.entity == entity
        ]
        latest = session.scalar(
            select(RecordOutcome)
            .where(RecordOutcome.flow_id.in_(list(own)), RecordOutcome.source_id == source_id)
            .order_by(RecordOutcome.id.desc())
            .limit(1)
        )
        xref = cross_reference(session, integration_id, entity, source_id)
        hits.append(
            RecordHit(
                integration=names[integration_id],
                entity=entity,
                source_id=source_id,
                target_id=xref.target_id if xref else (latest.target_id if latest else None),
                status=latest.status if latest else None,
                last_seen_at=latest.created_at if latest else None,
                matched=matched,
            )
        )
    return hits
