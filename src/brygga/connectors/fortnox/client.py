"""Transport and auth for Fortnox: OAuth2 bearer JWTs, 25 requests per 5 s per tenant."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from brygga.connectors.errors import ConnectorError, ErrorClass, error_class_for_status
from brygga.connectors.http import HttpClient, parse_json
from brygga.connectors.ratelimit import client_limiter

# 25 requests per sliding 5 s window per (client id, tenant) (fortnox.md §2).
REQUESTS_PER_WINDOW = 25
WINDOW_SECONDS = 5.0

# ErrorInformation codes that say more than the HTTP status (fortnox.md §3.3).
ERROR_CODES = {
    1000003: ErrorClass.TRANSIENT,
    2000310: ErrorClass.AUTH,
    2000311: ErrorClass.AUTH,
    2000663: ErrorClass.AUTH,
    2001101: ErrorClass.AUTH,
    2001103: ErrorClass.AUTH,
    2000637: ErrorClass.DUPLICATE,
}


def token_url_for(base_url: str) -> str:
    """The OAuth host sits beside the API host: api.fortnox.se → apps.fortnox.se (§1)."""
    parts = urlsplit(base_url)
    if parts.hostname == "api.fortnox.se":
        return "https://apps.fortnox.se/oauth-v1/token"
    return f"{base_url.rstrip('/')}/oauth-v1/token"


class ServiceAccountToken:
    """Client-credentials tokens for a Fortnox service account (§1.2): no refresh token, a
    new access token when the old one expires. One request at a time per connection."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, tenant_id: str):
        self.token_url = token_url
        self._basic = httpx.BasicAuth(client_id, client_secret)
        self._tenant_id = tenant_id
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def headers(self) -> dict[str, str]:
        async with self._lock:
            if self._token is None or time.monotonic() > self._expires_at:
                await self._fetch()
        return {"Authorization": f"Bearer {self._token}"}

    async def refresh(self) -> None:
        async with self._lock:
            await self._fetch()

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                self.token_url,
                data={"grant_type": "client_credentials"},
                headers={"TenantId": self._tenant_id, "Accept": "application/json"},
                auth=self._basic,
            )
        body = parse_json(response) if response.content else {}
        if response.status_code != 200 or not isinstance(body, dict):
            # OAuth errors use the RFC 6749 shape, not ErrorInformation (§1.1).
            error = body.get("error", "") if isinstance(body, dict) else ""
            status = response.status_code
            raise ConnectorError(
                ErrorClass.TRANSIENT if status >= 500 else ErrorClass.AUTH,
                f"Fortnox refused the service-account credentials ({error or status}); "
                "check client id, secret and tenant id, or reconnect",
                status=status,
                code=error or None,
            )
        self._token = body["access_token"]
        # Renew a minute early so a request never leaves with a token about to die.
        self._expires_at = time.monotonic() + int(body.get("expires_in", 3600)) - 60


class FortnoxClient:
    def __init__(self, base_url: str, credentials: dict[str, Any]) -> None:
        missing = [k for k in ("client_id", "client_secret", "tenant_id") if not credentials.get(k)]
        if missing:
            raise ValueError(f"a Fortnox connection needs {', '.join(missing)}")
        secret = credentials["client_secret"]
        self.http = HttpClient(
            base_url,
            limiter=client_limiter(credentials, REQUESTS_PER_WINDOW, WINDOW_SECONDS),
            auth=ServiceAccountToken(
                credentials.get("token_url") or token_url_for(base_url),
                credentials["client_id"],
                secret,
                str(credentials["tenant_id"]),
            ),
            classify=classify,
            secrets=[secret],
            rate_limit_wait=WINDOW_SECONDS,  # 429s carry no Retry-After (§2)
        )

    async def get(self, path: str, **params: Any) -> Any:
        return await self.http.json("GET", path, params=params or None)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.http.json("POST", path, json=body)

    async def put(self, path: str, body: dict[str, Any]) -> Any:
        return await self.http.json("PUT", path, json=body)

    async def aclose(self) -> None:
        await self.http.aclose()


def classify(response: httpx.Response) -> ConnectorError:
    """Fortnox's ErrorInformation (lowercase keys live, capitalised in the spec: read both)."""
    try:
        body = parse_json(response)
    except ValueError:
        body = None
    info = body.get("ErrorInformation", {}) if isinstance(body, dict) else {}
    message = info.get("message") or info.get("Message") or response.reason_phrase
    raw_code = info.get("code") or info.get("Code")
    code = int(raw_code) if str(raw_code or "").isdigit() else None
    error_class = ERROR_CODES.get(code or 0) or error_class_for_status(response.status_code)
    return ConnectorError(
        error_class,
        f"Fortnox: {message}",
        status=response.status_code,
        code=str(code) if code else None,
        payload=body,
    )
