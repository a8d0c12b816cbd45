"""Two integrations on one Centra environment share its rate limits (centra.md §2, DESIGN.md §3
invariant 5), first alone, then while another client steadily uses half of the quota.

One Centra sandbox enforces its real token buckets; centra-fortnox and centra-vismanet run in
this process, each with its own token and ERP sandbox (those without limits, so Centra's quota
is the bottleneck). Their catalogue was synced the day before (a first stock sync without
limits: 182 SKUs each would take minutes at the quota). Then:

1. alone: stock changes in both ERPs reach Centra. More requests than one window allows, so
   Brygga's own limiter must hold them back: no 429 at all;
2. shared: a neighbour sends 3 requests a second (30 of the 60 per 10 s; every third a
   mutation, 10 of the 20) for the whole phase, and both integrations sync customers, orders
   and another round of stock changes. Some 429s while the limiter finds Brygga's share, no
   failed record, everything arrives.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from brygga.demo import DEMO_CREDENTIALS
from brygga.engine.integrations import ConnectionSettings, FlowChoice, SyncReport, configure, sync
from brygga.sandbox.processes import SandboxProcess, launch_sandbox, start_sandbox
from brygga.store import Database, SecretBox
from tests.e2e.pair_states import Record, stock_in, visible_orders

ERPS = ("fortnox", "vismanet")
# Each ERP keeps the stock of its own Centra warehouse, so the two never write the same level.
WAREHOUSES = {"fortnox": "Main Warehouse", "vismanet": "Stockholm Store"}
ORDERS = 30
ALONE_STOCK_CHANGES = 40  # about 70 Centra requests in all: over one window's 60
SHARED_STOCK_CHANGES = 18  # about 44 Centra requests in all, against some 30 left per window
NEIGHBOUR_PER_SECOND = 3
# The neighbour's work: a read, and an idempotent write that stays out of Brygga's way.
NEIGHBOUR_QUERY = {"query": "{ warehouses { id name } }"}
NEIGHBOUR_MUTATION = {
    "query": "mutation Link($input: [IdConversionEntryInput!]!) { setIdConversions("
    "input: $input) { entries { id } userErrors { message } } }",
    "variables": {"input": [{"objectType": "Warehouse", "internalId": 1, "externalId": "w1"}]},
}


@dataclass
class Phase:
    """Both integrations' syncs, run side by side, between two `time.monotonic()` moments."""

    started: float
    ended: float
    reports: dict[str, SyncReport]

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def centra(self, stat: str) -> int:
        return sum(getattr(report.requests["centra"], stat) for report in self.reports.values())


@dataclass
class Neighbour:
    """Another client of the same Centra environment: requests on a steady schedule, every
    third a mutation. A refused request waits for its `Retry-After` and goes again, and the
    schedule catches up, as a well-behaved client keeps its share."""

    base_url: str
    token: str
    answered: list[float] = field(default_factory=list)  # when each request was admitted
    refused: list[float] = field(default_factory=list)  # when each 429 came
    failure: str | None = None  # an answer that was neither a 429 nor a success
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def served_between(self, start: float, end: float) -> int:
        return sum(1 for moment in self.answered if start <= moment <= end)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as http:
            started = time.monotonic()
            while not self._stop.is_set():
                sent = len(self.answered)
                body = NEIGHBOUR_MUTATION if sent % 3 == 2 else NEIGHBOUR_QUERY
                response = http.post("/graphql", json=body)
                if response.status_code == 429:
                    self.refused.append(time.monotonic())
                    self._stop.wait(float(response.headers["Retry-After"]))
                    continue
                if response.status_code != 200 or "errors" in response.json():
                    self.failure = f"{response.status_code} {response.text[:500]}"
                    return
                self.answered.append(time.monotonic())
                due = started + (sent + 1) / NEIGHBOUR_PER_SECOND
                self._stop.wait(max(0.0, due - time.monotonic()))


@dataclass
class SharedQuota:
    alone: Phase
    shared: Phase
    neighbour: Neighbour
    states: dict[str, Record]

    def summary(self) -> str:
        shared = self.shared
        served = self.neighbour.served_between(shared.started, shared.ended)
        return (
            f"alone: {self.alone.centra('requests')} Centra requests in "
            f"{self.alone.seconds:.1f} s, {self.alone.centra('throttled')} x 429; shared: "
            f"{shared.centra('requests')} Centra requests in {shared.seconds:.1f} s, "
            f"{shared.centra('throttled')} x 429; neighbour: {served} answered meanwhile, "
            f"{len(self.neighbour.refused)} x 429 in all"
        )


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedQuota]:
    home = tmp_path_factory.mktemp("shared-quota")
    args = ("--orders", str(ORDERS), "--no-rate-limit")
    centra = launch_sandbox("centra", home / "centra", *args)
    erps = {system: launch_sandbox(system, home / system, *args) for system in ERPS}
    sandboxes = [centra, *erps.values()]
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    neighbour: Neighbour | None = None
    try:
        for sandbox in sandboxes:
            sandbox.wait_until_up()
        db.migrate()
        box = SecretBox.from_environment(home)
        tokens = {system: new_token(centra) for system in (*ERPS, "neighbour")}
        connect(db, box, centra, erps, tokens, rate_limit=False)
        run_both(db, box, ["stock"])  # the day before: the catalogue's stock, without limits

        # The same environment, now with Centra's limits.
        centra.stop()
        port = int(centra.base_url.rsplit(":", 1)[1])
        sandboxes[0] = centra = start_sandbox("centra", home / "centra", port=port)
        connect(db, box, centra, erps, tokens, rate_limit=True)
        simulate(erps, stock_changes=ALONE_STOCK_CHANGES)
        alone = run_both(db, box, ["stock"])

        neighbour = Neighbour(centra.base_url, tokens["neighbour"])
        neighbour.start()
        time.sleep(10)  # a whole window: the buckets hold its steady half when Brygga starts
        simulate(erps, stock_changes=SHARED_STOCK_CHANGES)
        shared = run_both(db, box, ["customers", "orders", "stock"])
        neighbour.stop()
        states = {sandbox.system: sandbox.state() for sandbox in sandboxes}
        result = SharedQuota(alone, shared, neighbour, states)
        print(result.summary())
        yield result
    finally:
        if neighbour is not None:
            neighbour.stop()
        for sandbox in sandboxes:
            sandbox.stop()
        db.dispose()


