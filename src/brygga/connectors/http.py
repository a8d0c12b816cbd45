"""The one HTTP client every connector uses.

It spaces requests with the connection's rate limiter, retries what is safe to retry with
exponential backoff and jitter (honouring `Retry-After`), refreshes credentials once on a 401,
classifies failures, counts requests, and never writes a secret to the log.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import simplejson
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from brygga.connectors.errors import ConnectorError, ErrorClass, error_class_for_status
from brygga.connectors.ratelimit import AdaptiveLimiter

log = logging.getLogger("brygga.http")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})  # idempotent per RFC 9110
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Set for a dry run: every request that would change the remote system is stopped before it
# leaves, and raises WouldWrite with what it would have sent. Reads go through.
dry_run: ContextVar[bool] = ContextVar("brygga_dry_run", default=False)


class WouldWrite(Exception):
    """A write that a dry run held back, with what it would have sent."""

    def __init__(self, method: str, url: str, body: Any) -> None:
        super().__init__(f"{method} {url}")
        self.method, self.url, self.body = method, url, body

    def request(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "body": self.body}


class Authenticator(Protocol):
    async def headers(self) -> dict[str, str]: ...

    async def refresh(self) -> None:
        """Called once after a 401; get fresh credentials or raise an AUTH ConnectorError."""


Classifier = Callable[[httpx.Response], ConnectorError]


@dataclass
class RequestStats:
    """What one connection's clients met, shared by them all."""

    requests: int = 0
    throttled: int = 0  # HTTP 429 answers
    retries: int = 0
    # The last refusal of the credentials themselves (AUTH after the one refresh), which
    # tells the caller that this connection needs reconnecting.
    refused: ConnectorError | None = None

    def counts(self) -> dict[str, int]:
        return {"requests": self.requests, "throttled": self.throttled, "retries": self.retries}

    def __add__(self, other: RequestStats) -> RequestStats:
        return RequestStats(
            self.requests + other.requests,
            self.throttled + other.throttled,
            self.retries + other.retries,
        )


