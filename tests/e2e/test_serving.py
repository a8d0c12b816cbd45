"""`brygga demo` keeps serving after its sync; `brygga sync` runs flows against it; Ctrl-C
stops everything."""

import re
import signal
import subprocess
import sys
import time

import httpx

from tests.support.processes import assert_stopped


def test_demo_serves_until_interrupted_and_sync_runs_against_it(tmp_path):
    home = tmp_path / "home"
    log = tmp_path / "demo.log"
    with log.open("w") as stderr:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "brygga",
                "demo",
                "--home",
                str(home),
                "--no-rate-limit",
                "--orders",
                "30",
                "--pair",
                "centra-fortnox",
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 180
            while "Press Ctrl-C" not in log.read_text():
                assert demo.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the demo never got to serving"
                time.sleep(0.2)
            served = r"centra-fortnox: (centra|fortnox) sandbox at (http://\S+)"
            urls = dict(re.findall(served, log.read_text()))
            assert httpx.get(f"{urls['fortnox']}/_sandbox/health").status_code == 200

            sync = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "brygga",
                    "sync",
                    "centra-fortnox",
                    "orders",
                    "--home",
                    str(home),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert sync.returncode == 0, sync.stderr
            # Only the orders flow ran, and everything was already there.
            assert re.search(r"orders\s+│\s+\d+\s+│\s+0\s+│\s+0\s+│\s+\d+\s+│\s+0", sync.stderr)
            assert "│ customers" not in sync.stderr

            unknown = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "brygga",
                    "sync",
                    "no-such-integration",
                    "--home",
                    str(home),
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert unknown.returncode == 2 and "no integration called" in unknown.stderr
        finally:
            demo.send_signal(signal.SIGINT)
            assert demo.wait(30) == 0
    # The sandboxes went with it.
    for url in urls.values():
        assert_stopped(url)