def new_token(centra: SandboxProcess) -> str:
    """An integration token of its own, as each integration has in Centra (§1)."""
    response = httpx.post(f"{centra.base_url}/_sandbox/tokens", json={}, timeout=30)
    response.raise_for_status()
    return response.json()["token"]


def connect(
    db: Database,
    box: SecretBox,
    centra: SandboxProcess,
    erps: dict[str, SandboxProcess],
    tokens: dict[str, str],
    *,
    rate_limit: bool,
) -> None:
    for system, erp in erps.items():
        credentials = erp.credentials()
        stock = FlowChoice(settings={"centra_warehouse": WAREHOUSES[system]})
        configure(
            db,
            box,
            name=f"centra-{system}",
            pair=f"centra-{system}",
            shop=ConnectionSettings(
                f"centra-for-{system}",
                "centra",
                centra.base_url,
                {"token": tokens[system], "rate_limit": rate_limit},
            ),
            erp=ConnectionSettings(
                system,
                system,
                erp.base_url,
                {key: credentials[key] for key in DEMO_CREDENTIALS[system]} | {"rate_limit": False},
            ),
            flows={"stock": stock},
        )


def simulate(erps: dict[str, SandboxProcess], **work: int) -> None:
    for erp in erps.values():
        httpx.post(f"{erp.base_url}/_sandbox/simulate", json=work, timeout=60).raise_for_status()


def run_both(db: Database, box: SecretBox, flows: list[str]) -> Phase:
    """Both integrations' syncs side by side on one event loop, as the demo runs its pairs."""

    async def both() -> list[SyncReport]:
        return await asyncio.gather(*(sync(db, box, f"centra-{erp}", flows=flows) for erp in ERPS))

    started = time.monotonic()
    reports = asyncio.run(both())
    return Phase(started, time.monotonic(), dict(zip(ERPS, reports, strict=True)))


# --- alone --------------------------------------------------------------------------------


def test_alone_brygga_gets_no_429_though_it_asks_for_more_than_the_quota(run: SharedQuota):
    alone = run.alone
    assert alone.centra("requests") > 60  # one 10 s window of the Growth tier
    assert alone.centra("throttled") == 0, run.summary()
    assert alone.seconds >= 10  # Brygga's own limiter held the rest back for a window
    for report in alone.reports.values():
        assert report.errors == {} and report.flows["stock"].failed == 0
        assert report.flows["stock"].updated >= ALONE_STOCK_CHANGES // 2


# --- shared with a neighbour at half of the quota -----------------------------------------


def test_at_half_quota_no_record_fails(run: SharedQuota):
    for name, report in run.shared.reports.items():
        assert report.errors == {}, name
        assert set(report.flows) == {"customers", "orders", "stock"}
        for flow, counts in report.flows.items():
            assert counts.failed == 0, (name, flow, counts)
            assert counts.read > 0, (name, flow)


def test_the_quota_was_really_shared(run: SharedQuota):
    """The neighbour kept close to its 3 requests a second all along, Brygga's requests did
    not fit in the rest at once, and the limiter found Brygga's share with few 429s."""
    shared = run.shared
    assert run.neighbour.failure is None
    served = run.neighbour.served_between(shared.started, shared.ended)
    assert served >= 0.8 * NEIGHBOUR_PER_SECOND * shared.seconds, run.summary()
    assert shared.centra("requests") > 30  # more than half a window's quota
    assert shared.seconds >= 10, run.summary()
    # Measured: 1 or 2 (the first burst into what the neighbour left; with the rate only
    # paused, not lowered, it was 10 and the neighbour fell to 2.2 requests a second).
    assert shared.centra("throttled") <= 5, run.summary()
    # Measured: 8 to 10, one a second while the bucket stays full from Brygga's first burst.
    assert len(run.neighbour.refused) <= 15, run.summary()


def test_every_order_arrives_once_in_each_erp(run: SharedQuota):
    centra, fortnox, visma = (run.states[system] for system in ("centra", *ERPS))
    expected = Counter(str(order["number"]) for order in visible_orders(centra))
    assert len(expected) >= ORDERS - 3
    assert Counter(order["ExternalInvoiceReference1"] for order in fortnox["orders"]) == expected
    assert Counter(order["customer"]["order"] for order in visma["sales_orders"]) == expected


def test_each_warehouse_holds_its_erps_stock(run: SharedQuota):
    centra, fortnox, visma = (run.states[system] for system in ("centra", *ERPS))
    erp_stock = {
        "fortnox": {
            article["ArticleNumber"]: max(0, int(article["QuantityInStock"]))
            for article in fortnox["articles"]
            if article["StockGoods"]
        },
        "vismanet": {
            item["inventoryNumber"]: max(
                0, int(sum(w["quantityOnHand"] for w in item["warehouseDetails"]))
            )
            for item in visma["inventory"]
            if item["stockItem"]
        },
    }
    for system, levels in erp_stock.items():
        in_centra = stock_in(centra, WAREHOUSES[system])
        assert len(levels) > 100
        assert {sku: in_centra[sku] for sku in levels} == levels, system