def parse_json(response: httpx.Response) -> Any:
    """JSON with every number that has a fraction kept as an exact Decimal."""
    return simplejson.loads(response.content, use_decimal=True) if response.content else None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as a delay: delta seconds, an HTTP-date, or epoch seconds (Centra leaves
    the format undocumented, centra.md §2)."""
    if not value:
        return None
    value = value.strip()
    now = time.time() if now is None else now
    try:
        number = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return None
        return max(0.0, moment - now)
    # A number far larger than any sane delay is a point in time.
    return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)


def rate_headers(response: httpx.Response) -> tuple[int | None, int | None, float | None]:
    """`X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds, or epoch seconds), where a
    server sends them: Visma.net on every response (vismanet.md §2); Centra, Fortnox and
    Magento document none."""
    headers = response.headers

    def number(name: str) -> int | None:
        value = headers.get(name, "").strip()
        return int(value) if value.isdigit() else None

    reset = retry_after_seconds(headers.get("X-RateLimit-Reset"))
    return number("X-RateLimit-Limit"), number("X-RateLimit-Remaining"), reset


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class HttpClient:
    def __init__(
        self,
        base_url: str,
        *,
        limiter: AdaptiveLimiter | None = None,
        auth: Authenticator | None = None,
        signer: httpx.Auth | None = None,
        classify: Classifier | None = None,
        secrets: list[str] | None = None,
        attempts: int = 6,
        max_wait: float = 30.0,
        rate_limit_wait: float = 5.0,
        timeout: float = 30.0,
        stats: RequestStats | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.auth = auth
        self.classify = classify or default_classifier
        self.secrets = secrets or []
        self.attempts = attempts
        self.max_wait = max_wait
        self.rate_limit_wait = rate_limit_wait  # when a 429 carries no Retry-After
        self.stats = stats or RequestStats()  # shared by the clients of one connection
        # `signer` signs each finished request (OAuth 1.0a needs the method, URL and query).
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, auth=signer)

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def observe(self, callback: Callable[[httpx.Request], None]) -> None:
        """Call `callback` with every request as it leaves (tests check them against the
        vendors' specs)."""

        async def hook(request: httpx.Request) -> None:
            callback(request)

        self._http.event_hooks["request"].append(hook)

    async def request(
        self,
        method: str,
        path: str,
        *,
        writes: bool | None = None,
        limiters: tuple[AdaptiveLimiter, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send and return a 2xx response, or raise a classified ConnectorError.

        A non-idempotent request (POST) is retried only when it surely did not arrive: the
        connection was refused, or the server answered 429; a request that changes nothing
        (`writes=False`, e.g. a GraphQL query) is retried like a GET. `writes`: whether the request
        changes the remote system (default: any method but GET, HEAD and OPTIONS; a GraphQL
        query is a POST that does not); in a dry run such a request raises WouldWrite.
        `limiters`: budgets the request counts against besides the connection's, such as
        Centra's mutation budget.
        """
        method = method.upper()
        if dry_run.get() and (writes if writes is not None else method not in READ_METHODS):
            raise WouldWrite(method, f"{self.base_url}{path}", kwargs.get("json"))
        idempotent = method in SAFE_METHODS or writes is False
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: _retryable(exc, idempotent)),
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._send(method, path, limiters, kwargs)
        except ConnectorError as error:
            if error.error_class is ErrorClass.AUTH:
                self.stats.refused = error
            raise
        except httpx.TransportError as exc:
            raise ConnectorError(
                ErrorClass.TRANSIENT,
                f"could not reach {self.base_url} ({type(exc).__name__})",
            ) from exc
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return parse_json(await self.request(method, path, **kwargs))

    async def _send(
        self,
        method: str,
        path: str,
        limiters: tuple[AdaptiveLimiter, ...],
        kwargs: dict[str, Any],
    ) -> httpx.Response:
        refreshed = False
        while True:
            # The scarcer budgets first, the connection's last: its slot is taken just before
            # the request leaves, as the server will count it.
            budgets = [*limiters, self.limiter] if self.limiter is not None else [*limiters]
            admitted = [(budget, await budget.acquire()) for budget in budgets]
            options = dict(kwargs)  # each attempt starts from the caller's arguments
            headers = {"Accept": "application/json", **options.pop("headers", {})}
            if self.auth is not None:
                try:
                    headers.update(await self.auth.headers())
                except ConnectorError as error:  # the token endpoint may throttle too
                    self._throttled(error)
                    raise
            if "json" in options:
                # Decimals go out as exact JSON numbers, never through float.
                options["content"] = simplejson.dumps(options.pop("json"), use_decimal=True)
                headers["Content-Type"] = "application/json"
            self.stats.requests += 1
            started = time.monotonic()
            try:
                response = await self._http.request(method, path, headers=headers, **options)
            except httpx.TransportError as exc:
                log.warning("%s %s failed: %s", method, self._safe(path), exc.__class__.__name__)
                raise
            log.debug(
                "%s %s -> %s in %.0f ms",
                method,
                self._safe(str(response.request.url)),
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            if self.limiter is not None:
                self.limiter.observe(*rate_headers(response))
            if response.status_code == 401 and self.auth is not None and not refreshed:
                refreshed = True
                await self.auth.refresh()
                continue
            if response.is_success:
                return response
            raise self._throttled(self.classify(response), admitted)

    def _throttled(
        self, error: ConnectorError, admitted: list[tuple[AdaptiveLimiter, float]] | None = None
    ) -> ConnectorError:
        """Count a 429 and hold every request of this connection for its Retry-After; the
        budgets the refused request was `admitted` by learn that the quota is smaller."""
        if error.error_class is ErrorClass.RATE_LIMIT:
            self.stats.throttled += 1
            if error.retry_after is None:
                error.retry_after = self.rate_limit_wait
            if admitted:
                for budget, sent_at in admitted:
                    budget.throttled(error.retry_after, sent_at)
            elif self.limiter is not None:  # e.g. the token endpoint: not the API's quota
                self.limiter.pause(error.retry_after)
        error.message = self._safe(error.message)
        return error

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ConnectorError) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait)
        return wait_exponential_jitter(multiplier=0.5, max=self.max_wait)(state)

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1

    def _safe(self, text: str) -> str:
        return redact(text, self.secrets)


def _retryable(error: BaseException, idempotent: bool) -> bool:
    if isinstance(error, ConnectorError):
        if error.error_class is ErrorClass.RATE_LIMIT:
            return True
        return idempotent and error.error_class is ErrorClass.TRANSIENT
    if isinstance(error, httpx.ConnectError):
        return True
    return idempotent and isinstance(error, httpx.TransportError)


def default_classifier(response: httpx.Response) -> ConnectorError:
    error_class = error_class_for_status(response.status_code)
    return ConnectorError(
        error_class,
        f"{response.request.method} {response.request.url.path} was refused",
        status=response.status_code,
        payload=_body(response),
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


def token_refused(response: httpx.Response, message: str, code: str | None) -> ConnectorError:
    """A token endpoint's refusal: busy or down is retried like any request; anything else
    means the credentials no longer work."""
    error_class = error_class_for_status(response.status_code)
    if error_class not in (ErrorClass.RATE_LIMIT, ErrorClass.TRANSIENT):
        error_class = ErrorClass.AUTH
    return ConnectorError(
        error_class,
        message,
        status=response.status_code,
        code=code,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )


def _body(response: httpx.Response) -> Any:
    try:
        return parse_json(response)
    except (ValueError, simplejson.JSONDecodeError):
        return response.text[:2000]


__all__ = [
    "Authenticator",
    "ConnectorError",
    "ErrorClass",
    "HttpClient",
    "RequestStats",
    "parse_json",
    "redact",
    "retry_after_seconds",
]
