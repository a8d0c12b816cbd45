"""Transport and auth for Visma.net ERP: a Visma Connect token for one company (service
client credentials, or an interactive connection renewed by its refresh token, see `auth`), the
`/v1` `/v2` monolith and the SalesOrders V3 service (`shared/apis/vismanet.md`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from brygga.connectors.errors import ConnectorError, ErrorClass, error_class_for_status
from brygga.connectors.http import HttpClient, RequestStats, parse_json, retry_after_seconds
from brygga.connectors.oauth import CredentialsCallback, RefreshingToken, TokenEndpoint
from brygga.connectors.ratelimit import client_limiter
from brygga.connectors.vismanet.auth import (
    PROVIDER,
    SERVICE_SCOPES,
    ConnectToken,
    connect_url,
)

log = logging.getLogger("brygga.vismanet")

# Policy `4-fixed-window`: X requests per hour per company + client, X unpublished (§2); the
# historical production quota is 15,000/h, test clients had 500/h (`requests_per_hour`).
REQUESTS_PER_HOUR = 15_000
WINDOW_SECONDS = 3600.0
PAGE_SIZE = 1000  # silently capped at `maxPageSize` (§3.4)
V3_PAGE_SIZE = 1000


def salesorder_url_for(base_url: str) -> str:
    """SalesOrders V3 has its own host beside the live monolith (§0); a sandbox serves both."""
    if urlsplit(base_url).hostname == "api.finance.visma.net":
        return "https://salesorder.visma.net"
    return base_url


class VismanetClient:
    """One Visma.net company: service credentials (`client_id`, `client_secret`,
    `tenant_id`), or an interactive connection (`client_id`, `client_secret`,
    `refresh_token`, optionally `access_token` and `expires_at` in epoch seconds) whose renewed
    tokens are handed to `on_credentials` to be stored before use."""

    def __init__(
        self,
        base_url: str,
        credentials: dict[str, Any],
        on_credentials: CredentialsCallback | None = None,
    ) -> None:
        interactive = bool(credentials.get("refresh_token"))
        needed = ("client_id", "client_secret") + (() if interactive else ("tenant_id",))
        missing = [key for key in needed if not credentials.get(key)]
        if missing:
            raise ValueError(f"a Visma.net connection needs {', '.join(missing)}")
        # The sandbox names its token endpoint relative to its own host.
        token_url = urljoin(
            base_url.rstrip("/") + "/",
            credentials.get("token_url") or connect_url(base_url, "token"),
        )
        endpoint = TokenEndpoint(
            token_url,
            credentials["client_id"],
            credentials["client_secret"],
            PROVIDER,
            basic_auth=False,
        )
        auth: RefreshingToken | ConnectToken
        if interactive:
            auth = RefreshingToken(endpoint, credentials, on_credentials)
        else:
            scope = credentials.get("scope") or SERVICE_SCOPES
            auth = ConnectToken(endpoint, str(credentials["tenant_id"]), scope)
        per_hour = int(credentials.get("requests_per_hour") or REQUESTS_PER_HOUR)
        # The company's budget (§2); an interactive connection knows no tenant id, and its
        # client id then stands for the company the user picked.
        account = f"{base_url}|{credentials.get('tenant_id') or credentials['client_id']}"
        # Its `X-RateLimit-*` headers correct the budget (HttpClient reads them, §2).
        self.limiter = client_limiter(credentials, account, per_hour, WINDOW_SECONDS)
        secrets = [credentials[key] for key in ("client_secret", "refresh_token", "access_token")
                   if credentials.get(key)]  # fmt: skip
        options = dict(
            auth=auth,
            classify=classify,
            secrets=secrets,
            rate_limit_wait=60.0,
            stats=RequestStats(),
        )
        self.http = HttpClient(base_url, limiter=self.limiter, **options)
        # SalesOrders V3 has its own host live; one company, one token, one budget.
        v3_url = credentials.get("salesorder_url") or salesorder_url_for(base_url)
        self.v3 = HttpClient(v3_url, limiter=self.limiter, **options)

    def observe(self, callback: Callable[[httpx.Request], None]) -> None:
        self.http.observe(callback)
        self.v3.observe(callback)

    async def request(
        self, method: str, path: str, *, v3: bool = False, **kwargs: Any
    ) -> httpx.Response:
        return await (self.v3 if v3 else self.http).request(method, path, **kwargs)

    async def get(self, path: str, **params: Any) -> Any:
        return parse_json(await self.request("GET", path, params=params or None))

    async def get_or_none(self, path: str, **params: Any) -> Any:
        try:
            return await self.get(path, **params)
        except ConnectorError as error:
            if error.error_class is ErrorClass.NOT_FOUND:
                return None
            raise

    async def create(self, path: str, body: dict[str, Any], *, v3: bool = False) -> str:
        """POST a new record; its key is the last segment of `Location` (§3.2)."""
        response = await self.request("POST", path, json=body, v3=v3)
        location = response.headers.get("Location", "")
        key = location.rstrip("/").rsplit("/", 1)[-1]
        if not key:
            raise ConnectorError(
                ErrorClass.TRANSIENT, f"Visma.net created a record at {path} without Location"
            )
        return key

    async def v3_get(self, path: str, **params: Any) -> tuple[Any, str]:
        """A SalesOrders V3 record and its ETag (§4.2)."""
        response = await self.request("GET", path, v3=True, params=params or None)
        return parse_json(response), response.headers.get("ETag", "")

    async def v3_patch(self, path: str, body: dict[str, Any], etag: str) -> None:
        """A partial V3 update; `If-Match` is mandatory (412 stale, 428 missing) (§4.2)."""
        await self.request("PATCH", path, v3=True, json=body, headers={"If-Match": etag})

    async def put(self, path: str, body: dict[str, Any]) -> None:
        await self.request("PUT", path, json=body)

    async def action(self, path: str, body: dict[str, Any] | None = None) -> None:
        """Run an action (`.../action/release`): `{actionId, actionResult, errorInfo}` (§3.2)."""
        options = {} if body is None else {"json": body}
        response = await self.request("POST", path, **options)
        result = parse_json(response) if response.content else None
        if isinstance(result, dict) and result.get("actionResult") == "Failed":
            raise ConnectorError(
                ErrorClass.DATA,
                f"Visma.net could not run {path}: {result.get('errorInfo') or 'no reason given'}",
                status=response.status_code,
                payload=result,
            )

    async def pages(self, path: str, **params: Any) -> AsyncIterator[list[dict[str, Any]]]:
        """Every page of a monolith list: bare arrays, `pageNumber` from 1, stop on a short
        or empty page against the returned `maxPageSize` (§3.4)."""
        number = 1
        while True:
            page = await self.get(path, pageNumber=number, pageSize=PAGE_SIZE, **params)
            if page:
                yield page
            cap = (page[0].get("metadata") or {}).get("maxPageSize") if page else None
            if len(page) < min(PAGE_SIZE, int(cap or PAGE_SIZE)):
                return
            number += 1

    async def first_page(self, path: str, size: int, **params: Any) -> list[dict[str, Any]]:
        """The first `size` records of a monolith list: a search that must not read a whole
        register."""
        return await self.get(path, pageNumber=1, pageSize=size, **params)

    async def v3_items(self, path: str, **params: Any) -> AsyncIterator[dict[str, Any]]:
        """Every item of a V3 list: `{value, nextPage, totalCount}`, zero-based `pageIndex`."""
        index = 0
        while True:
            query = {"pageIndex": index, "pageSize": V3_PAGE_SIZE, **params}
            body = parse_json(await self.request("GET", path, v3=True, params=query))
            for item in body.get("value") or []:
                yield item
            if not body.get("nextPage") or not body.get("value"):
                return
            index += 1

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.v3.aclose()


def dto(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values in the DtoValue wrapper; sub-objects are wrapped with wrapped leaves
    (§3.1). Absent means unchanged, so pass only what should be written."""
    return {
        key: {"value": dto(value) if isinstance(value, dict) else value}
        for key, value in values.items()
    }


