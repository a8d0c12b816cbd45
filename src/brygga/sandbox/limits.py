"""Server-side rate limiting for the sandboxes: exact sliding windows, as the real APIs count."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindow:
    """At most `limit` hits per `period` seconds per key, counted over a sliding window.

    `hit` answers 0 when the hit is admitted, otherwise the seconds until it would be.
    A refused hit is not counted (the real APIs do not count requests they answer with 429).
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.period:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.period - now
            hits.append(now)
            return 0.0
