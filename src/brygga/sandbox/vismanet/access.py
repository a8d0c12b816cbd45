"""Who may call the ERP API and SalesOrders V3: token, tenant, scope, rate limit (§1, §2).

One ASGI middleware in front of both surfaces, in this order:

1. A valid, unexpired Bearer token, else 401 with `WWW-Authenticate: Bearer` (monolith: message
   body; V3: problem details). The live 401 bodies are not documented.
2. The token's tenant must be the company tenant. The customer tenant gets a token from Connect
   but 401 here, in the gateway's IPP shape (12027 "No license for this company.", §1.1, §6.1).
3. The rate limit, policy `4-fixed-window`: a fixed one-hour window per (tenant, client) starting
   with its first request, `BRYGGA_SANDBOX_VISMANET_RATE_LIMIT` requests (default 15 000, the
   historical production quota; the live X is unpublished). Every response after this point
   carries `X-RateLimit-Limit`, `-Remaining`, `-Reset` (seconds) and `-Policy`; over the limit:
   429 with `Retry-After`. Refused requests are not counted. With rate limiting switched off
   the headers still count, but nothing is refused.
4. The scope of the operation: monolith `vismanet_erp_service_api:read|create|update|delete` by
   method (actions need `update`), or for a user's token the `vismanet_erp_interactive_api`
   scope of the same verb (§1.2); V3 `visma.net.erp.salesorder:read|write`; else 403.
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from brygga.sandbox.vismanet.company import COMPANY_TENANT
from brygga.sandbox.vismanet.connect import TokenIssuer
from brygga.sandbox.vismanet.errors import V3_PREFIX, ApiError, IppError, for_path

RATE_LIMIT_ENV = "BRYGGA_SANDBOX_VISMANET_RATE_LIMIT"
DEFAULT_RATE_LIMIT = 15_000
WINDOW_SECONDS = 3600.0
POLICY = "4-fixed-window"
PROTECTED = ("/v1/", "/v2/", f"{V3_PREFIX}/")


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: float
    admitted: bool

    @property
    def seconds_to_reset(self) -> int:
        return math.ceil(round(self.reset, 3))  # 3600.0000001 s is a full hour, not 3601

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.seconds_to_reset),
            "X-RateLimit-Policy": POLICY,
        }


class FixedWindow:
    """At most `limit` requests per key in windows of `period` seconds from a key's first one."""

    def __init__(self, limit: int, period: float, enforce: bool) -> None:
        self.limit = limit
        self.period = period
        self.enforce = enforce
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> Quota:
        now = time.monotonic() if now is None else now
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.period:
                start, used = now, 0
            reset = start + self.period - now
            if self.enforce and used >= self.limit:
                return Quota(self.limit, 0, reset, False)
            self._windows[key] = (start, used + 1)
            return Quota(self.limit, max(0, self.limit - used - 1), reset, True)


class Access:
    """The ASGI middleware; admitted requests get the token's claims in `scope["state"]`."""

    def __init__(self, app: ASGIApp, issuer: TokenIssuer, rate_limit: bool) -> None:
        self.app = app
        self.issuer = issuer
        limit = int(os.environ.get(RATE_LIMIT_ENV, DEFAULT_RATE_LIMIT))
        self.window = FixedWindow(limit, WINDOW_SECONDS, rate_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").lower()  # protected in any casing
        if scope["type"] != "http" or not path.startswith(PROTECTED):
            await self.app(scope, receive, send)
            return
        claims = self._claims(scope)
        if isinstance(claims, ApiError):
            await claims.response()(scope, receive, send)
            return
        quota = self.window.hit(f"{claims['tenant_id']}:{claims['client_id']}")
        extra = quota.headers()
        if not path.startswith(V3_PREFIX):
            extra["Ipp-Request-Id"] = str(uuid.uuid4())
        refusal = self._refusal(scope, claims, quota)
        if refusal is not None:
            await _with_headers(refusal.response(), extra)(scope, receive, send)
            return
        scope.setdefault("state", {})["claims"] = claims

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
                message = message | {"headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _claims(self, scope: Scope) -> dict[str, Any] | ApiError:
        path = scope["path"].lower()
        headers = dict(scope.get("headers", []))
        scheme, _, token = headers.get(b"authorization", b"").decode().partition(" ")
        claims = self.issuer.claims(token.strip()) if scheme.lower() == "bearer" else None
        if claims is None:
            challenge = 'Bearer error="invalid_token"' if token else "Bearer"
            return for_path(
                path,
                401,
                "Authorization has been denied for this request.",
                {"WWW-Authenticate": challenge},
            )
        if claims.get("tenant_id") != COMPANY_TENANT:
            if path.startswith(V3_PREFIX):
                return for_path(path, 401, "No license for this company.")
            return IppError(401, "No license for this company.", "12027")
        return claims

    def _refusal(self, scope: Scope, claims: dict[str, Any], quota: Quota) -> ApiError | None:
        path = scope["path"].lower()
        if not quota.admitted:
            seconds = quota.seconds_to_reset
            return for_path(
                path,
                429,
                f"Rate limit is exceeded. Try again in {seconds} seconds.",
                {"Retry-After": str(seconds)},
            )
        accepted = accepted_scopes(scope["method"], path)
        if not set(accepted) & set(claims.get("scope", [])):
            named = " or ".join(f"'{name}'" for name in accepted)
            return for_path(path, 403, f"The access token lacks the scope {named}.")
        return None


def accepted_scopes(method: str, path: str) -> tuple[str, ...]:
    """The scopes of which the operation needs one."""
    if path.startswith(V3_PREFIX):
        return (f"visma.net.erp.salesorder:{'read' if method in ('GET', 'HEAD') else 'write'}",)
    if method in ("GET", "HEAD"):
        action = "read"
    elif method == "POST" and "/action/" not in path:
        action = "create"
    elif method == "DELETE":
        action = "delete"
    else:
        action = "update"
    return f"vismanet_erp_service_api:{action}", f"vismanet_erp_interactive_api:{action}"


def _with_headers(response: Any, headers: dict[str, str]) -> Any:
    response.headers.update(headers)
    return response
