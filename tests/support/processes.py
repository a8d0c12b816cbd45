"""Real Brygga processes for tests: the same launcher the demo and the benchmarks use."""

import httpx

from brygga.sandbox.processes import SandboxProcess, free_port, start_sandbox, wait_until_up

__all__ = ["SandboxProcess", "assert_stopped", "free_port", "start_sandbox", "wait_until_up"]


def assert_stopped(base_url: str) -> None:
    """Nothing answers at `base_url` any more: the sandbox went with its parent."""
    try:
        httpx.get(f"{base_url}/_sandbox/health", timeout=2)
    except httpx.TransportError:
        return
    raise AssertionError(f"{base_url} still answers")
