"""A migrated database (SQLite and PostgreSQL) with one Centra + Fortnox integration, "test",
whose connections point nowhere: for engine tests that bring their own streams and writers."""

import pytest

from brygga.engine.integrations import ConnectionSettings, configure
from brygga.store import Database, SecretBox


@pytest.fixture
def db(database_url, tmp_path):
    database = Database(database_url)
    database.migrate()
    configure(
        database,
        SecretBox.from_environment(tmp_path),
        name="test",
        pair="centra-fortnox",
        shop=ConnectionSettings("shop", "centra", "http://127.0.0.1:9", {"token": "t"}),
        erp=ConnectionSettings("erp", "fortnox", "http://127.0.0.1:9", {"client_id": "c"}),
    )
    yield database
    database.dispose()
