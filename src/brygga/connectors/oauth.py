"""OAuth 2 as Brygga's connectors use it: access tokens renewed one task at a time, the
rotating refresh tokens of a consent (stored before use, DESIGN.md invariant 4), and the
connect step that asks a merchant's consent and trades the code for credentials (RFC 6749
§4.1). Each system says where its endpoints are and which scopes it asks for."""

from __future__ import annotations

import asyncio
import inspect
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.http import parse_json, token_refused

# Renew a minute early so a request never leaves with a token about to die.
EARLY_SECONDS = 60
# Receives the whole new credentials (with the rotated refresh token) to store them.
CredentialsCallback = Callable[[dict[str, Any]], Awaitable[None] | None]
# The access token the current task last sent, so that a 401 refreshes only a stale token.
_sent: ContextVar[str | None] = ContextVar("brygga_sent_token", default=None)
# What a merchant can do when the code is refused (RFC 6749 §5.2).
REDEEM_HINTS = {
    "invalid_grant": "the code expired, was used, or names another redirect URI; connect again",
    "invalid_client": "check the client id and secret of the app",
}


@dataclass(frozen=True)
class TokenEndpoint:
    """A token endpoint and the client that signs in to it: with HTTP Basic, or with
    `client_id` and `client_secret` in the form (`client_secret_post`)."""

    url: str
    client_id: str
    client_secret: str
    provider: str  # who refuses, in messages: "Fortnox", "Visma Connect"
    basic_auth: bool = True

    async def post(
        self, form: dict[str, str], headers: Mapping[str, str] | None = None
    ) -> tuple[httpx.Response, dict[str, Any]]:
        """The response and its JSON object ({} when it has none)."""
        auth = None
        if self.basic_auth:
            auth = httpx.BasicAuth(self.client_id, self.client_secret)
        else:
            form = form | {"client_id": self.client_id, "client_secret": self.client_secret}
        sent = {"Accept": "application/json", **(headers or {})}
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(self.url, data=form, headers=sent, auth=auth)
        try:
            body = parse_json(response) if response.content else {}
        except ValueError:
            body = {}
        return response, body if isinstance(body, dict) else {}

    def refused(
        self, response: httpx.Response, body: dict[str, Any], what: str, hint: str = ""
    ) -> ConnectorError:
        """The endpoint's refusal, in the RFC 6749 `{"error": ...}` shape."""
        error = str(body.get("error") or "")
        message = f"{self.provider} refused {what} ({error or response.status_code})"
        return token_refused(response, f"{message}; {hint}" if hint else message, error or None)


class SingleFlightToken(ABC):
    """An access token renewed by one task at a time: `headers` renews it when it is stale,
    and `refresh` (after a 401) only when no concurrent task renewed it meanwhile."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._lock = asyncio.Lock()

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


class RefreshingToken(SingleFlightToken):
    """A connection made by consent, whose refresh token may be single use and rotated on
    every refresh (Fortnox always, Visma Connect when the app says so): two refreshes with one
    token end the grant. So one refresh runs at a time per connection, and the rotated token
    goes to `on_credentials` to be stored BEFORE the new access token is used (DESIGN.md
    invariant 4). `invalid_grant` means the merchant must reconnect; it is never retried."""

    def __init__(
        self,
        endpoint: TokenEndpoint,
        credentials: dict[str, Any],
        on_credentials: CredentialsCallback | None = None,
    ) -> None:
        super().__init__()
        self.endpoint = endpoint
        self._credentials = dict(credentials)
        self._on_credentials = on_credentials
        self._token = credentials.get("access_token") or None
        self._expires_at = _epoch(credentials.get("expires_at"))
        self._dead: ConnectorError | None = None

    def _stale(self) -> bool:
        return time.time() > self._expires_at - EARLY_SECONDS

    async def _renew(self) -> None:
        if self._dead is not None:
            raise self._dead
        self._token = None
        form = {"grant_type": "refresh_token", "refresh_token": self._credentials["refresh_token"]}
        response, body = await self.endpoint.post(form)
        if response.status_code != 200 or "access_token" not in body:
            error = self.endpoint.refused(response, body, "the connection's refresh token")
            if error.code == "invalid_grant":
                error.message += "; reconnect Brygga to grant access again"
                self._dead = error
            raise error
        self._credentials |= _credentials(body, self._credentials["refresh_token"])
        if self._on_credentials is not None:
            stored = self._on_credentials(dict(self._credentials))
            if inspect.isawaitable(stored):
                await stored
        self._token = self._credentials["access_token"]
        self._expires_at = float(self._credentials["expires_at"])


@dataclass(frozen=True)
class ConsentApp:
    """How a merchant connects Brygga to a system by consent: `authorize_url` is the
    provider's consent page, which sends the browser back to `redirect_uri` with `code` and
    `state`; `redeem` trades the code for credentials the system's client accepts.

    `authorize` and `token` give the endpoints for an API base URL: the live hosts for the live
    API, the same paths on any other base URL (a sandbox)."""

    provider: str
    authorize: Callable[[str], str]
    token: Callable[[str], str]
    scope: str
    extra: Mapping[str, str] = field(default_factory=dict)  # more authorize parameters
    basic_auth: bool = True

    def authorize_url(self, base_url: str, client_id: str, redirect_uri: str, state: str) -> str:
        return prepare_grant_uri(
            self.authorize(base_url),
            client_id,
            "code",
            redirect_uri=redirect_uri,
            scope=self.scope,
            state=state,
            **self.extra,
        )

    async def redeem(
        self, base_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> dict[str, Any]:
        """The connection's credentials: client_id, client_secret, refresh_token,
        access_token and expires_at (epoch seconds). Raises an AUTH ConnectorError when the
        code is refused or the grant carries no refresh token."""
        endpoint = TokenEndpoint(
            self.token(base_url), client_id, client_secret, self.provider, self.basic_auth
        )
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        response, body = await endpoint.post(form)
        if response.status_code != 200 or "access_token" not in body:
            hint = REDEEM_HINTS.get(str(body.get("error")), "")
            raise endpoint.refused(response, body, "the authorization code", hint)
        credentials = _credentials(body)
        if not credentials["refresh_token"]:
            raise ConnectorError(
                ErrorClass.AUTH,
                f"{self.provider} granted no refresh token; allow offline access for the app",
            )
        return {"client_id": client_id, "client_secret": client_secret} | credentials


def _credentials(body: dict[str, Any], refresh_token: str = "") -> dict[str, Any]:
    """The tokens of a token response, with the access token's end in epoch seconds. A
    refresh may come without a new refresh token; the old one then lives on (RFC 6749 §6)."""
    return {
        "refresh_token": body.get("refresh_token") or refresh_token,
        "access_token": body["access_token"],
        "expires_at": int(time.time()) + int(body.get("expires_in", 3600)),
    }


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
