"""A migrated database per test, on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from brygga.store import Database


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()
