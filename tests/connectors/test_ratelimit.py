"""The adaptive limiter's arithmetic on a clock the test moves (no sleeps), then the HTTP
client feeding it 429s and `X-RateLimit-*` headers from a real server on loopback."""

import time

import pytest
from fastapi import FastAPI, Response

from brygga.connectors.http import HttpClient
from brygga.connectors.ratelimit import AdaptiveLimiter, client_limiter
from tests.support.servers import serving


class Clock:
    """Monotonic time that moves only when a waiting caller sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def limiter(clock: Clock, limit: int = 50, period: float = 10.0) -> AdaptiveLimiter:
    return AdaptiveLimiter(limit, period, margin=0, clock=clock, sleep=clock.sleep)


async def send(budget: AdaptiveLimiter, count: int) -> list[float]:
    return [await budget.acquire() for _ in range(count)]


async def test_requests_are_spaced_to_the_window(clock):
    budget = limiter(clock, limit=3, period=0.5)
    times = await send(budget, 7)
    # 3 at once, 3 after one window, the 7th after two windows.
    assert [t - 1000 for t in times] == [0, 0, 0, 0.5, 0.5, 0.5, 1.0]


async def test_an_unforeseen_429_halves_what_was_sent_and_pauses(clock):
    budget = limiter(clock)
    sent = await send(budget, 30)  # another client holds the other half of the quota
    clock.now += 1
    budget.throttled(retry_after=2, sent_at=sent[-1])
    assert budget.rate == 15
    assert budget.delay(clock.now) == pytest.approx(9)  # our 30 must leave the window first
    clock.now += 9
    assert budget.delay(clock.now) == 0
    assert len(await send(budget, 15)) == 15
    assert budget.delay(clock.now) == pytest.approx(10)


async def test_a_retry_after_holds_callers_beyond_the_window(clock):
    budget = limiter(clock)
    budget.pause(3)
    budget.pause(1)  # a shorter pause does not cut the longer one short
    assert budget.delay(clock.now) == pytest.approx(3)
    sent = await send(budget, 2)
    assert sent == [1003, 1003]
    budget.throttled(retry_after=30, sent_at=sent[-1])
    assert budget.rate == 1  # half of the 2 in the window; never below one a window
    assert budget.delay(clock.now) == pytest.approx(30)


async def test_one_decrease_per_episode(clock):
    """429s to requests that were already on their way when the rate was lowered say
    nothing about the lower rate."""
    budget = limiter(clock)
    sent = await send(budget, 40)
    clock.now += 0.5
    for sent_at in sent[-3:]:
        budget.throttled(retry_after=1, sent_at=sent_at)
    assert budget.rate == 20
    clock.now += 20
    later = await send(budget, 20)
    budget.throttled(retry_after=1, sent_at=later[-1])  # admitted after the decrease
    assert budget.rate == 10


async def test_a_429_our_own_traffic_explains_only_pauses(clock):
    """The whole documented budget was spent in the window: the server's window merely ran
    ahead of ours, nobody else is there."""
    budget = limiter(clock, limit=10)
    sent = await send(budget, 10)
    budget.throttled(retry_after=2, sent_at=sent[-1])
    assert budget.rate == 10
    assert budget.delay(clock.now) == pytest.approx(10)


async def test_clean_full_periods_raise_the_rate_step_by_step_up_to_the_limit(clock):
    budget = limiter(clock)
    sent = await send(budget, 20)
    budget.throttled(retry_after=1, sent_at=sent[-1])
    assert budget.rate == 10
    rates = {}  # the rate by window of 10 s, while callers always wait for the limiter
    while clock.now < 1120:
        await budget.acquire()
        rates[int(clock.now - 1000) // 10] = budget.rate
    # +5 (a tenth of 50) after each clean period, then level at the documented 50.
    assert list(rates.values()) == [15, 20, 25, 30, 35, 40, 45, 50, 50, 50, 50, 50]
    assert budget.ceiling == 50


async def test_an_idle_budget_does_not_grow(clock):
    """Without demand a quiet period proves nothing about the quota."""
    budget = limiter(clock)
    sent = await send(budget, 20)
    budget.throttled(retry_after=1, sent_at=sent[-1])
    for _ in range(5):
        clock.now += 10
        await send(budget, 3)
    assert budget.rate == 10


async def test_aimd_settles_on_the_share_another_client_leaves(clock):
    """A neighbour uses 30 of a 60-request window; we see a 429 whenever ours would go over
    the other 30. The limiter ends up sending about what is left, without a 429 each window."""
    budget = limiter(clock)
    throttled = delivered = 0
    for _ in range(30):  # windows of 10 s
        window_start = clock.now
        mine = 0
        while clock.now < window_start + 10:
            sent_at = await budget.acquire()
            if clock.now >= window_start + 10:
                break
            if mine >= 30:
                throttled += 1
                budget.throttled(retry_after=1, sent_at=sent_at)
            else:
                mine += 1
        delivered += mine
    assert throttled <= 8  # one 429 in four windows, while probing for more
    assert delivered / 30 >= 25  # on average more than 80 % of the 30 left over


async def test_a_spent_server_window_holds_requests_until_its_reset(clock):
    budget = limiter(clock, limit=15_000, period=3600)
    budget.observe(limit=500, remaining=2, reset=120)
    assert budget.ceiling == 500 and budget.rate == 500  # the server's smaller limit
    times = await send(budget, 3)
    assert [t - 1000 for t in times] == [0, 0, 120]
    budget.observe(limit=20_000, remaining=None, reset=None)
    assert budget.ceiling == 15_000  # never above the documented budget


def test_clients_of_one_account_share_one_budget():
    """Each sync opens new clients; the server still counts the account's requests."""
    first = client_limiter({}, "https://api.example|client|tenant", 25, 5.0)
    assert client_limiter({}, "https://api.example|client|tenant", 25, 5.0) is first
    assert client_limiter({}, "https://api.example|other|tenant", 25, 5.0) is not first
    assert client_limiter({"rate_limit": False}, "https://api.example|client|tenant", 25, 5) is None


