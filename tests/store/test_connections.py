"""Connections keep their credentials encrypted in the database."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from brygga.store import (
    Connection,
    Database,
    SecretBox,
    connection_credentials,
    save_connection,
)

CREDENTIALS = {"api_token": "s3cr3t-token-value", "store_id": 7}


def test_credentials_are_encrypted_at_rest(database: Database):
    box = SecretBox(Fernet.generate_key())
    with database.session() as session:
        save_connection(
            session,
            box,
            name="shop",
            system="centra",
            base_url="https://centra.test/api",
            credentials=CREDENTIALS,
        )

    with database.engine.connect() as connection:
        raw = connection.execute(text("SELECT credentials FROM connections")).scalar_one()
    assert "s3cr3t" not in raw
    with database.session() as session:
        stored = session.scalars(select(Connection)).one()
        assert connection_credentials(box, stored) == CREDENTIALS
        assert (stored.system, stored.base_url) == ("centra", "https://centra.test/api")


def test_saving_again_updates_the_same_connection(database: Database):
    box = SecretBox(Fernet.generate_key())
    with database.session() as session:
        first = save_connection(
            session, box, name="erp", system="fortnox", base_url="https://a", credentials={"v": 1}
        )
        first.status = "reconnect_required"

    with database.session() as session:
        second = save_connection(
            session, box, name="erp", system="fortnox", base_url="https://b", credentials={"v": 2}
        )

    assert second.id == first.id
    assert second.updated_at >= first.updated_at
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Connection)) == 1
        stored = session.get(Connection, first.id)
        assert stored.base_url == "https://b"
        assert stored.status == "active"
        assert connection_credentials(box, stored) == {"v": 2}
