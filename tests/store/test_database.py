"""Database: where the URL comes from, migrations, SQLite tuning, units of work."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, func, inspect, select, text

from brygga.store import Base, Connection, Database, Workspace, resolve_database_url
from brygga.store.database import MIGRATIONS


def a_connection(name: str = "shop") -> Connection:
    return Connection(name=name, system="centra", base_url="https://x.test", credentials="token",
                      workspace=Workspace(name=f"merchant of {name}"))  # fmt: skip


def count_connections(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Connection))


class TestResolveDatabaseUrl:
    def test_explicit_beats_environment(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("BRYGGA_DATABASE_URL", "postgresql+psycopg://env/brygga")
        assert resolve_database_url("sqlite:////data/x.db", tmp_path) == "sqlite:////data/x.db"

    def test_environment_beats_default(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("BRYGGA_DATABASE_URL", "postgresql+psycopg://env/brygga")
        assert resolve_database_url(None, tmp_path) == "postgresql+psycopg://env/brygga"

    def test_default_is_a_file_in_home(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.delenv("BRYGGA_DATABASE_URL", raising=False)
        home = tmp_path / "new" / "home"
        assert resolve_database_url(None, home) == f"sqlite:///{home / 'brygga.db'}"
        assert home.is_dir()

    def test_bare_path_becomes_sqlite_url(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.chdir(tmp_path)
        url = resolve_database_url("data/my.db", tmp_path / "home")
        assert url == f"sqlite:///{tmp_path / 'data' / 'my.db'}"


class TestDisplayUrl:
    def test_password_is_masked(self):
        url = "postgresql+psycopg://brygga:s3cret@db.example.com:5432/brygga"
        database = Database(url)
        assert database.display_url == "postgresql+psycopg://brygga:***@db.example.com:5432/brygga"
        assert database.url == url
        database.dispose()

    def test_sqlite_shows_the_file(self, tmp_path: Path):
        database = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
        assert database.display_url == str(tmp_path / "brygga.db")
        database.dispose()


def test_migrate_is_idempotent_and_keeps_data(database_url: str):
    database = Database(database_url)
    database.migrate()
    with database.session() as session:
        session.add(a_connection())
    database.migrate()

    with database.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        heads = MigrationContext.configure(connection).get_current_heads()
    assert tables == {*Base.metadata.tables, "alembic_version"}
    assert heads == tuple(ScriptDirectory(str(MIGRATIONS)).get_heads())
    assert count_connections(database) == 1
    database.dispose()


def test_migrations_started_together_run_once(database_url: str):
    """Like several workers starting at once; without the lock this fails or crashes."""
    errors: list[Exception] = []

    def migrate() -> None:
        database = Database(database_url)
        try:
            database.migrate()
        except Exception as error:
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_migrated_schema_matches_the_models(database: Database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []

        # The comparison does see a difference when there is one.
        changed = MetaData(naming_convention=Base.metadata.naming_convention)
        for table in Base.metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["runs"].append_column(Column("extra", Integer))
        assert [diff[0] for diff in compare_metadata(context, changed)] == ["add_column"]


def test_sqlite_file_is_in_wal_mode_with_foreign_keys(tmp_path: Path):
    path = tmp_path / "brygga.db"
    database = Database(f"sqlite:///{path}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    database.dispose()
    # WAL is a property of the file, so a plain connection sees it too.
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_file_in_a_missing_directory_is_created(tmp_path: Path):
    database = Database(f"sqlite:///{tmp_path / 'not' / 'yet' / 'brygga.db'}")
    database.migrate()
    assert (tmp_path / "not" / "yet" / "brygga.db").is_file()
    database.dispose()


class TestSession:
    def test_commits_when_the_block_ends(self, database: Database):
        with database.session() as session:
            connection = a_connection()
            session.add(connection)
        # expire_on_commit=False: the object is still readable after the session closed.
        assert connection.name == "shop"
        assert connection.id is not None
        assert count_connections(database) == 1

    def test_rolls_back_when_the_block_raises(self, database: Database):
        with pytest.raises(RuntimeError, match="boom"), database.session() as session:
            session.add(a_connection())
            session.flush()  # the row has reached the database before the error
            raise RuntimeError("boom")
        assert count_connections(database) == 0


def test_what_existed_before_workspaces_goes_to_the_default_workspace(database_url: str):
    database = Database(database_url)
    database.migrate("0006")
    with database.engine.begin() as connection:
        for statement in (
            "INSERT INTO connections (id, name, system, base_url, credentials, status, created_at,"
            " updated_at) VALUES (1, 'shop', 'centra', 'x', 't', 'active', :now, :now),"
            " (2, 'erp', 'fortnox', 'x', 't', 'active', :now, :now)",
            "INSERT INTO integrations (id, name, pair, shop_connection_id, erp_connection_id,"
            " settings, created_at) VALUES (1, 'main', 'centra-fortnox', 1, 2, '{}', :now)",
            "INSERT INTO api_tokens (id, name, token_hash, created_at)"
            " VALUES (1, 'scripts', 'abc', :now)",
        ):
            connection.execute(text(statement), {"now": "2026-12-01 10:00:00+00:00"})
    database.migrate()
    with database.engine.connect() as connection:
        owners = {
            table: connection.execute(
                text(f"SELECT w.name FROM {table} t JOIN workspaces w ON w.id = t.workspace_id")
            ).scalars().all()
            for table in ("connections", "integrations", "api_tokens")
        }  # fmt: skip
        role = connection.execute(text("SELECT role FROM api_tokens")).scalar_one()
    assert owners == {
        "connections": ["default", "default"],
        "integrations": ["default"],
        "api_tokens": ["default"],
    }
    assert role == "operator"
    database.dispose()


def test_a_new_database_has_no_workspace_until_one_is_made(database: Database):
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
