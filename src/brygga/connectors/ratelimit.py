"""Client-side rate limiting, one budget per connection (DESIGN.md §3 invariant 5)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any


class SlidingWindowLimiter:
    """At most `limit` requests in any `period` seconds, like the servers count them.

    `margin` widens the window a little: the server sees a request later than we send it, so a
    window that is exactly the server's can still overrun it.
    """

    def __init__(self, limit: int, period: float, margin: float = 0.5) -> None:
        self.limit = limit
        self.period = period + margin
        self._sent: deque[float] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a budget outlives an event loop; its lock cannot
            self._loop, self._lock = loop, asyncio.Lock()
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                wait = self._paused_until - now
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.period - now)
                if wait <= 0:
                    self._sent.append(now)
                    return
                await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller of this connection, e.g. after a 429 said when to come back."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


# One budget per account and limit in this process, whatever number of clients use it: each
# sync opens its own clients, and the server counts the account's requests, not a client's.
_BUDGETS: dict[tuple[str, int, float], SlidingWindowLimiter] = {}


def client_limiter(
    settings: dict[str, Any], account: str, limit: int, period: float
) -> SlidingWindowLimiter | None:
    """The documented budget of `account` (what the server counts by, e.g. a Centra
    environment or a Fortnox client and tenant), unless the connection says
    `"rate_limit": false` — only for a server without limits, such as a sandbox started with
    `--no-rate-limit`. 429s are still honoured either way."""
    if not settings.get("rate_limit", True):
        return None
    key = (account, limit, period)
    if key not in _BUDGETS:
        _BUDGETS[key] = SlidingWindowLimiter(limit, period)
    return _BUDGETS[key]
