"""Brygga's own index of the customers it linked: every source customer's card and the target
customer it became, findable by e-mail, phone, organisation number or place (postcode, street
and house number). De-duplication asks it before the ERP, so a customer met again under another
source id, or a near-duplicate of one, costs no request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brygga.engine.dedupe.comparison import Profile
from brygga.model import Customer, CustomerCard
from brygga.store.tables import CustomerCardRow

# The most cards one lookup weighs: a place is shared by a building's households, not more.
LIMIT = 50


def card_of(record: Any) -> CustomerCard | None:
    """The card of a customer record; None for records of other kinds."""
    return CustomerCard.of(record) if isinstance(record, Customer) else None


def keys(card: CustomerCard) -> dict[str, str | None]:
    """The card's lookup keys, as stored in the index's columns."""
    profile = Profile(card)
    street, number = profile.street
    identities = profile.identities
    scheme = next(iter(sorted(identities)), None)
    return {
        "email": profile.email or None,
        "phone": profile.phone(profile.country) or None,
        "identity": f"{scheme}:{identities[scheme]}" if scheme else None,
        "place": f"{profile.postcode}|{street}|{number}" if profile.postcode and number else None,
    }


def save(
    session: Session, integration_id: int, source_id: str, target_id: str, card: CustomerCard
) -> None:
    row = session.scalar(
        select(CustomerCardRow).where(
            CustomerCardRow.integration_id == integration_id,
            CustomerCardRow.source_id == source_id,
        )
    )
    if row is None:
        row = CustomerCardRow(integration_id=integration_id, source_id=source_id)
        session.add(row)
    row.target_id, row.card = target_id, card.model_dump(exclude_defaults=True)
    for column, value in keys(card).items():
        setattr(row, column, value)


def candidates(
    session: Session, integration_id: int, card: CustomerCard
) -> list[tuple[str, CustomerCard]]:
    """Linked customers sharing a key with `card`: (target id, card) pairs, a target once per
    source customer linked to it."""
    wanted = [
        getattr(CustomerCardRow, column) == value
        for column, value in keys(card).items()
        if value is not None
    ]
    if not wanted:
        return []
    rows = session.scalars(
        select(CustomerCardRow)
        .where(CustomerCardRow.integration_id == integration_id, or_(*wanted))
        .order_by(CustomerCardRow.id)
        .limit(LIMIT)
    )
    return [(row.target_id, CustomerCard.model_validate(row.card)) for row in rows]
