"""Where a connection's event feed resumes: per topic, the offset of the last event taken in.
It is stored in the transaction that takes the event into the inbox, so a restart neither
skips an event nor needs more than the inbox's dedupe for the one it repeats."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.tables import TopicOffset


def stored_offsets(session: Session, connection_id: int) -> dict[str, str]:
    """The connection's offsets by topic; a topic never read from has none."""
    rows = session.scalars(select(TopicOffset).where(TopicOffset.connection_id == connection_id))
    return {row.topic: row.last_offset for row in rows}


def store_offset(session: Session, connection_id: int, topic: str, offset: str) -> None:
    row = session.get(TopicOffset, (connection_id, topic))
    if row is None:
        session.add(TopicOffset(connection_id=connection_id, topic=topic, last_offset=offset))
    else:
        row.last_offset = offset
