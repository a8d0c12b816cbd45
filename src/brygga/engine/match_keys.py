"""Brygga's own index of the target records it has linked, by strong keys.

A buyer can reach Brygga under several source ids: the registered customer and, later, a guest
checkout with the same e-mail (`guest:<email>`), or two buyers of one company. Record search
finds customers by these keys. Only exact keys are kept: the organisation
number's digits and the lower-cased e-mail; de-duplication keeps its own index of customers'
cards (brygga.engine.dedupe.index).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from brygga.model import Customer
from brygga.store.tables import MatchKey


def of(record: Any) -> list[str]:
    """The record's strong keys, strongest first; none for records that are not customers."""
    if not isinstance(record, Customer):
        return []
    keys = []
    digits = "".join(c for c in record.organisation_number if c.isdigit())
    if digits:
        keys.append(f"organisation_number:{digits}")
    if record.email:
        keys.append(f"email:{record.email.strip().lower()}")
    return keys


def save(
    session: Session, integration_id: int, entity: str, keys: Iterable[str], target_id: str
) -> None:
    """Point `keys` at `target_id`. A key moves to the record that last carried it, so a
    changed e-mail follows the customer."""
    keys = list(keys)
    if not keys:
        return
    session.execute(
        delete(MatchKey).where(
            MatchKey.integration_id == integration_id,
            MatchKey.entity == entity,
            MatchKey.key.in_(keys),
        )
    )
    session.add_all(
        MatchKey(integration_id=integration_id, entity=entity, key=key, target_id=target_id)
        for key in keys
    )
