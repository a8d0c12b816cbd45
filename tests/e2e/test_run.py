"""`brygga run` as a real process beside a Centra and a Fortnox sandbox: orders made in Centra
while it runs reach Fortnox within seconds by polling (the orders flow every 2 s, webhooks off
in the sandbox); /healthz, /readyz and /metrics answer with the figures the runs stored;
SIGTERM stops it with exit 0 and no run left "running"; a process killed in the middle of a
run and started again loses no order and duplicates none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from brygga.engine.integrations import FlowChoice
from brygga.pairs import pair_template
from tests.runtime.orders import (
    arrive,
    creating_an_order,
    in_fortnox,
    new_orders,
    query,
    wait_for,
)
from tests.support.integrations import SandboxIntegration as Setup
from tests.support.integrations import sandbox_integration
from tests.support.processes import free_port

NAME = "centra-fortnox"
EVERY = 2  # seconds between the orders flow's slots
METRICS_TOKEN = "prometheus-reads-this"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "4") as found:
        # Only the orders flow (it creates each order's customer first): the catalogue flows
        # would spend the module's time on the seeded catalogue.
        choices = {flow.name: FlowChoice(enabled=False) for flow in pair_template(NAME).flows}
        choices["orders"] = FlowChoice(settings={"schedule": {"every": f"{EVERY}s"}})
        found.configure(NAME, NAME, choices)
        yield found


class Brygga:
    """One `brygga run` process on the setup's home."""

    def __init__(self, setup: Setup, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "brygga",
            "run",
            "--home",
            str(setup.home),
            "--port",
            str(self.port),
            "--grace",
            "5",
        ]
        env = os.environ | {"BRYGGA_DATABASE_URL": "", "BRYGGA_METRICS_TOKEN": METRICS_TOKEN}
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
        wait_for(self._ready, f"brygga run never got ready; see {log}", 30)

    def _ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        text = httpx.get(f"{self.url}/metrics", headers=headers, timeout=10).text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def start(setup: Setup, tmp_path: Path) -> Iterator[Callable[[], Brygga]]:
    started: list[Brygga] = []

    def starter() -> Brygga:
        started.append(Brygga(setup, tmp_path / "brygga-run.log"))
        return started[-1]

    yield starter
    for brygga in started:
        if brygga.process.poll() is None:
            brygga.kill()


ORDER_RUNS = """
    SELECT r.status, r.created, r.requests, r.runtime_id FROM runs r
    JOIN flows f ON f.id = r.flow_id WHERE f.name = 'orders' ORDER BY r.id
"""


def test_orders_reach_fortnox_while_it_runs_and_sigterm_stops_it(setup, start):
    brygga = start()
    assert httpx.get(f"{brygga.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{brygga.url}/readyz").json() == {
        "status": "ready",
        "checks": {"database": "ok", "runtime": "ok"},
    }
    seconds = []
    for count in (3, 5):
        numbers = new_orders(setup, count)
        seconds.append(arrive(setup, numbers))
    assert max(seconds) < EVERY + 5, seconds  # a slot, and the run itself

    # The metrics are the runs' own figures, as the database keeps them.
    wait_for(
        lambda: all(run[0] != "running" for run in query(setup, ORDER_RUNS)), "a run did not end"
    )
    runs = query(setup, ORDER_RUNS)
    figures = brygga.metrics()
    flow = (("flow", "orders"), ("integration", NAME))
    created = figures[("brygga_records_total", (*flow, ("outcome", "created")))]
    assert created == sum(run[1] for run in runs) >= 8
    succeeded = (("flow", "orders"), ("integration", NAME), ("status", "succeeded"))
    assert figures[("brygga_runs_total", succeeded)] == len(runs) >= 2
    assert figures[("brygga_run_duration_seconds_count", flow)] == len(runs)
    requests = [
        figures[("brygga_api_requests_total", (("connection", c),))] for c in ("centra", "fortnox")
    ]
    assert all(requests) and sum(requests) == sum(run[2] for run in runs)
    assert figures[("brygga_api_rate_limited_total", (("connection", "fortnox"),))] == 0

    assert brygga.terminate() == 0
    assert [run for run in query(setup, ORDER_RUNS) if run[0] == "running"] == []
    assert query(setup, "SELECT count(*) FROM runtimes") == [(0,)]
    assert max(in_fortnox(setup).values()) == 1


def test_a_restart_in_the_middle_loses_nothing_and_duplicates_nothing(setup, start):
    brygga = start()
    made = new_orders(setup, 40)
    # Killed while a run has a create under way: the worst moment.
    wait_for(partial(creating_an_order, setup), "no run began creating", pause=0.002)
    brygga.kill()
    killed = brygga.process.pid
    made += new_orders(setup, 4)  # while nothing runs
    assert not set(made) <= set(in_fortnox(setup))

    brygga = start()
    arrive(setup, made)
    made += new_orders(setup, 3)
    arrive(setup, made)
    assert brygga.terminate() == 0

    orders = in_fortnox(setup)
    assert set(made) <= set(orders)
    assert max(orders.values()) == 1, orders.most_common(3)
    statuses = Counter(run[0] for run in query(setup, ORDER_RUNS))
    assert statuses["interrupted"] >= 1 and statuses["running"] == 0, statuses
    # Marked by the next process at its start: the killed one's process id is gone.
    (message,) = query(setup, "SELECT message FROM runs WHERE status = 'interrupted'")[0]
    assert f"pid {killed} on" in message, message


def test_a_mistake_in_its_config_file_stops_it_before_it_starts(tmp_path):
    config = tmp_path / "brygga.yaml"
    config.write_text("workspace: shop\nintegratons: []\n")
    command = [
        sys.executable,
        "-m",
        "brygga",
        "run",
        "--home",
        str(tmp_path / "home"),
        "--port",
        str(free_port()),
        "--config",
        str(config),
    ]
    env = os.environ | {"BRYGGA_DATABASE_URL": "", "COLUMNS": "200"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"{config}:2:1: unknown key 'integratons'" in done.stderr
    assert "runs at" not in done.stderr
