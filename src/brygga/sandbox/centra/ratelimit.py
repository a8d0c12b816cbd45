"""Centra's rate limits: token buckets per environment, shared by every token (fact sheet §2).

Three buckets (requests, query complexity, mutations) over two windows each; a request must fit
in all six and a refused request takes nothing. The `rateLimits` query reports the same buckets.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
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
    """`quota` tokens; a spent token comes back `interval` seconds after it was spent.

    Centra documents a token bucket refilled at a constant rate but not the refill's step
    (§2); returning each token one interval after use makes the quota exact per window: the
    61st request inside ten seconds is refused, whatever the pace of the first sixty.
    """

    type: str
    interval: str
    quota: int
    used: int = 0
    # (time slot, tokens spent in it), oldest first; slots keep the log short at high volume.
    spent: deque[tuple[float, int]] = field(default_factory=deque)

    @property
    def seconds(self) -> int:
        return INTERVALS[self.interval]

    def refill(self, now: float) -> None:
        while self.spent and self.spent[0][0] + self.seconds <= now:
            self.used -= self.spent.popleft()[1]

    def wait(self, cost: int, now: float) -> float:
        """Seconds until `cost` tokens are there. A cost above the whole quota needs a full
        bucket (and drains it) rather than waiting forever."""
        excess = self.used + min(cost, self.quota) - self.quota
        resume = now - self.seconds
        for slot, tokens in self.spent:  # oldest first: they come back first
            if excess <= 0:
                break
            excess -= tokens
            resume = slot
        return max(0.0, resume + self.seconds - now)

    def take(self, cost: int, now: float) -> None:
        if cost <= 0:
            return
        slot = math.ceil(now * 10) / 10  # a token may come back up to 0.1 s late, never early
        if self.spent and self.spent[-1][0] == slot:
            self.spent[-1] = (slot, self.spent[-1][1] + cost)
        else:
            self.spent.append((slot, cost))
        self.used += cost


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
            wait = max(bucket.wait(costs[bucket.type], now) for bucket in self._buckets)
            if self.enforce and wait > 0:
                return wait
            for bucket in self._buckets:
                # A cost above the quota drains the bucket, as `wait` let it.
                bucket.take(min(costs[bucket.type], bucket.quota), now)
            return 0.0

    def usage(self) -> list[dict[str, Any]]:
        """The `rateLimits` entries."""
        now = time.monotonic()
        with self._lock:
            entries = []
            for bucket in self._buckets:
                bucket.refill(now)
                used = min(bucket.used, bucket.quota)  # unenforced limits can overspend
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