def lines(rows: list[dict[str, Any]], operation: str = "Insert") -> list[dict[str, Any]]:
    """Line arrays are not wrapped: wrapped fields plus a plain `operation` (§3.1)."""
    return [dto(row) | {"operation": operation} for row in rows]


def classify(response: httpx.Response) -> ConnectorError:
    """Every error shape of §3.3: `{"message": "VismaId: ..."}`, the IPP gateway's
    `ExceptionType`, V3 problem details, and Connect's `{"error": ...}`."""
    try:
        body = parse_json(response)
    except ValueError:
        body = response.text[:2000] or None
    status = response.status_code
    error_class = error_class_for_status(status)
    code = None
    if isinstance(body, dict) and "ExceptionType" in body:
        message = body.get("ExceptionMessage") or body["ExceptionType"]
        code = str(body.get("ExceptionFaultCode") or "") or None
        if code == "12027":  # "No license for this company.": a customer tenant id (§6.1)
            error_class = ErrorClass.AUTH
            message += " Use the company tenant id, not the customer tenant id."
    elif isinstance(body, dict) and ("title" in body or "detail" in body):
        message = body.get("detail") or body.get("title") or ""
        problems = body.get("errors") or {}
        if problems:
            message = "; ".join(f"{key}: {' '.join(texts)}" for key, texts in problems.items())
        details = body.get("details") or []
        code = str(details[0].get("code")) if details and details[0].get("code") else None
    elif isinstance(body, dict) and "message" in body:
        message = str(body["message"])
        # Failed POSTs may answer 500 with a validation message (§3.3).
        if status == 500 and ("Error creating" in message or "Error updating" in message):
            error_class = ErrorClass.DATA
    elif isinstance(body, dict) and "error" in body:
        message = str(body["error"])
    else:
        message = response.reason_phrase or f"HTTP {status}"
    if status == 412:  # the record changed since it was read (ETag, §3.6)
        error_class = ErrorClass.CONFLICT
    if status == 410:  # a background job's content is gone after 24 h (§2)
        error_class = ErrorClass.NOT_FOUND
    request_id = response.headers.get("Ipp-Request-Id")
    if request_id:
        log.info("Visma.net %s refused, Ipp-Request-Id %s", status, request_id)
    return ConnectorError(
        error_class,
        f"Visma.net: {message}",
        status=status,
        code=code,
        payload=body,
        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
    )
