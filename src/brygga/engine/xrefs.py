"""The ID cross-reference: which target record each source record became (invariant 3)."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.tables import CrossReference

PENDING = "pending"  # a create may have reached the target; look it up before creating again
LINKED = "linked"


def content_hash(record: BaseModel, links: dict[str, str]) -> str:
    """What decides whether a record changed since it was last written."""
    text = record.model_dump_json() + repr(sorted(links.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def find(session: Session, integration_id: int, entity: str, source_id: str) -> Any:
    return session.scalar(
        select(CrossReference).where(
            CrossReference.integration_id == integration_id,
            CrossReference.entity == entity,
            CrossReference.source_id == source_id,
        )
    )


def written_as(session: Session, integration_id: int, entity: str, target_id: str) -> Any:
    """The cross-reference through which Brygga wrote `target_id` as an `entity` record."""
    return session.scalar(
        select(CrossReference).where(
            CrossReference.integration_id == integration_id,
            CrossReference.entity == entity,
            CrossReference.target_id == target_id,
        )
    )


def save(
    session: Session,
    integration_id: int,
    entity: str,
    source_id: str,
    *,
    state: str,
    target_id: str | None = None,
    content_hash: str | None = None,
) -> None:
    row = find(session, integration_id, entity, source_id)
    if row is None:
        row = CrossReference(integration_id=integration_id, entity=entity, source_id=source_id)
        session.add(row)
    row.state = state
    if target_id is not None:
        row.target_id = target_id
    if content_hash is not None:
        row.content_hash = content_hash
