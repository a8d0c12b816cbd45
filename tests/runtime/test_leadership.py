"""One runtime works on a database at a time: its lock is refused to any other until it lets
go, and dies with it, however it dies."""

import signal
import subprocess
import sys
import time
from collections.abc import Callable

from sqlalchemy import make_url, text

from brygga.runtime.leadership import AdvisoryLock, FileLock, leadership
from brygga.store import Database

HOLD_AND_WAIT = """
import sys, time
from pathlib import Path
from brygga.runtime.leadership import FileLock
lock = FileLock(Path(sys.argv[1]))
assert lock.hold()
print("held", flush=True)
time.sleep(60)
"""


def test_a_sqlite_files_lock_is_one_holders_and_dies_with_its_process(tmp_path):
    path = tmp_path / "brygga.db.runtime-lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        waiting = FileLock(path)
        assert not waiting.hold()
        holder.send_signal(signal.SIGKILL)  # no clean-up at all
        holder.wait()
        assert waiting.hold()
        assert waiting.hold()  # and keeps it
        other = FileLock(path)
        assert not other.hold()
        waiting.release()
        assert other.hold()
        other.release()
    finally:
        holder.kill()
        holder.wait()


def test_each_kind_of_database_gets_its_lock(tmp_path):
    assert isinstance(leadership(Database(f"sqlite:///{tmp_path / 'b.db'}")), FileLock)
    assert isinstance(leadership(Database("postgresql+psycopg://x@127.0.0.1:9/b")), AdvisoryLock)
    assert leadership(Database("sqlite://")).hold()


def test_a_postgresql_lock_is_one_sessions_and_dies_with_it(postgres_url):
    url = make_url(postgres_url).render_as_string(hide_password=False)
    first, second = Database(url), Database(url)
    holder, waiting = AdvisoryLock(first), AdvisoryLock(second)
    try:
        assert holder.hold()
        assert not waiting.hold()
        with second.engine.connect() as admin:  # the holder's session ends, as in a crash
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                )
            )
        # The server ends the terminated session a moment later, which frees its lock.
        assert eventually(waiting.hold)
        assert not holder.hold()  # it sees it lost the lock
        waiting.release()
        assert holder.hold()
    finally:
        holder.release()
        waiting.release()
        first.dispose()
        second.dispose()


def eventually(attempt: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not attempt():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
