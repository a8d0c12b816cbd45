"""The webhook inbox: an event is taken in once per connection and event id, so an event
delivered again (Centra's webhook plugin retries up to 3 times, centra.md §5.2; a receiver that
crashed before answering gets the same event again) changes nothing the second time
(DESIGN.md §3 invariant 3a)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brygga.store.tables import InboxEvent, utcnow


def take_in(
    session: Session, connection_id: int, event_id: str, topic: str, payload: Any
) -> InboxEvent | None:
    """Store a verified event and return it to be handled; None if this connection sent the
    same event before (its delivery is counted, nothing else happens)."""
    known = _event(session, connection_id, event_id)
    if known is None:
        event = InboxEvent(
            connection_id=connection_id, event_id=event_id, topic=topic, payload=payload
        )
        try:
            with session.begin_nested():  # two receivers may race for one event
                session.add(event)
            return event
        except IntegrityError:
            known = _event(session, connection_id, event_id)
            assert known is not None  # the other receiver's row
    # One statement, so deliveries racing each other are all counted.
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.id == known.id)
        .values(deliveries=InboxEvent.deliveries + 1)
    )
    return None


def handled(session: Session, event: InboxEvent) -> None:
    """The event's sync is committed: it leaves the queue of events to handle."""
    event.handled_at = utcnow()


def unhandled(session: Session, connection_id: int | None = None) -> list[InboxEvent]:
    """Events taken in but not handled yet, oldest first: after a crash they are handled
    again, so no event is lost between its receipt and its sync."""
    query = select(InboxEvent).where(InboxEvent.handled_at.is_(None))
    if connection_id is not None:
        query = query.where(InboxEvent.connection_id == connection_id)
    return list(session.scalars(query.order_by(InboxEvent.received_at, InboxEvent.id)))


def _event(session: Session, connection_id: int, event_id: str) -> InboxEvent | None:
    return session.scalar(
        select(InboxEvent).where(
            InboxEvent.connection_id == connection_id, InboxEvent.event_id == event_id
        )
    )
