"""The campaign's weather: fault settings on every sandbox, and a background thread that
raises 429 storms and expires access tokens at random moments while Brygga runs."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from brygga.sandbox.processes import SandboxProcess

# Each ERP sandbox's control that makes every access token issued so far refused (401).
EXPIRE_TOKENS = {"fortnox": "/_sandbox/expire-tokens", "vismanet": "/_sandbox/revoke-tokens"}


@dataclass(frozen=True)
class Weather:
    """What the sandboxes do wrong while the campaign's faults are on."""

    error_rate: float = 0.10  # answered 500
    drop_rate: float = 0.02  # carried out, then the connection cut before the answer
    latency_ms: int = 200
    latency_jitter_ms: int = 100
    storm_every: tuple[float, float] = (5.0, 15.0)  # seconds between 429 storms
    storm_seconds: float = 2.0
    retry_after: int = 1
    expiry_every: tuple[float, float] = (5.0, 15.0)  # seconds between token expiries

    def faults(self, storm_seconds: float = 0) -> dict[str, Any]:
        return {
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "storm_seconds": storm_seconds,
            "retry_after": self.retry_after,
        }


def set_faults(sandbox: SandboxProcess, faults: dict[str, Any]) -> None:
    httpx.post(f"{sandbox.base_url}/_sandbox/faults", json=faults, timeout=30).raise_for_status()


def injected(sandbox: SandboxProcess) -> Counter[str]:
    """The faults the sandbox injected since it started, by kind."""
    answer = httpx.get(f"{sandbox.base_url}/_sandbox/faults", timeout=30)
    answer.raise_for_status()
    return Counter(answer.json()["injected"])


class Chaos(threading.Thread):
    """429 storms on a random sandbox and token expiries on a random ERP, at random moments,
    until stopped. `events` counts them by kind."""

    def __init__(self, sandboxes: list[SandboxProcess], weather: Weather, seed: int) -> None:
        super().__init__(name="campaign-chaos", daemon=True)
        self.sandboxes = sandboxes
        self.erps = [s for s in sandboxes if s.system in EXPIRE_TOKENS]
        self.weather = weather
        self.random = random.Random(seed)
        self.events: Counter[str] = Counter()
        self.stopped = threading.Event()

    def __enter__(self) -> Chaos:
        for sandbox in self.sandboxes:
            set_faults(sandbox, self.weather.faults())
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.join(30)
        for sandbox in self.sandboxes:
            set_faults(sandbox, {})

    def run(self) -> None:
        now = time.monotonic()
        storm = self._after(now, self.weather.storm_every)
        expiry = self._after(now, self.weather.expiry_every)
        while not self.stopped.wait(0.1):
            now = time.monotonic()
            try:
                if now >= storm:
                    storm = self._after(now, self.weather.storm_every)
                    sandbox = self.random.choice(self.sandboxes)
                    set_faults(sandbox, self.weather.faults(self.weather.storm_seconds))
                    self.events["429 storms"] += 1
                if now >= expiry and self.erps:
                    expiry = self._after(now, self.weather.expiry_every)
                    sandbox = self.random.choice(self.erps)
                    url = f"{sandbox.base_url}{EXPIRE_TOKENS[sandbox.system]}"
                    httpx.post(url, timeout=30).raise_for_status()
                    self.events["token expiries"] += 1
            except httpx.HTTPError:  # a control call lost is only a fault less
                self.events["control calls failed"] += 1

    def _after(self, now: float, spread: tuple[float, float]) -> float:
        return now + self.random.uniform(*spread)
