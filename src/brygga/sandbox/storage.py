"""Durable document storage for a sandbox: collections of JSON documents in one SQLite file.

Like the real services, sandboxes keep their data across restarts. Every write is committed at
once, so a sandbox killed at any moment keeps what it had acknowledged; only seeding (`bulk`)
is saved in the background. Reads come from an in-memory copy.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import simplejson

Watcher = Callable[[str, str, dict[str, Any]], None]


def _encode(value: Any) -> str:
    return simplejson.dumps(value, use_decimal=True, separators=(",", ":"))


def _decode(text: str) -> Any:
    return simplejson.loads(text, use_decimal=True)


@dataclass
class _Dirty:
    """What changed inside `DocumentStore.bulk()`, to be saved when it ends. Dicts, not sets:
    documents are saved in the order they were written, which is the order `all()` keeps."""

    docs: dict[tuple[str, str], None] = field(default_factory=dict)
    counters: dict[str, None] = field(default_factory=dict)
    meta: dict[str, None] = field(default_factory=dict)


class DataDirLocked(RuntimeError):
    pass


class DocumentStore:
    """Collections of documents keyed by string, plus named counters.

    `path=None` keeps everything in memory (tests that need no persistence).
    """

    def __init__(self, path: Path | None, lock_timeout: float = 15.0) -> None:
        self._docs: dict[str, dict[str, dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        self._lock_file = None
        if path is None:
            self._db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = _acquire_lock(path.with_suffix(".lock"), lock_timeout)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents (collection TEXT, key TEXT, body TEXT,"
            " PRIMARY KEY (collection, key))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INT)")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        rows = self._db.execute("SELECT collection, key, body FROM documents")
        for collection, key, body in rows:
            self._docs.setdefault(collection, {})[key] = _decode(body)
        self._counters = dict(self._db.execute("SELECT name, value FROM counters"))
        self._meta = {name: _decode(v) for name, v in self._db.execute("SELECT * FROM meta")}
        self._write_lock = threading.Lock()
        self._watchers: list[Watcher] = []
        self._deferred: _Dirty | None = None
        self._persisting: threading.Thread | None = None

    @property
    def is_empty(self) -> bool:
        return not self._docs and not self._counters

    def get(self, collection: str, key: str) -> dict[str, Any] | None:
        return self._docs.get(collection, {}).get(key)

    def all(self, collection: str) -> Iterator[dict[str, Any]]:
        """Documents of a collection in insertion order."""
        return iter(list(self._docs.get(collection, {}).values()))

    def count(self, collection: str) -> int:
        return len(self._docs.get(collection, {}))

    def put(self, collection: str, key: str, doc: dict[str, Any]) -> None:
        self._docs.setdefault(collection, {})[key] = doc
        if self._deferred is not None:
            self._deferred.docs[collection, key] = None
            return
        self._execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?)", (collection, key, _encode(doc))
        )
        for watcher in self._watchers:
            watcher(collection, key, doc)

    def watch(self, watcher: Watcher) -> None:
        """Call `watcher(collection, key, document)` after each `put` outside `bulk()` (seeding):
        how a sandbox's change webhooks learn of every change, whichever route made it."""
        self._watchers.append(watcher)

    def put_many(self, collection: str, docs: dict[str, dict[str, Any]]) -> None:
        """Write many documents in one transaction (seeding)."""
        self._docs.setdefault(collection, {}).update(docs)
        if self._deferred is not None:
            self._deferred.docs.update(dict.fromkeys((collection, key) for key in docs))
            return
        rows = [(collection, key, _encode(doc)) for key, doc in docs.items()]
        with self._write_lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?, ?)", rows)
            self._db.execute("COMMIT")

    def next_number(self, counter: str, start: int = 1) -> int:
        """The next value of a counter; numbers once handed out are never reused."""
        value = max(self._counters.get(counter, start - 1) + 1, start)
        self._counters[counter] = value
        if self._deferred is not None:
            self._deferred.counters[counter] = None
        else:
            self._execute("INSERT OR REPLACE INTO counters VALUES (?, ?)", (counter, value))
        return value

    def get_meta(self, name: str) -> Any:
        return self._meta.get(name)

    def set_meta(self, name: str, value: Any) -> None:
        self._meta[name] = value
        if self._deferred is not None:
            self._deferred.meta[name] = None
        else:
            self._execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, _encode(value)))

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Writes inside change memory only; afterwards one background transaction saves them.

        A large seed can then be served at once, and it reaches the disk all or nothing: a
        process killed before the commit finds an empty store next time and seeds again.
        """
        self._deferred = _Dirty()
        try:
            yield
        finally:
            dirty, self._deferred = self._deferred, None
            self._persisting = threading.Thread(target=self._persist, args=(dirty,))
            self._persisting.start()

    def _persist(self, dirty: _Dirty) -> None:
        # Current values, read under the lock: a request's later write always lands after.
        with self._write_lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?)",
                ((c, k, _encode(self._docs[c][k])) for c, k in dirty.docs),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO counters VALUES (?, ?)",
                ((name, self._counters[name]) for name in dirty.counters),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                ((name, _encode(self._meta[name])) for name in dirty.meta),
            )
            self._db.execute("COMMIT")

    def _execute(self, sql: str, parameters: tuple[Any, ...]) -> None:
        with self._write_lock:
            self._db.execute(sql, parameters)

    def wait_until_saved(self) -> None:
        if self._persisting is not None:
            self._persisting.join()

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return {name: list(docs.values()) for name, docs in self._docs.items()}

    def clear(self) -> None:
        self.wait_until_saved()
        for table in ("documents", "counters", "meta"):
            self._db.execute(f"DELETE FROM {table}")
        self._docs.clear()
        self._counters.clear()
        self._meta.clear()

    def close(self) -> None:
        self.wait_until_saved()
        self._db.close()
        if self._lock_file is not None:
            self._lock_file.close()


def _acquire_lock(path: Path, timeout: float):
    """One sandbox process per data directory; a restarted one waits for its predecessor."""
    handle = path.open("w")
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() > deadline:
                handle.close()
                raise DataDirLocked(f"{path.parent} is in use by another sandbox process") from None
            time.sleep(0.1)
