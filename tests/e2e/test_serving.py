"""`brygga demo --json` (without `--once`) prints its summary with the dashboard's address and
login once the first sync is done, and keeps serving; the dashboard shows the four pairs synced;
`brygga sync` runs flows against the sandboxes; Ctrl-C stops everything."""

import json
import re
import signal
import subprocess
import sys
import time

import httpx

from brygga.pairs import PAIRS
from tests.support.processes import assert_stopped, interruptible
from tests.support.sessions import logged_in


def brygga(home, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "brygga", *args, "--home", str(home)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def test_demo_serves_the_dashboard_until_interrupted_and_sync_runs_against_it(tmp_path):
    home = tmp_path / "home"
    log, out = tmp_path / "demo.log", tmp_path / "demo.json"
    command = [sys.executable, "-m", "brygga", "demo", "--json", "--home", str(home),
               "--no-rate-limit", "--orders", "12", "--dashboard-port", "0"]  # fmt: skip
    with log.open("w") as stderr, out.open("w") as stdout:
        demo = subprocess.Popen(command, stdout=stdout, stderr=stderr, preexec_fn=interruptible)
        try:
            deadline = time.monotonic() + 180
            while "Press Ctrl-C" not in log.read_text():
                assert demo.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the demo never got to serving"
                time.sleep(0.2)
            lines = out.read_text().splitlines()
            assert len(lines) == 1  # the whole document on one line
            summary = json.loads(lines[0])
            assert [i["name"] for i in summary["integrations"]] == list(PAIRS)
            dashboard = summary["dashboard"]
            assert dashboard["user"] == "demo@brygga.local"
            assert dashboard["password"] in log.read_text()  # also printed for a person
            sandboxes = {i["name"]: i["sandboxes"] for i in summary["integrations"]}
            urls = {system: s["base_url"] for system, s in sandboxes["centra-fortnox"].items()}
            assert httpx.get(f"{urls['fortnox']}/_sandbox/health").status_code == 200

            # The dashboard shows the four pairs synced: every flow ran to its end. Payments
            # of invoices the ERP staff credited in full wait in the error queue (a warning).
            web, _ = logged_in(dashboard["url"], dashboard["user"], dashboard["password"])
            shown = {i["name"]: i for i in web.get("/api/overview").json()["integrations"]}
            web.close()
            assert sorted(shown) == sorted(PAIRS)  # by name
            for synced in summary["integrations"]:
                pair = shown[synced["name"]]
                last_runs = {flow["name"]: flow["last_run"]["status"] for flow in pair["flows"]}
                assert last_runs == dict.fromkeys(synced["flows"], "succeeded"), pair
                failed = sum(counts["failed"] for counts in synced["flows"].values())
                assert pair["open_errors"] == failed
                assert pair["health"] == ("warning" if failed else "ok"), pair
                assert pair["moved_today"] > 0

            sync = brygga(home, "sync", "centra-fortnox", "orders")
            assert sync.returncode == 0, sync.stderr
            # Only the orders flow ran, and everything was already there.
            assert re.search(r"orders\s+│\s+\d+\s+│\s+0\s+│\s+0\s+│\s+\d+\s+│\s+0", sync.stderr)
            assert "│ customers" not in sync.stderr

            unknown = brygga(home, "sync", "no-such-integration", timeout=60)
            assert unknown.returncode == 2 and "no integration called" in unknown.stderr
        finally:
            demo.send_signal(signal.SIGINT)
            assert demo.wait(30) == 0
    # The sandboxes and the dashboard went with it.
    every = [s["base_url"] for pair in sandboxes.values() for s in pair.values()]
    for url in [*every, dashboard["url"]]:
        assert_stopped(url)
