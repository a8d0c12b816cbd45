"""Generated shop orders and refunds posted to the ERP sandboxes: are the ERP's figures the
shop's?

Draws N orders from the property tests' strategy (tests/support/orders.py), about half of them
with one to three refunds, posts each to Fortnox and Visma.net sandboxes over real HTTP
(customer, then order), reads it back as the reconciliation does; an order with refunds is then
invoiced as the ERP's staff would, and each refund is posted through the ERP's refund writer
and its credit note read back. Prints measured figures as JSON: per ERP the orders posted,
those equal to the cent in net, VAT per rate and gross, the differences (count and the first
orders), the refusals per reason; the same for the refunds' credit notes, and how many refunds
of more than was left were posted and refused; seconds and orders per second. Exit code 1 on
any difference or error.

make bench-finance                                      # 10,000 orders, both ERPs
.venv/bin/python bench/finance.py --orders 500 --erp fortnox --save differences.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

from brygga.model import Order, Refund
from brygga.sandbox.processes import SandboxProcess, launch_sandbox

# The strategy and the harness live with the tests, in the checkout beside this script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.orders import case_settings, refunded_orders
from tests.support.posting import ERPS, Poster, Tally, open_client

Case = tuple[Order, list[Refund]]


def generate(count: int, seed_value: int) -> list[Case]:
    """`count` orders with their refunds, drawn by Hypothesis itself, seeded: generation only,
    no shrinking and no example database, so a run is reproducible and every example is a
    fresh draw."""
    drawn: list[Case] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(refunded_orders())
    def draw(case: Case) -> None:
        drawn.append(case)

    draw()
    return drawn


async def post_all(sandbox: SandboxProcess, drawn: list[Case], concurrency: int) -> Tally:
    """Post every order and its refunds, `concurrency` orders at a time, and tally what the ERP
    booked."""
    client = open_client(sandbox)
    poster = Poster(sandbox.system, client, sandbox_url=sandbox.base_url)
    tally = Tally()
    queue = iter(drawn)

    async def worker() -> None:
        for order, refunds in queue:
            try:
                tally.add(await poster.post(order, case_settings(order), refunds))
            except Exception as error:  # a failure to report, not to stop the run on
                tally.add_error(error)
            if tally.posted % 1000 == 0:
                print(f"{sandbox.system}: {tally.posted} posted", file=sys.stderr, flush=True)

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await poster.aclose()
        await client.aclose()
    return tally


def measure(erp: str, drawn: list[Case], arguments: argparse.Namespace) -> dict[str, Any]:
    """One ERP sandbox of its own, every order posted to it; with `--save`, every differing
    order is appended to that file as a JSON line."""
    with tempfile.TemporaryDirectory() as home:
        sandbox = launch_sandbox(erp, Path(home) / erp, "--no-rate-limit")
        try:
            sandbox.wait_until_up(600)
            started = time.perf_counter()
            tally = asyncio.run(post_all(sandbox, drawn, arguments.concurrency))
            seconds = time.perf_counter() - started
        finally:
            sandbox.stop()
    if arguments.save:
        with arguments.save.open("a") as saved:
            for posted in tally.different + tally.refunded_differently:
                saved.write(json.dumps({"erp": erp} | posted.report()) + "\n")
    return tally.as_dict(arguments.examples) | {
        "seconds": round(seconds, 1),
        "orders_per_second": round(tally.posted / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000, help="orders per ERP (10,000)")
    parser.add_argument("--erp", choices=[*ERPS, "both"], default="both")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--concurrency", type=int, default=4, help="orders in flight (4)")
    parser.add_argument("--examples", type=int, default=5, help="differences shown per ERP")
    parser.add_argument(
        "--save", type=Path, help="write every order that differs, or its credit notes, here"
    )
    arguments = parser.parse_args()
    if arguments.save:
        arguments.save.write_text("")
    started = time.perf_counter()
    drawn = generate(arguments.orders, arguments.seed)
    distinct = len({order.model_dump_json(exclude={"number", "source_id"}) for order, _ in drawn})
    results: dict[str, Any] = {
        "generated": {
            "orders": len(drawn),
            "distinct": distinct,
            "orders_with_refunds": sum(bool(refunds) for _, refunds in drawn),
            "refunds": sum(len(refunds) for _, refunds in drawn),
            "seed": arguments.seed,
            "seconds": round(time.perf_counter() - started, 1),
        }
    }
    for erp in ERPS if arguments.erp == "both" else (arguments.erp,):
        results[erp] = measure(erp, drawn, arguments)
    print(json.dumps(results, indent=2))
    failed = any(
        results[erp]["differences"]["count"]
        or results[erp]["refunds"]["differences"]["count"]
        or results[erp]["errors"]["count"]
        for erp in results
        if erp in ERPS
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