# --- the HTTP client feeds the limiter -------------------------------------------------------

served = {"crowded": 0}


def make_app() -> FastAPI:
    app = FastAPI()

    @app.post("/crowded")
    def crowded() -> Response:
        """Room for 4 requests, then a 429: somebody else has the rest of the quota."""
        served["crowded"] += 1
        if served["crowded"] == 5:
            return Response(status_code=429, headers={"Retry-After": "1"})
        return Response("{}", media_type="application/json")

    @app.get("/metered")
    def metered() -> Response:
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"}
        return Response("{}", media_type="application/json", headers=headers | {
            "X-RateLimit-Reset": "1", "X-RateLimit-Policy": "4-fixed-window"
        })  # fmt: skip

    return app


@pytest.fixture(scope="module")
def base_url():
    with serving(make_app()) as url:
        yield url


async def test_a_429_lowers_every_budget_the_request_counted_against(base_url):
    requests, mutations = AdaptiveLimiter(50, 1.0, margin=0), AdaptiveLimiter(18, 1.0, margin=0)
    async with HttpClient(base_url, limiter=requests) as client:
        for _ in range(5):
            await client.request("POST", "/crowded", limiters=(mutations,))
    assert client.stats.throttled == 1 and served["crowded"] == 6
    assert (requests.rate, mutations.rate) == (2.5, 2.5)  # half of the 5 in the window


async def test_rate_headers_reach_the_limiter(base_url):
    budget = AdaptiveLimiter(15_000, 3600.0)
    async with HttpClient(base_url, limiter=budget) as client:
        await client.request("GET", "/metered")
        assert budget.ceiling == 100
        started = time.monotonic()
        await client.request("GET", "/metered")  # the server said: none left for 1 s
    assert time.monotonic() - started >= 0.9
