"""Run sandboxes as child processes on free local ports (the demo, the benchmarks, the tests)."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import simplejson


def free_port() -> int:
    """A free port below Linux's ephemeral range (32768+), so that outgoing connections cannot
    take it between this check and the child process binding it."""
    for _ in range(50):
        port = random.randrange(20_000, 32_000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_with_parent() -> None:
    """Linux: the kernel kills the child when its parent dies, even by SIGKILL, so a killed
    demo leaves no sandbox behind holding its port and data directory."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL)


@dataclass
class SandboxProcess:
    system: str
    base_url: str
    process: subprocess.Popen[bytes]

    def credentials(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/_sandbox/credentials", timeout=30).json()

    def raw_state(self) -> bytes:
        """`GET /_sandbox/state`: the sandbox's whole dataset, as JSON bytes."""
        response = httpx.get(f"{self.base_url}/_sandbox/state", timeout=60)
        response.raise_for_status()
        return response.content

    def state(self) -> dict[str, Any]:
        return simplejson.loads(self.raw_state(), use_decimal=True)

    def wait_until_up(self, timeout: float = 60) -> None:
        try:
            wait_until_up(self.base_url, self.process, timeout)
        except BaseException:
            self.process.kill()
            raise

    def stop(self) -> None:
        stop_all([self])


def stop_all(sandboxes: list[SandboxProcess], grace: float = 10) -> None:
    """Ask every sandbox to stop at once, then wait for them together (killing any that take
    longer than `grace` seconds), so stopping several takes as long as the slowest."""
    running = [s.process for s in sandboxes if s.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_sandbox(
    system: str,
    data_dir: Path | None,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    port: int | None = None,
) -> SandboxProcess:
    """`brygga sandbox serve SYSTEM` as a child process; returns once it answers."""
    sandbox = launch_sandbox(system, data_dir, *args, env=env, port=port)
    sandbox.wait_until_up(timeout)
    return sandbox


def launch_sandbox(
    system: str,
    data_dir: Path | None,
    *args: str,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> SandboxProcess:
    """Start the process and return at once, so several sandboxes can seed side by side."""
    port = port or free_port()
    command = [sys.executable, "-m", "brygga", "sandbox", "serve", system, "--port", str(port)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [*command, *args],
        env={**os.environ, **(env or {})},
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
    )
    return SandboxProcess(system, f"http://127.0.0.1:{port}", process)


def wait_until_up(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited with {process.returncode} before answering")
        try:
            httpx.get(f"{base_url}/_sandbox/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{base_url} did not answer within {timeout} s")
