"""`brygga sandbox serve all --json`: four sandboxes, one JSON line for scripts."""

import json
import signal
import subprocess
import sys

import httpx

from tests.support.processes import free_port


def test_serve_all_prints_urls_and_credentials_then_stops_on_ctrl_c(tmp_path):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "brygga",
        "sandbox",
        "serve",
        "all",
        "--json",
        "--port",
        str(port),
        "--orders",
        "10",
        "--data-dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        listing = json.loads(process.stdout.readline())
        assert list(listing) == ["centra", "fortnox", "magento", "vismanet"]
        assert [s["base_url"] for s in listing.values()] == [
            f"http://127.0.0.1:{port + offset}" for offset in range(4)
        ]
        credentials = {name: s["credentials"] for name, s in listing.items()}
        assert credentials["centra"]["token"]
        assert {"client_id", "client_secret", "tenant_id"} <= set(credentials["fortnox"])
        assert {"consumer_key", "consumer_secret", "access_token", "access_token_secret"} <= set(
            credentials["magento"]
        )
        assert {"client_id", "client_secret"} <= set(credentials["vismanet"])
        for details in listing.values():
            assert httpx.get(f"{details['base_url']}/_sandbox/health").status_code == 200
        assert {p.name for p in tmp_path.iterdir()} >= {"centra", "fortnox", "magento", "vismanet"}
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
    for details in listing.values():
        try:
            httpx.get(f"{details['base_url']}/_sandbox/health", timeout=2)
            raise AssertionError(f"{details['base_url']} still answers")
        except httpx.TransportError:
            pass
