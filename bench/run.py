"""Brygga's benchmarks. They print measured figures; they are not pass/fail tests.

make bench                      # all benchmarks, default sizes
.venv/bin/python bench/run.py --orders 5000
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, configure, sync
from brygga.sandbox.processes import start_sandbox
from brygga.store import Database, SecretBox


def sync_orders(orders: int) -> None:
    """Centra → Fortnox, N orders and their customers, sandbox rate limits off: how fast the
    engine and connectors go, how many HTTP requests an order costs, and peak memory."""
    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory)
        sandboxes = {
            system: start_sandbox(
                system, home / system, "--no-rate-limit", "--orders", str(orders), timeout=300
            )
            for system in ("centra", "fortnox")
        }
        try:
            db = Database(f"sqlite:///{home / 'brygga.db'}")
            db.migrate()
            box = SecretBox.from_environment(home)
            shop, erp = (
                ConnectionSettings(
                    name, name, sandbox.base_url, connection_settings(sandbox, False)
                )
                for name, sandbox in sandboxes.items()
            )
            configure(db, box, name="bench", pair="centra-fortnox", shop=shop, erp=erp)
            started = time.perf_counter()
            report = asyncio.run(sync(db, box, "bench"))
            elapsed = time.perf_counter() - started
        finally:
            for sandbox in sandboxes.values():
                sandbox.stop()
    counts = report.flows["orders"]
    requests = sum(stats.requests for stats in report.requests.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"sync_orders: {counts.read} orders ({counts.created} created, {counts.failed} failed)")
    print(f"  customers: {report.flows['customers'].created} created")
    print(f"  wall time:           {elapsed:8.1f} s (customers and orders flows)")
    print(f"  orders per second:   {counts.read / elapsed:8.1f}")
    print(f"  requests per order:  {requests / max(counts.read, 1):8.2f} (all HTTP, both systems)")
    print(f"  peak memory (RSS):   {peak_mib:8.1f} MiB (the Brygga process, sandboxes excluded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders to sync (default 2000)")
    arguments = parser.parse_args()
    sync_orders(arguments.orders)


if __name__ == "__main__":
    main()
