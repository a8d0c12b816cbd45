"""Where Brygga keeps its state: one SQLAlchemy engine, with its schema owned by Alembic.

A SQLite file in the Brygga home is the default, so a newcomer needs nothing else running;
PostgreSQL (`BRYGGA_DATABASE_URL=postgresql+psycopg://...`) is for many workers.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import simplejson
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_random

MIGRATIONS = Path(__file__).with_name("migrations")

# Any constant will do: it only has to be the same in every process that migrates.
_MIGRATION_LOCK = 0x62727967


def resolve_database_url(explicit: str | None, home: Path) -> str:
    """The URL to use: `explicit`, else `BRYGGA_DATABASE_URL`, else `brygga.db` in `home`.

    A bare path is accepted wherever a URL is, because that is what people type for SQLite.
    """
    home.mkdir(parents=True, exist_ok=True)
    url = explicit or os.environ.get("BRYGGA_DATABASE_URL") or str(home / "brygga.db")
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().absolute()}"
    return url


def _json_dumps(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True)


def _json_loads(text: str | bytes) -> Any:
    # Numbers with a fraction come back as Decimal, so money in payloads stays exact.
    return simplejson.loads(text, use_decimal=True)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers (the dashboard) run beside the one writer; the busy timeout makes a
    second writer wait instead of failing; foreign keys are off in SQLite unless asked for."""
    cursor = dbapi_connection.cursor()
    for pragma in ("busy_timeout=30000", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    _switch_to_wal(cursor)
    cursor.close()


# Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is locked"
# at once, without waiting out the busy timeout, when another connection holds one (seen when
# several processes open a new file together), so the switch is retried for a while.
@retry(
    retry=retry_if_exception_type(sqlite3.OperationalError),
    wait=wait_random(0.01, 0.1),
    stop=stop_after_delay(30),
    reraise=True,
)
def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")


class Database:
    """An engine plus the session factory every layer shares."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._url = make_url(url)
        if self._is_sqlite and self._url.database not in (None, "", ":memory:"):
            Path(self._url.database).parent.mkdir(parents=True, exist_ok=True)
        # The dialects hand these to the driver too (psycopg's json/jsonb loaders), so Decimal
        # survives a JSON column on both backends.
        self.engine = create_engine(
            self._url,
            json_serializer=_json_dumps,
            json_deserializer=_json_loads,
            pool_pre_ping=True,
        )
        if self._is_sqlite:
            event.listen(self.engine, "connect", _tune_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def _is_sqlite(self) -> bool:
        return self._url.get_backend_name() == "sqlite"

    @property
    def display_url(self) -> str:
        """Safe to print and log: the password is masked; for SQLite, just the file."""
        if self._is_sqlite:
            return self._url.database or ":memory:"
        return self._url.render_as_string(hide_password=True)

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to the newest revision (or `revision`, for a test of a migration);
        a no-op when it is already there.

        Processes that start together (several workers, or `run` beside the web app) take a
        lock first, so one migrates and the others wait and then find nothing to do.
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
        with self.engine.connect() as connection:
            # SQLite changes a column by rebuilding the table, which its foreign keys refuse
            # while other tables point at it: they are off during the migration (a pragma
            # only takes effect outside a transaction) and checked before it commits.
            self._sqlite_pragma(connection, "foreign_keys=OFF")
            try:
                with connection.begin():
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(
                            f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"
                        )
                    elif self._is_sqlite:
                        # pysqlite has not begun a transaction yet; take the write lock
                        # before reading the version table.
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if self._is_sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"the migration broke foreign keys: {broken}")
            finally:
                self._sqlite_pragma(connection, "foreign_keys=ON")

    def _sqlite_pragma(self, connection: Connection, pragma: str) -> None:
        if self._is_sqlite:
            connection.exec_driver_sql(f"PRAGMA {pragma}")
            connection.commit()

    def session(self) -> AbstractContextManager[Session]:
        """A unit of work: committed at the end of the block, rolled back if it raises, closed."""
        return self._sessions.begin()

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def migrated_database(explicit: str | None, home: Path) -> Iterator[Database]:
    """The database a command works on (`resolve_database_url`), migrated, disposed after."""
    db = Database(resolve_database_url(explicit, home))
    db.migrate()
    try:
        yield db
    finally:
        db.dispose()
