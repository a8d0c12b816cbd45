"""Centra's rate limits: token buckets per environment, shared by every token (fact sheet §2).

Three buckets (requests, query complexity, mutations) over two windows each; a request must fit
in all six. The `rateLimits` query reports the same buckets.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Literal

INTERVALS = {"TEN_SECONDS": 10, "ONE_HOUR": 3600}

# The Growth tier, Centra's default: (bucket, interval, quota).
GROWTH_QUOTAS = (
    ("REQUEST_COUNT", "TEN_SECONDS", 60),
    ("REQUEST_COUNT", "ONE_HOUR", 5_000),
    ("QUERY_COMPLEXITY", "TEN_SECONDS", 250_000),
    ("QUERY_COMPLEXITY", "ONE_HOUR", 30_000_000),
    ("MUTATION_COUNT", "TEN_SECONDS", 20),
    ("MUTATION_COUNT", "ONE_HOUR", 1_800),
)

# Centra says `Retry-After` is when requests may resume but not in which format (§2).
RetryAfterFormat = Literal["delta", "epoch", "http-date"]


@dataclass
class TokenBucket:
    """`quota` tokens, refilled evenly over `interval` seconds."""

    type: str
    interval: str
    quota: int
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.quota)

    @property
    def rate(self) -> float:
        return self.quota / INTERVALS[self.interval]

    def refill(self, now: float) -> None:
        self.tokens = min(self.quota, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self, cost: int) -> float:
        """Seconds until `cost` tokens are there. A cost above the whole quota needs a full
        bucket (and drains it) rather than waiting forever."""
        missing = min(cost, self.quota) - self.tokens
        return max(missing, 0) / self.rate

    def used(self) -> int:
        return min(self.quota, math.ceil(self.quota - self.tokens))


class RateLimiter:
    """The six buckets of one environment. With `enforce=False` usage is still counted (the
    `rateLimits` query shows it) but nothing is refused."""

    def __init__(self, enforce: bool = True) -> None:
        self.enforce = enforce
        self._buckets = [TokenBucket(*quota) for quota in GROWTH_QUOTAS]
        self._lock = threading.Lock()

    def charge(self, complexity: int, mutations: int) -> float:
        """Take one request's tokens; 0 when admitted, else the seconds to wait (nothing taken,
        as a refused request does not count)."""
        costs = {"REQUEST_COUNT": 1, "QUERY_COMPLEXITY": complexity, "MUTATION_COUNT": mutations}
        now = time.monotonic()
        with self._lock:
            for bucket in self._buckets:
                bucket.refill(now)
            wait = max(bucket.wait(costs[bucket.type]) for bucket in self._buckets)
            if self.enforce and wait > 0:
                return wait
            for bucket in self._buckets:
                bucket.tokens = max(0.0, bucket.tokens - costs[bucket.type])
            return 0.0

    def usage(self) -> list[dict[str, Any]]:
        """The `rateLimits` entries."""
        now = time.monotonic()
        with self._lock:
            entries = []
            for bucket in self._buckets:
                bucket.refill(now)
                used = bucket.used()
                entries.append(
                    {
                        "type": bucket.type,
                        "intervalSeconds": bucket.interval,
                        "quota": bucket.quota,
                        "usedQuota": used,
                        "remainingQuota": bucket.quota - used,
                    }
                )
            return entries


def retry_after(wait: float, style: RetryAfterFormat = "delta") -> str:
    """The `Retry-After` value for a wait: delta seconds, epoch seconds or an HTTP-date."""
    seconds = max(1, math.ceil(wait))
    if style == "delta":
        return str(seconds)
    resume = datetime.now(UTC) + timedelta(seconds=seconds)
    if style == "epoch":
        return str(math.ceil(resume.timestamp()))
    return format_datetime(resume, usegmt=True)
