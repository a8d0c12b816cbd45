"""Client-side rate limiting, one budget per connection (DESIGN.md §3 invariant 5).

A budget starts at the provider's documented limit and adapts the way TCP's congestion window
does (additive increase, multiplicative decrease). A 429 that our own count did not foresee
means another client is spending the same quota (e.g. a second integration on one Centra
environment, centra.md §2), so the rate drops to half of what we sent in the window. Each
period in which the rate was used in full without a 429 raises it by a tenth of the documented
limit, never above it. `X-RateLimit-*` headers, where a server sends them (Visma.net,
vismanet.md §2), are the server's own count: they lower the ceiling and hold requests while
they say the window is spent.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

DECREASE = 0.5  # after an unforeseen 429: this share of what we sent in the window
INCREASE = 0.1  # after a clean, fully used period: this share of the documented limit more


class AdaptiveLimiter:
    """At most `rate` requests in any `period` seconds, like the servers count them; `rate`
    starts at, and never exceeds, the documented `limit`.

    `margin` widens the window a little: the server sees a request later than we send it, so a
    window that is exactly the server's can still overrun it. `clock` and `sleep` are
    `time.monotonic` and `asyncio.sleep` except in tests.
    """

    def __init__(
        self,
        limit: int,
        period: float,
        margin: float = 0.5,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.documented = limit
        self.ceiling = limit  # the documented limit, or less if the server says so
        self.rate = float(limit)
        self.period = period + margin
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._changed_at = clock()  # when `rate` last moved, either way
        self._decreased_at = float("-inf")
        self._server_remaining: int | None = None  # from X-RateLimit-*, until ...
        self._server_reset = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait for a free slot and take it; returns the moment it was taken, which a 429 to
        this request hands back to `throttled`."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a budget outlives an event loop; its lock cannot
            self._loop, self._lock = loop, asyncio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                wait = self.delay(now)
                if wait <= 0:
                    self._sent.append(now)
                    if self._server_remaining is not None:
                        self._server_remaining -= 1
                    return now
                await self._sleep(wait)

    def delay(self, now: float) -> float:
        """Seconds until the next request may go (0: now)."""
        self._forget(now)
        wait = self._paused_until - now
        if self._server_remaining is not None and self._server_remaining <= 0:
            wait = max(wait, self._server_reset - now)
        if len(self._sent) >= self.allowed:
            self._grow(now)
        if len(self._sent) >= self.allowed:
            wait = max(wait, self._sent[0] + self.period - now)
        return max(0.0, wait)

    @property
    def allowed(self) -> int:
        """Requests the current rate lets into one window."""
        return max(1, int(self.rate))

    def throttled(self, retry_after: float, sent_at: float) -> None:
        """A 429 to the request admitted at `sent_at`: hold every caller for `retry_after`,
        and, unless our own traffic explains it, lower the rate. Only one decrease per
        episode: requests admitted before the last decrease were sent at the old rate."""
        now = self._clock()
        self.pause(retry_after)
        self._forget(now)
        used = len(self._sent)
        if used >= self.ceiling or sent_at <= self._decreased_at:
            return
        self.rate = max(1.0, min(self.rate, used) * DECREASE)
        self._changed_at = self._decreased_at = now

    def pause(self, seconds: float) -> None:
        """Hold every caller of this connection, e.g. after a 429 said when to come back."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, limit: int | None, remaining: int | None, reset: float | None) -> None:
        """The server's `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds): a smaller
        limit than documented becomes the ceiling, and a spent window holds requests until
        its reset."""
        if limit is not None:
            self.ceiling = min(self.documented, max(1, limit))
            self.rate = min(self.rate, self.ceiling)
        if remaining is not None and reset is not None:
            self._server_remaining, self._server_reset = remaining, self._clock() + reset

    def _forget(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.period:
            self._sent.popleft()
        if self._server_remaining is not None and now >= self._server_reset:
            self._server_remaining = None  # a new server window: its count is unknown

    def _grow(self, now: float) -> None:
        """Additive increase: the rate was the limit (the window is full) and a whole period
        passed since it last moved without a 429."""
        if self.rate < self.ceiling and now - self._changed_at >= self.period:
            self.rate = min(float(self.ceiling), self.rate + self.documented * INCREASE)
            self._changed_at = now


# One budget per account and limit in this process, whatever number of clients use it: each
# sync opens its own clients, and the server counts the account's requests, not a client's.
_BUDGETS: dict[tuple[str, int, float], AdaptiveLimiter] = {}


def client_limiter(
    settings: dict[str, Any], account: str, limit: int, period: float
) -> AdaptiveLimiter | None:
    """The documented budget of `account` (what the server counts by, e.g. a Centra
    environment or a Fortnox client and tenant), unless the connection says
    `"rate_limit": false` — only for a server without limits, such as a sandbox started with
    `--no-rate-limit`. 429s are still honoured either way."""
    if not settings.get("rate_limit", True):
        return None
    key = (account, limit, period)
    if key not in _BUDGETS:
        _BUDGETS[key] = AdaptiveLimiter(limit, period)
    return _BUDGETS[key]
