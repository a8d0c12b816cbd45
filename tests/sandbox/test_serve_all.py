"""`brygga sandbox serve all --json`: four sandboxes, one JSON line for scripts."""

import json
import random
import signal
import socket
import subprocess
import sys

import httpx

from tests.support.processes import assert_stopped, interruptible


def free_ports_in_a_row(count: int) -> int:
    """The first of `count` consecutive free ports (serve all takes consecutive ports), below
    Linux's ephemeral range so outgoing connections do not take them meanwhile."""
    for _ in range(100):
        first = random.randrange(20_000, 30_000)
        try:
            sockets = []
            for port in range(first, first + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports")


def test_serve_all_prints_urls_and_credentials_then_stops_on_ctrl_c(tmp_path):
    port = free_ports_in_a_row(4)
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
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, preexec_fn=interruptible)
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
        assert_stopped(details["base_url"])
