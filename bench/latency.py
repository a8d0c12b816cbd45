"""Latency from a shop order to the ERP (issue 8): `brygga run` as a real process beside a Centra
and a Fortnox sandbox, the Centra sandbox's signed webhooks pointed at it, and the orders flow
scheduled once a year, so every order goes the real-time path (webhook → inbox → targeted
sync). Orders are placed in Centra at a steady rate; for each, the time from placing it to its
creation in Fortnox. It prints measured figures; it is not a pass/fail test.

make bench-latency
.venv/bin/python bench/latency.py --orders 500 --rate 5
.venv/bin/python bench/latency.py --orders 500 --rate 3 --real-limits

Placed: when the bench sent `POST /_sandbox/simulate {"orders": 1}` (the sandbox makes the order
while answering it; the round trip is printed, as it counts into each figure). Created in
Fortnox: the `timestamp` of the sandbox's `orders` topic event (`order-created-v1`, fact sheet
§5.1), read over the WebSocket topics API: the ERP's own clock, the same machine's, to the
millisecond, and no request against the ERP's rate limit. The Fortnox order is matched to the
Centra order by `YourOrderNumber` from the sandbox's state once the run is over.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's `tests`

from tests.e2e.test_run import Brygga
from tests.support.integrations import SandboxIntegration

from brygga.connectors import registry
from brygga.connectors.fortnox.topics import TenantAccess, TopicsClient, topics_url
from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.pairs import pair_template
from brygga.sandbox.processes import SandboxProcess, launch_sandbox
from brygga.store import Database, InboxEvent, Run, SecretBox

PAIR = "centra-fortnox"
SECRET = "whsec-latency"
NEVER = {"cron": "0 0 1 1 *"}  # the orders flow's schedule: no polling run during the bench
SHOP_ORDERS = "20"  # seeded Centra orders: their customers place the new ones


@dataclass
class Measured:
    placed: dict[str, float] = field(default_factory=dict)  # Centra number → sent (epoch s)
    round_trips: list[float] = field(default_factory=list)  # seconds per simulate call
    created: dict[str, float] = field(default_factory=dict)  # Fortnox number → created (epoch s)
    seen: dict[str, float] = field(default_factory=dict)  # Fortnox number → event read (epoch s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=500, help="orders to place (500)")
    parser.add_argument("--rate", type=float, default=5.0, help="orders per second (5)")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds after which an order counts as lost"
    )
    parser.add_argument(
        "--real-limits",
        action="store_true",
        help="the sandboxes' rate limits on, and Brygga pacing itself (default: both off)",
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        bench(Path(directory), arguments)


def bench(home: Path, arguments: argparse.Namespace) -> None:
    limits = () if arguments.real_limits else ("--no-rate-limit",)
    shop = launch_sandbox("centra", home / "centra", *limits, "--orders", SHOP_ORDERS)
    erp = launch_sandbox("fortnox", home / "fortnox", *limits)
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    brygga: Brygga | None = None
    try:
        for sandbox in (shop, erp):
            sandbox.wait_until_up(120)
        db.migrate()
        setup = SandboxIntegration(home, db, SecretBox.from_environment(home), shop, erp)
        _configure(setup, arguments.real_limits)
        brygga = Brygga(setup, home / "brygga-run.log")
        target = {"url": f"{brygga.url}/webhooks/centra/centra", "secret": SECRET}
        httpx.post(f"{shop.base_url}/_sandbox/webhooks", json=target).raise_for_status()
        measured = asyncio.run(_measure(setup, arguments))
        _report(setup, measured, arguments)
        assert brygga.terminate() == 0, f"brygga run did not stop cleanly; see {brygga.log}"
    finally:
        if brygga is not None and brygga.process.poll() is None:
            brygga.kill()
        db.dispose()
        for sandbox in (shop, erp):
            sandbox.stop()


def _configure(setup: SandboxIntegration, real_limits: bool) -> None:
    """Only the orders flow (it creates each order's customer first), never due."""
    choices = {flow.name: FlowChoice(enabled=False) for flow in pair_template(PAIR).flows}
    choices["orders"] = FlowChoice(settings={"schedule": NEVER})
    signed = {"webhook_secret": SECRET}
    shop, erp = (
        ConnectionSettings(
            s.system, s.system, s.base_url, connection_settings(s, real_limits) | extra
        )
        for s, extra in ((setup.shop, signed), (setup.erp, {}))
    )
    configure(setup.db, setup.box, name=PAIR, pair=PAIR, shop=shop, erp=erp, flows=choices)


async def _measure(setup: SandboxIntegration, arguments: argparse.Namespace) -> Measured:
    measured = Measured()
    url = topics_url(setup.erp.base_url)
    feed = TopicsClient(url, partial(_access, setup.erp), topics=("orders",))
    following = asyncio.create_task(_follow(feed, measured))
    try:
        connected = asyncio.create_task(feed.connected.wait())
        await asyncio.wait([connected, following], timeout=30, return_when="FIRST_COMPLETED")
        if not connected.done():
            connected.cancel()
            if following.done():
                following.result()  # raises what stopped it
            raise RuntimeError("could not follow the Fortnox sandbox's orders topic")
        await _place(setup.shop, arguments.orders, arguments.rate, measured)
        deadline = time.time() + arguments.timeout
        while len(measured.created) < arguments.orders and time.time() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)  # a duplicate would come soon after
    finally:
        following.cancel()
    return measured


