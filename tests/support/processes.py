"""Real Brygga processes for tests: the same launcher the demo and the benchmarks use."""

import signal
from collections.abc import Callable, Iterator

import httpx
import pytest

from brygga.sandbox.processes import SandboxProcess, free_port, start_sandbox, wait_until_up

__all__ = [
    "SandboxProcess",
    "assert_stopped",
    "free_port",
    "interruptible",
    "sandbox_fixture",
    "start_sandbox",
    "wait_until_up",
]


def sandbox_fixture(system: str) -> Callable[..., Iterator[SandboxProcess]]:
    """A module-scoped fixture: one `system` sandbox, without rate limits, for the module."""

    @pytest.fixture(scope="module")
    def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
        process = start_sandbox(system, tmp_path_factory.mktemp(system), "--no-rate-limit")
        yield process
        process.stop()

    return sandbox


def assert_stopped(base_url: str) -> None:
    """Nothing answers at `base_url` any more: the sandbox went with its parent."""
    try:
        httpx.get(f"{base_url}/_sandbox/health", timeout=2)
    except httpx.TransportError:
        return
    raise AssertionError(f"{base_url} still answers")


def interruptible() -> None:
    """A child's `preexec_fn`: Ctrl-C (SIGINT) works in it, even when the tests themselves run
    in the background, where the shell starts them with SIGINT ignored (and a child inherits
    that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
