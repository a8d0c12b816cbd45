"""Who may call `/3`: a valid Bearer JWT with the resource's scope, within the rate limit.

The limit is 25 requests per 5 s sliding window per (client, tenant) (fact sheet §2); over it
the API answers 429 with an ErrorInformation-style body and no `Retry-After` (the live body and
headers are undocumented). Token requests on `/oauth-v1` are not counted.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from brygga.sandbox.fortnox.errors import (
    NO_ACCESS_TO_SCOPE,
    NOT_AUTHENTICATED,
    RATE_LIMITED,
    FortnoxError,
)
from brygga.sandbox.fortnox.oauth import TokenIssuer
from brygga.sandbox.limits import SlidingWindow

REQUESTS_PER_WINDOW = 25
WINDOW_SECONDS = 5.0


class Access:
    def __init__(self, issuer: TokenIssuer, rate_limit: bool) -> None:
        self.issuer = issuer
        self.window = SlidingWindow(REQUESTS_PER_WINDOW, WINDOW_SECONDS) if rate_limit else None

    def requires(self, scope: str) -> Any:
        """A route dependency: authenticated, within the limit, holding `scope`."""

        async def check(request: Request) -> None:
            claims = self._claims(request)
            key = f"{claims['clientId']}:{claims['tenantId']}"
            if self.window is not None and self.window.hit(key) > 0:
                raise FortnoxError(429, RATE_LIMITED, "Too many requests")
            if scope not in claims.get("scope", "").split():
                raise FortnoxError(403, NO_ACCESS_TO_SCOPE, "Har inte behörighet för scope")

        return Depends(check)

    def _claims(self, request: Request) -> dict[str, Any]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        claims = self.issuer.claims(token.strip()) if scheme.lower() == "bearer" else None
        if claims is None:
            raise FortnoxError(401, NOT_AUTHENTICATED, "Invalid or expired token")
        return claims