@asynccontextmanager
async def _access(erp: SandboxProcess) -> AsyncIterator[TenantAccess]:
    """The bench's own token of the demo company (its service account, fact sheet §1)."""
    credentials = connection_settings(erp, rate_limit=False)
    client = registry.open_client("fortnox", erp.base_url, credentials, lambda _: None)
    try:
        yield TenantAccess(credentials["client_secret"], client.http.auth)
    finally:
        await client.aclose()


async def _follow(feed: TopicsClient, measured: Measured) -> None:
    async for event in feed.events():
        if event["type"] == "order-created-v1":
            measured.seen[str(event["entityId"])] = time.time()
            stamp = datetime.fromisoformat(event["timestamp"]).astimezone(UTC)
            measured.created[str(event["entityId"])] = stamp.timestamp()


async def _place(shop: SandboxProcess, count: int, rate: float, measured: Measured) -> None:
    """One order at a time at a steady rate (a late call is not made up for by a burst)."""
    began = time.monotonic()
    async with httpx.AsyncClient(base_url=shop.base_url, timeout=30) as http:
        for index in range(count):
            await asyncio.sleep(max(0.0, began + index / rate - time.monotonic()))
            sent, started = time.time(), time.perf_counter()
            response = await http.post("/_sandbox/simulate", json={"orders": 1})
            measured.round_trips.append(time.perf_counter() - started)
            (number,) = response.raise_for_status().json()["orders"]
            measured.placed[str(number)] = sent


def _report(setup: SandboxIntegration, measured: Measured, arguments: argparse.Namespace) -> None:
    fortnox = setup.erp.state().get("orders", [])
    reference = {str(o["DocumentNumber"]): o["YourOrderNumber"] for o in fortnox}
    copies = Counter(reference.values())
    arrived: dict[str, float] = {}  # Centra number → its first Fortnox order's creation
    for document, created in measured.created.items():
        number = reference.get(document)
        if number in measured.placed:
            arrived[number] = min(created, arrived.get(number, created))
    latencies = {
        number: arrived[number] - placed
        for number, placed in measured.placed.items()
        if number in arrived and arrived[number] - placed <= arguments.timeout
    }
    limits = "on (Brygga paces itself)" if arguments.real_limits else "off"
    sent = sorted(measured.placed.values())
    rate = (len(sent) - 1) / max(sent[-1] - sent[0], 1e-9)
    print(f"{PAIR}: {len(measured.placed)} orders placed at {rate:.2f}/s "
          f"(asked {arguments.rate:g}/s), sandbox rate limits {limits}")  # fmt: skip
    print(f"  shop order placed → created in the ERP: {_figures(list(latencies.values()))}")
    print(f"  count {len(latencies)}, lost {len(measured.placed) - len(latencies)} "
          f"(none within {arguments.timeout:g} s), duplicates "
          f"{sum(copies[n] - 1 for n in measured.placed if copies[n] > 1)}")  # fmt: skip
    print(f"  placing round trip (counted in each figure): {_figures(measured.round_trips)}")
    _where_the_time_goes(setup, measured, arrived)


def _where_the_time_goes(
    setup: SandboxIntegration, measured: Measured, arrived: dict[str, float]
) -> None:
    """The figure split at the webhook's arrival in Brygga's inbox (its `received_at`)."""
    with setup.db.session() as session:
        events = session.scalars(select(InboxEvent).where(InboxEvent.topic == "order.create"))
        received = {
            str(e.payload["id"]): e.received_at.replace(tzinfo=UTC).timestamp() for e in events
        }
    numbers = [n for n in measured.placed if n in received and n in arrived]
    delivery = [received[n] - measured.placed[n] for n in numbers]
    handling = [arrived[n] - received[n] for n in numbers]
    print(f"  placed → webhook in the inbox: {_figures(delivery)}")
    print(f"  inbox → created in the ERP (event handling, Centra read, Fortnox writes): "
          f"{_figures(handling)}")  # fmt: skip
    with setup.db.session() as session:
        runs, throttled = session.execute(select(func.count(), func.sum(Run.rate_limited))).one()
    print(f"  {runs} targeted syncs (events that come while one runs wait for the next), "
          f"{throttled or 0} requests answered 429")  # fmt: skip
    feed = [measured.seen[d] - c for d, c in measured.created.items() if d in measured.seen]
    print(f"  (the bench reads the ERP's event {_figures(feed)} after its timestamp; not counted)")


def _figures(seconds: list[float]) -> str:
    if not seconds:
        return "none"
    ms = sorted(1000 * s for s in seconds)
    cut = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return (f"p50 {cut[49]:.0f} ms, p95 {cut[94]:.0f} ms, p99 {cut[98]:.0f} ms, "
            f"max {ms[-1]:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
