"""Fortnox OAuth 2 (fact sheet §1): service-account client credentials, and the
authorization-code connection whose single-use refresh token rotates on every refresh."""

from __future__ import annotations

import asyncio
import inspect
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.http import parse_json, token_refused

# Renew a minute early so a request never leaves with a token about to die.
EARLY_SECONDS = 60
# Receives the whole new credentials (with the rotated refresh token) to store them.
CredentialsCallback = Callable[[dict[str, Any]], Awaitable[None] | None]
# The access token the current task last sent, so that a 401 refreshes only a stale token.
_sent: ContextVar[str | None] = ContextVar("fortnox_sent_token", default=None)


def token_url_for(base_url: str) -> str:
    """The OAuth host sits beside the API host: api.fortnox.se → apps.fortnox.se (§1)."""
    parts = urlsplit(base_url)
    if parts.hostname == "api.fortnox.se":
        return "https://apps.fortnox.se/oauth-v1/token"
    return f"{base_url.rstrip('/')}/oauth-v1/token"


async def _token_request(
    url: str, basic: httpx.BasicAuth, form: dict[str, str], headers: dict[str, str]
) -> tuple[httpx.Response, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            url, data=form, headers={"Accept": "application/json", **headers}, auth=basic
        )
    try:
        body = parse_json(response) if response.content else {}
    except ValueError:
        body = {}
    return response, body if isinstance(body, dict) else {}


def _refused(response: httpx.Response, body: dict[str, Any], what: str) -> ConnectorError:
    # OAuth errors use the RFC 6749 / Ory Hydra shape, not ErrorInformation (§1.1).
    error = str(body.get("error") or "")
    message = f"Fortnox refused {what} ({error or response.status_code})"
    return token_refused(response, message, error or None)


class _SingleFlightToken(ABC):
    """An access token renewed by one task at a time: `headers` renews it when it is stale,
    and `refresh` (after a 401) only when no concurrent task renewed it meanwhile."""

    _token: str | None
    _lock: asyncio.Lock

    @abstractmethod
    def _stale(self) -> bool: ...

    @abstractmethod
    async def _renew(self) -> None: ...

    async def headers(self) -> dict[str, str]:
        async with self._lock:
            if self._token is None or self._stale():
                await self._renew()
        _sent.set(self._token)
        return {"Authorization": f"Bearer {self._token}"}

    async def refresh(self) -> None:
        stale = _sent.get()
        async with self._lock:
            if self._token == stale:  # not renewed meanwhile by a concurrent 401
                await self._renew()


class ServiceAccountToken(_SingleFlightToken):
    """Client-credentials tokens for a Fortnox service account (§1.2): no refresh token, a
    new access token when the old one expires. One request at a time per connection."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, tenant_id: str):
        self.token_url = token_url
        self._basic = httpx.BasicAuth(client_id, client_secret)
        self._tenant_id = tenant_id
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def _stale(self) -> bool:
        return time.monotonic() > self._expires_at

    async def _renew(self) -> None:
        form = {"grant_type": "client_credentials"}
        response, body = await _token_request(
            self.token_url, self._basic, form, {"TenantId": self._tenant_id}
        )
        if response.status_code != 200 or "access_token" not in body:
            error = _refused(response, body, "the service-account credentials")
            if error.error_class is ErrorClass.AUTH:
                error.message += "; check client id, secret and tenant id, or reconnect"
            raise error
        self._token = body["access_token"]
        self._expires_at = time.monotonic() + int(body.get("expires_in", 3600)) - EARLY_SECONDS


class RefreshingToken(_SingleFlightToken):
    """An authorization-code connection (§1.1): `refresh_token` is single use and rotated on
    every refresh, and two refreshes with one token end the grant. So one refresh runs at a
    time per connection, and the rotated token goes to `on_credentials` to be stored BEFORE
    the new access token is used (DESIGN.md invariant 4). `invalid_grant` means the user must
    reconnect; it is never retried."""

    def __init__(
        self,
        token_url: str,
        credentials: dict[str, Any],
        on_credentials: CredentialsCallback | None = None,
    ) -> None:
        self.token_url = token_url
        self._credentials = dict(credentials)
        self._basic = httpx.BasicAuth(credentials["client_id"], credentials["client_secret"])
        self._on_credentials = on_credentials
        self._token: str | None = credentials.get("access_token") or None
        self._expires_at = _epoch(credentials.get("expires_at"))
        self._lock = asyncio.Lock()
        self._dead: ConnectorError | None = None

    def _stale(self) -> bool:
        return time.time() > self._expires_at - EARLY_SECONDS

    async def _renew(self) -> None:
        if self._dead is not None:
            raise self._dead
        self._token = None
        form = {"grant_type": "refresh_token", "refresh_token": self._credentials["refresh_token"]}
        response, body = await _token_request(self.token_url, self._basic, form, {})
        if response.status_code != 200 or "access_token" not in body:
            error = _refused(response, body, "the connection's refresh token")
            if error.code == "invalid_grant":
                error.message += "; reconnect Brygga to Fortnox to grant access again"
                self._dead = error
            raise error
        expires_at = int(time.time()) + int(body.get("expires_in", 3600))
        self._credentials |= {
            "refresh_token": body["refresh_token"],
            "access_token": body["access_token"],
            "expires_at": expires_at,
        }
        if self._on_credentials is not None:
            stored = self._on_credentials(dict(self._credentials))
            if inspect.isawaitable(stored):
                await stored
        self._token, self._expires_at = body["access_token"], float(expires_at)


def _epoch(value: Any) -> float:
    """`expires_at` as epoch seconds: a number, or an ISO 8601 date-time; 0 when unknown."""
    if value in (None, ""):
        return 0.0
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return datetime.fromisoformat(value).timestamp()
    return float(value)
