"""Start real Brygga processes (sandboxes, the CLI) for tests, over loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SandboxProcess:
    system: str
    base_url: str
    process: subprocess.Popen

    def state(self) -> dict:
        return httpx.get(f"{self.base_url}/_sandbox/state", timeout=30).json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_sandbox(system: str, data_dir: Path | None, *args: str) -> SandboxProcess:
    """`brygga sandbox serve SYSTEM` as a child process; returns once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "brygga", "sandbox", "serve", system, "--port", str(port)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    process = subprocess.Popen([*command, *args], env=os.environ.copy())
    base_url = f"http://127.0.0.1:{port}"
    wait_until_up(base_url, process)
    return SandboxProcess(system, base_url, process)


def wait_until_up(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before answering")
        try:
            httpx.get(f"{base_url}/_sandbox/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise TimeoutError(f"{base_url} did not answer within {timeout} s")
