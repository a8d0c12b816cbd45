"""Brygga's benchmarks. They print measured figures; they are not pass/fail tests.

make bench                      # every pair, default sizes
.venv/bin/python bench/run.py --orders 5000 --pair centra-fortnox
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, configure, sync
from brygga.pairs import PAIRS, pair_template
from brygga.sandbox.processes import launch_sandbox
from brygga.store import CrossReference, Database, SecretBox


def sync_orders(pair: str, orders: int) -> None:
    """One pair, N seeded shop orders, sandbox rate limits off. The customers flow runs
    first, so the orders flow measures what DESIGN.md asks of it: HTTP requests per order
    synced (shop reads + ERP writes) with the customers already known, and orders per second."""
    template = pair_template(pair)
    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory)
        sandboxes = {
            system: launch_sandbox(
                system, home / system, "--no-rate-limit", "--orders", str(orders)
            )
            for system in (template.shop, template.erp)
        }
        try:
            for sandbox in sandboxes.values():
                sandbox.wait_until_up(600)
            db = Database(f"sqlite:///{home / 'brygga.db'}")
            db.migrate()
            box = SecretBox.from_environment(home)
            shop, erp = (
                ConnectionSettings(
                    system, system, sandbox.base_url, connection_settings(sandbox, False)
                )
                for system, sandbox in sandboxes.items()
            )
            configure(db, box, name=pair, pair=pair, shop=shop, erp=erp)
            known = asyncio.run(sync(db, box, pair, flows=["customers"]))
            before = _customers_linked(db)
            started = time.perf_counter()
            report = asyncio.run(sync(db, box, pair, flows=["orders"]))
            elapsed = time.perf_counter() - started
            # Guest checkouts: customers the customers flow cannot read, met first in an order.
            guests = _customers_linked(db) - before
        finally:
            for sandbox in sandboxes.values():
                sandbox.stop()
    counts = report.flows["orders"]
    synced = counts.created + counts.updated
    requests = {system: stats.requests for system, stats in report.requests.items()}
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{pair}: {counts.read} orders read ({synced} synced, {counts.failed} failed)")
    print(f"  customers known first: {known.flows['customers'].read}")
    print(f"  guest customers first met in the orders flow: {guests}")
    print(f"  orders flow wall time: {elapsed:8.1f} s")
    print(f"  orders per second:     {synced / elapsed:8.1f}")
    shares = ", ".join(f"{system} {n}" for system, n in requests.items())
    per_order = sum(requests.values()) / max(synced, 1)
    print(f"  requests per order:    {per_order:8.3f} ({shares})")
    known_only = (sum(requests.values()) - guests) / max(synced, 1)
    print(f"  ... less one request per guest customer: {known_only:8.3f}")
    print(f"  peak memory (RSS):     {peak_mib:8.1f} MiB (the Brygga process, sandboxes excluded)")


def _customers_linked(db: Database) -> int:
    with db.session() as session:
        query = select(func.count()).where(CrossReference.entity == "customer")
        return session.scalar(query.select_from(CrossReference))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders to sync (default 2000)")
    parser.add_argument("--pair", action="append", choices=list(PAIRS), help="default: all")
    arguments = parser.parse_args()
    for pair in arguments.pair or PAIRS:
        sync_orders(pair, arguments.orders)


if __name__ == "__main__":
    main()
