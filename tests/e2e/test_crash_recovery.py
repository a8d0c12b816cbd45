"""Kill the demo mid-sync (SIGKILL, no cleanup) and run it again: every order once in Fortnox."""

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.e2e.demo import (
    demo_command,
    fortnox_order_references,
    load_states,
    run_demo,
    visible_order_numbers,
)

OPTIONS = ("--no-rate-limit", "--orders", "400", "--pair", "centra-fortnox")

WRITING_ORDERS = """
SELECT
  (SELECT count(*) FROM record_outcomes o JOIN flows f ON f.id = o.flow_id
   WHERE f.name = 'orders' AND o.status = 'created'),
  (SELECT count(*) FROM cross_references WHERE entity = 'order' AND state = 'pending')
"""


def orders_in_flight(database: Path) -> tuple[int, int]:
    """(created order outcomes committed, order creates begun but not committed)."""
    if not database.exists():
        return 0, 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute(WRITING_ORDERS).fetchone()
    except sqlite3.OperationalError:  # tables not created yet
        return 0, 0


def test_a_killed_sync_restarts_without_duplicates(tmp_path):
    home = tmp_path / "home"
    process = subprocess.Popen(
        demo_command(home, *OPTIONS),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    try:
        while True:
            assert process.poll() is None, "the demo finished before it could be killed"
            assert time.monotonic() < deadline, "the demo never got to the orders"
            committed, pending = orders_in_flight(home / "brygga.db")
            # Past the first committed page, with a create under way: the worst moment.
            if committed >= 100 and pending >= 1:
                break
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

    report = run_demo(home, *OPTIONS, "--state-dir", str(tmp_path))
    orders = report["integrations"][0]["flows"]["orders"]
    assert orders["failed"] == 0
    states = load_states(tmp_path)
    expected = visible_order_numbers(states["centra"])
    assert len(expected) > 300
    assert fortnox_order_references(states["fortnox"]) == dict.fromkeys(expected, 1)
