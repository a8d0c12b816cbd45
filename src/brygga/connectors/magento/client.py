"""Transport and auth for Magento 2: REST V1 signed with an integration's OAuth 1.0a values."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Generator
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from authlib.integrations.httpx_client import OAuth1Auth
from authlib.integrations.httpx_client.utils import build_request
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.http import HttpClient, default_classifier
from brygga.connectors.magento.search import MAX_PAGE_SIZE, Criteria
from brygga.connectors.ratelimit import client_limiter

CREDENTIAL_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
# Core Magento has no REST rate limit (magento.md §2); stay modest so a small store's PHP
# workers keep serving shoppers. `requests_per_second` in the connection overrides it.
REQUESTS_PER_SECOND = 10
REFUSED = "Magento refused the integration's credentials"
# Magento's OAuth layer answers a token of the wrong length with 400, not 401 (§3.4): a
# mistyped access token, which the merchant fixes like a refused one.
TOKEN_LENGTH_INVALID = "The token length is invalid."


def _sign_hmac_sha256(client: OAuth1Auth, request: Any) -> str:
    """HMAC-SHA256 as RFC 5849 §3.4.2 with SHA-256, which Magento documents (§1.1); authlib
    ships only HMAC-SHA1."""
    base = generate_signature_base_string(request)
    key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class IntegrationSigner(OAuth1Auth):
    """Signs every request with the four integration values; JSON bodies are not signed but
    every query parameter is (§1.1)."""

    SIGNATURE_METHODS: ClassVar[dict[str, Any]] = {
        **OAuth1Auth.SIGNATURE_METHODS,
        "HMAC-SHA256": _sign_hmac_sha256,
    }

    def __init__(self, credentials: dict[str, Any]) -> None:
        super().__init__(
            credentials["consumer_key"],
            credentials["consumer_secret"],
            token=credentials["access_token"],
            token_secret=credentials["access_token_secret"],
            signature_method="HMAC-SHA256",
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # authlib's own flow drops a body that is not a form; Brygga sends only JSON, which
        # is left out of the signature (§1.1) but must still be sent.
        url, headers, _ = self.sign(request.method, str(request.url), request.headers, b"")
        yield build_request(url=url, headers=headers, body=request.content, initial_request=request)


class IntegrationToken:
    """Integration tokens never expire; a 401 means the integration was reauthorized or
    deactivated, or lacks an API resource (§1.1, §1.2). There is nothing to refresh."""

    async def headers(self) -> dict[str, str]:
        return {}

    async def refresh(self) -> None:
        raise ConnectorError(
            ErrorClass.AUTH,
            f"{REFUSED}. Reactivate (or reauthorize) the integration in Magento under "
            "System → Extensions → Integrations, check that its API tab grants the sales, "
            "catalog, customer, inventory and store resources, and update the connection with "
            "the consumer key and secret and the new access token and secret",
            status=401,
        )


def api_root(base_url: str, store_code: str = "default") -> str:
    """`https://shop/rest/<store>/V1`: a base URL that already names `/rest[/<store>][/V1]` is
    kept, a bare shop URL gets `/rest/<store_code>/V1` (§1)."""
    root = base_url.rstrip("/")
    path = urlsplit(root).path
    if path.endswith("/V1"):
        return root
    if "/rest" in path:
        return f"{root}/V1"
    return f"{root}/rest/{store_code}/V1"


class MagentoClient:
    def __init__(self, base_url: str, credentials: dict[str, Any]) -> None:
        missing = [key for key in CREDENTIAL_KEYS if not credentials.get(key)]
        if missing:
            raise ValueError(
                f"a Magento connection needs the integration's {', '.join(missing)} "
                "(System → Extensions → Integrations)"
            )
        rate = int(credentials.get("requests_per_second", REQUESTS_PER_SECOND))
        self.http = HttpClient(
            api_root(base_url, credentials.get("store_code") or "default"),
            limiter=client_limiter(credentials, base_url, rate, 1.0),
            auth=IntegrationToken(),
            signer=IntegrationSigner(credentials),
            classify=classify,
            secrets=[credentials[key] for key in CREDENTIAL_KEYS],
        )
        self._base_currency: str | None = None

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return await self.http.json("GET", path, params=params)

    async def post(self, path: str, body: Any) -> Any:
        return await self.http.json("POST", path, json=body)

    async def search(self, path: str, criteria: Criteria) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a getList search. Paging stops on `total_count`, since a page past
        the end repeats the last one (§3.3)."""
        page = 1
        while True:
            body = await self.get(path, criteria.params(page))
            items = body.get("items") or []
            if items:
                yield items
            if not items or page * criteria.page_size >= int(body.get("total_count") or 0):
                return
            page += 1

    async def everything(self, path: str, criteria: Criteria) -> list[dict[str, Any]]:
        """All items of a small search, e.g. the invoices of one order."""
        found = []
        async for items in self.search(path, criteria):
            found += items
        return found

    async def order_by_number(self, number: str) -> dict[str, Any] | None:
        """The order whose `increment_id` is `number` (the shop order number, §4.1)."""
        criteria = Criteria(page_size=MAX_PAGE_SIZE).where("increment_id", number)
        orders = await self.everything("/orders", criteria)
        return next((o for o in orders if o["increment_id"] == number), None)

    async def base_currency(self) -> str:
        if self._base_currency is None:
            body = await self.get("/directory/currency")
            self._base_currency = str(body["base_currency_code"])
        return self._base_currency

    async def aclose(self) -> None:
        await self.http.aclose()


def classify(response: httpx.Response) -> ConnectorError:
    """Magento's error body with its `%1` / `%name` placeholders filled in (§3.4)."""
    error = default_classifier(response)
    body = error.payload
    if isinstance(body, dict) and body.get("message"):
        parts = [fill(body["message"], body.get("parameters"))]
        parts += [fill(e.get("message", ""), e.get("parameters")) for e in body.get("errors") or []]
        text = " ".join(part for part in parts if part)
        error.message = f"Magento: {text}"
        if isinstance(body.get("code"), int):
            error.code = str(body["code"])
        if response.status_code == 400 and text.startswith(TOKEN_LENGTH_INVALID):
            error.error_class = ErrorClass.AUTH
            error.message = f"{REFUSED}: {text}"
    else:
        error.message = f"Magento: {response.request.method} {response.url.path} answered " + (
            f"HTTP {response.status_code}"
        )
    return error


def fill(message: str, parameters: Any) -> str:
    """`%1`-style placeholders from a list, `%name` ones from an object (§3.4)."""
    if isinstance(parameters, list):
        # Highest index first, so that %1 does not eat the start of %10.
        for index in range(len(parameters), 0, -1):
            message = message.replace(f"%{index}", _text(parameters[index - 1]))
    elif isinstance(parameters, dict):
        for name in sorted(parameters, key=len, reverse=True):
            message = message.replace(f"%{name}", _text(parameters[name]))
    return message


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


__all__ = ["MagentoClient", "api_root", "classify", "fill"]
