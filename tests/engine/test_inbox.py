"""The webhook inbox on a real database (SQLite and PostgreSQL): an event redelivered, or
taken in by two receivers at once, is handled once; an event not handled survives a restart."""

import threading

import pytest

from brygga.engine import inbox
from brygga.store import Database, InboxEvent, SecretBox, save_connection


@pytest.fixture
def connection_ids(database_url, tmp_path):
    database = Database(database_url)
    database.migrate()
    box = SecretBox.from_environment(tmp_path)
    with database.session() as session:
        ids = [
            save_connection(
                session, box, name=name, system="centra", base_url=url, credentials={"token": "t"}
            ).id
            for name, url in (("shop", "http://127.0.0.1:1"), ("other", "http://127.0.0.1:2"))
        ]
    yield database, ids
    database.dispose()


def test_a_redelivered_event_is_taken_in_once(connection_ids):
    db, (shop, other) = connection_ids
    payload = {"events": [{"type": "order", "action": "update", "id": 2735}]}
    with db.session() as session:
        first = inbox.take_in(session, shop, "evt-1", "order.update", payload)
        assert first is not None
    with db.session() as session:
        assert inbox.take_in(session, shop, "evt-1", "order.update", payload) is None
        # The same event id from another connection is another event.
        assert inbox.take_in(session, other, "evt-1", "order.update", payload) is not None
    with db.session() as session:
        rows = session.query(InboxEvent).order_by(InboxEvent.id).all()
        assert [(row.connection_id, row.event_id, row.deliveries) for row in rows] == [
            (shop, "evt-1", 2),
            (other, "evt-1", 1),
        ]
        assert rows[0].payload == payload


def test_events_not_handled_stay_in_the_inbox_until_handled(connection_ids):
    db, (shop, _) = connection_ids
    with db.session() as session:
        for number in range(3):
            inbox.take_in(session, shop, f"evt-{number}", "order.create", {"id": number})
    # A restart: a new session finds what was taken in but not handled, oldest first.
    with db.session() as session:
        waiting = inbox.unhandled(session, shop)
        assert [event.event_id for event in waiting] == ["evt-0", "evt-1", "evt-2"]
        inbox.handled(session, waiting[0])
    with db.session() as session:
        assert [event.event_id for event in inbox.unhandled(session)] == ["evt-1", "evt-2"]
        # Redelivery of a handled event does not bring it back.
        assert inbox.take_in(session, shop, "evt-0", "order.create", {"id": 0}) is None
    with db.session() as session:
        assert [event.event_id for event in inbox.unhandled(session)] == ["evt-1", "evt-2"]


def test_two_receivers_racing_for_one_event_take_it_in_once(connection_ids):
    db, (shop, _) = connection_ids
    barrier = threading.Barrier(4)
    taken: list[bool] = []

    def receive() -> None:
        barrier.wait()
        with db.session() as session:
            taken.append(inbox.take_in(session, shop, "evt-race", "order", {}) is not None)

    threads = [threading.Thread(target=receive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False, False, False, True]
    with db.session() as session:
        (row,) = session.query(InboxEvent).all()
        assert row.deliveries == 4
