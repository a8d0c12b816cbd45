"""Real Brygga processes for tests: the same launcher the demo and the benchmarks use."""

from brygga.sandbox.processes import SandboxProcess, free_port, start_sandbox, wait_until_up

__all__ = ["SandboxProcess", "free_port", "start_sandbox", "wait_until_up"]
