"""One runtime works on a database at a time; any other `brygga run` on it stands by (serving
the web app and taking webhooks into the inbox) and takes over the moment the first one is
gone. Two runtimes running the same flows side by side could both create a record they read
at the same moment (the flow locks are per process), so this is a lock, not a convention.

The lock dies with its holder, whatever kills it: for a SQLite file, an advisory file lock
next to it (`flock`, released by the kernel); for PostgreSQL, a session advisory lock held on
a connection of its own (released by the server when the connection goes)."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from brygga.store import Database

LOCK_KEY = 0x62727972  # any constant: the same in every process of this kind


class Leadership(Protocol):
    def hold(self) -> bool:
        """Take the lock if it is free; whether this process holds it now."""

    def release(self) -> None: ...


def leadership(db: Database) -> Leadership:
    url = make_url(db.url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(db)
    if url.database in (None, "", ":memory:"):
        return Alone()
    return FileLock(Path(url.database).with_name(Path(url.database).name + ".runtime-lock"))


class Alone:
    """A database in memory: no other process can open it."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def hold(self) -> bool:
        if self._file is None:
            lock = self.path.open("a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                return False
            self._file = lock
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file frees the lock
            self._file = None


class AdvisoryLock:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: Connection | None = None

    def hold(self) -> bool:
        if self._connection is not None:
            if self._ask(self._connection, "SELECT 1"):  # ours while its session lives
                return True
            self.release()
        try:
            connection = self.db.engine.connect()
        except SQLAlchemyError:
            return False
        if not self._ask(connection, f"SELECT pg_try_advisory_lock({LOCK_KEY})"):
            connection.close()
            return False
        self._connection = connection
        return True

    @staticmethod
    def _ask(connection: Connection, query: str) -> bool:
        try:
            answer = connection.execute(text(query)).scalar()
            connection.commit()  # never idle in a transaction; the session's lock stays
        except SQLAlchemyError:
            return False
        return bool(answer)

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()  # the server ends the session, and its locks
            finally:
                self._connection = None
