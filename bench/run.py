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

import httpx
from sqlalchemy import func, select

from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, configure, sync
from brygga.pairs import PAIRS, pair_template
from brygga.sandbox.processes import launch_sandbox
from brygga.store import CrossReference, Database, SecretBox


def sync_orders(pair: str, orders: int) -> None:
    """One pair, sandbox rate limits off, HTTP requests per order synced (shop reads + ERP
    writes) and orders per second, on two days:

    - first day: N seeded shop orders, after the customers flow, so registered customers are
      known; a guest checkout's customer is first met in the orders flow, and costs no request
      when Brygga already linked a customer with its e-mail (`brygga.engine.match_keys`);
    - next day: N new checkouts by the same shop's customers (the sandbox's staff simulation),
      every customer already known to Brygga; what DESIGN.md's requests-per-order goal asks.
    """
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
            print(f"{pair}: customers known first: {known.flows['customers'].read}")
            before = _customers_linked(db)
            _measure("first day", db, box, pair)
            print(
                f"  guest checkouts first met in the orders flow: {_customers_linked(db) - before}"
            )
            simulate = f"{sandboxes[template.shop].base_url}/_sandbox/simulate"
            httpx.post(simulate, json={"orders": orders}, timeout=600).raise_for_status()
            before = _customers_linked(db)
            _measure("next day", db, box, pair)
            print(f"  customers first met on the next day: {_customers_linked(db) - before}")
        finally:
            for sandbox in sandboxes.values():
                sandbox.stop()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (RSS):     {peak_mib:8.1f} MiB (the Brygga process, sandboxes excluded)")


def _measure(day: str, db: Database, box: SecretBox, pair: str) -> None:
    started = time.perf_counter()
    report = asyncio.run(sync(db, box, pair, flows=["orders"]))
    elapsed = time.perf_counter() - started
    counts = report.flows["orders"]
    synced = counts.created + counts.updated
    requests = {system: stats.requests for system, stats in report.requests.items()}
    shares = ", ".join(f"{system} {n}" for system, n in requests.items())
    print(f"  {day}: {counts.read} orders read ({synced} synced, {counts.failed} failed)")
    print(f"    wall time {elapsed:.1f} s, {synced / elapsed:.1f} orders per second")
    per_order = sum(requests.values()) / max(synced, 1)
    print(f"    requests per order: {per_order:.3f} ({shares})")


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
