"""`brygga demo --json` (without `--once`) prints its summary with the dashboard's address and
login once the first sync is done, and keeps serving; the dashboard shows the synced pair;
`brygga sync` runs flows against the sandboxes; Ctrl-C stops everything."""

import json
import re
import signal
import subprocess
import sys
import time

import httpx

from tests.support.processes import assert_stopped
from tests.support.sessions import logged_in


def brygga(home, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "brygga", *args, "--home", str(home)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def test_demo_serves_the_dashboard_until_interrupted_and_sync_runs_against_it(tmp_path):
    home = tmp_path / "home"
    log, out = tmp_path / "demo.log", tmp_path / "demo.json"
    command = [sys.executable, "-m", "brygga", "demo", "--json", "--home", str(home),
               "--no-rate-limit", "--orders", "30", "--pair", "centra-fortnox",
               "--dashboard-port", "0"]  # fmt: skip
    with log.open("w") as stderr, out.open("w") as stdout:
        demo = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        try:
            deadline = time.monotonic() + 180
            while "Press Ctrl-C" not in log.read_text():
                assert demo.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the demo never got to serving"
                time.sleep(0.2)
            lines = out.read_text().splitlines()
            assert len(lines) == 1  # the whole document on one line
            summary = json.loads(lines[0])
            assert [i["name"] for i in summary["integrations"]] == ["centra-fortnox"]
            dashboard = summary["dashboard"]
            assert dashboard["user"] == "demo@brygga.local"
            assert dashboard["password"] in log.read_text()  # also printed for a person
            urls = {system: s["base_url"]
                    for system, s in summary["integrations"][0]["sandboxes"].items()}  # fmt: skip
            assert httpx.get(f"{urls['fortnox']}/_sandbox/health").status_code == 200

            web, _ = logged_in(dashboard["url"], dashboard["user"], dashboard["password"])
            overview = web.get("/api/overview").json()
            (shown,) = overview["integrations"]
            assert shown["name"] == "centra-fortnox"
            # Synced: every flow ran to its end. The two payments of invoices the ERP
            # staff credited in full wait in the error queue, which is a warning.
            assert {f["name"]: f["last_run"]["status"] for f in shown["flows"]} == dict.fromkeys(
                summary["integrations"][0]["flows"], "succeeded"
            )
            assert shown["open_errors"] == 2 and shown["health"] == "warning", shown
            assert shown["moved_today"] > 0
            web.close()

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
    for url in [*urls.values(), dashboard["url"]]:
        assert_stopped(url)
