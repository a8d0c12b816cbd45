"""Transport and auth for Fortnox: OAuth2 bearer JWTs, 25 requests per 5 s per tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from brygga.connectors.errors import ConnectorError, ErrorClass, error_class_for_status
from brygga.connectors.fortnox.auth import PROVIDER, ServiceAccountToken, oauth_url
from brygga.connectors.http import HttpClient, parse_json
from brygga.connectors.oauth import CredentialsCallback, RefreshingToken, TokenEndpoint
from brygga.connectors.ratelimit import client_limiter

# 25 requests per sliding 5 s window per (client id, tenant) (fortnox.md §2). Brygga sends 24:
# Fortnox counts a request when it arrives, and a busy network or server can bunch arrivals.
REQUESTS_PER_WINDOW = 24
WINDOW_SECONDS = 5.0
LIST_LIMIT = 500  # the maximum page size (§3.4)

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


class FortnoxClient:
    """One Fortnox connection: a service account (`client_id`, `client_secret`, `tenant_id`),
    or an authorization-code grant (`client_id`, `client_secret`, `refresh_token`, optionally
    `access_token` and `expires_at` in epoch seconds) whose rotated tokens are handed to
    `on_credentials` to be stored."""

    def __init__(
        self,
        base_url: str,
        credentials: dict[str, Any],
        on_credentials: CredentialsCallback | None = None,
    ) -> None:
        code_grant = bool(credentials.get("refresh_token"))
        needed = ("client_id", "client_secret") + (() if code_grant else ("tenant_id",))
        missing = [key for key in needed if not credentials.get(key)]
        if missing:
            raise ValueError(f"a Fortnox connection needs {', '.join(missing)}")
        endpoint = TokenEndpoint(
            credentials.get("token_url") or oauth_url(base_url, "token"),
            credentials["client_id"],
            credentials["client_secret"],
            PROVIDER,
        )
        auth: RefreshingToken | ServiceAccountToken
        if code_grant:
            auth = RefreshingToken(endpoint, credentials, on_credentials)
        else:
            auth = ServiceAccountToken(endpoint, str(credentials["tenant_id"]))
        secrets = [credentials[key] for key in ("client_secret", "refresh_token", "access_token")
                   if credentials.get(key)]  # fmt: skip
        self.http = HttpClient(
            base_url,
            limiter=client_limiter(
                credentials,
                # Fortnox counts per client and tenant (§2); an authorization-code connection
                # knows no tenant id, and its client id then stands for the one it consented.
                f"{base_url}|{credentials['client_id']}|{credentials.get('tenant_id', '')}",
                REQUESTS_PER_WINDOW,
                WINDOW_SECONDS,
            ),
            auth=auth,
            classify=classify,
            secrets=secrets,
            rate_limit_wait=WINDOW_SECONDS,  # 429s carry no Retry-After (§2)
        )

    async def get(self, path: str, **params: Any) -> Any:
        return await self.http.json("GET", path, params=params or None)

    async def items(self, path: str, key: str, **params: Any) -> AsyncIterator[list[Any]]:
        """A list, page by page at the largest page size, until `@CurrentPage ==
        @TotalPages` (§3.4)."""
        page = 1
        while True:
            body = await self.get(path, limit=LIST_LIMIT, page=page, **params)
            yield body[key]
            meta = body["MetaInformation"]
            if meta["@CurrentPage"] >= meta["@TotalPages"]:
                return
            page += 1

    async def first_page(self, path: str, key: str, limit: int, **params: Any) -> list[Any]:
        """The first `limit` items of a list: a search that must not read a whole register."""
        return (await self.get(path, limit=limit, page=1, **params))[key]

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.http.json("POST", path, json=body)

    async def put(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """PUT a body, or with none an action such as `/3/invoices/{n}/credit`."""
        if body is None:
            return await self.http.json("PUT", path)
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
