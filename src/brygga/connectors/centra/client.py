"""Transport and auth for Centra: one GraphQL endpoint, a bearer integration token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.http import HttpClient, default_classifier, parse_json
from brygga.connectors.ratelimit import client_limiter

# Growth tier: 60 requests and 20 mutations per 10 s per environment, shared by every
# integration on it (centra.md §2). Brygga starts a little under, and its limiter gives way
# further when 429s show that another client is using the quota too.
REQUESTS_PER_TEN_SECONDS = 50
MUTATIONS_PER_TEN_SECONDS = 18


class BearerToken:
    """A Centra integration token: no OAuth and no refresh, so a 401 means a new token is
    needed (centra.md §1)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    async def refresh(self) -> None:
        raise ConnectorError(
            ErrorClass.AUTH,
            "Centra refused the integration token; create a new one in Centra "
            "(System → API Tokens) and update the connection",
            status=401,
        )


class CentraClient:
    def __init__(self, base_url: str, credentials: dict[str, Any]) -> None:
        token = credentials.get("token")
        if not token:
            raise ValueError("a Centra connection needs an integration API token ('token')")
        self.http = HttpClient(
            base_url,
            # The budget is the environment's, shared by every token on it (§2).
            limiter=client_limiter(credentials, base_url, REQUESTS_PER_TEN_SECONDS, 10.0),
            auth=BearerToken(token),
            secrets=[token],
        )
        self.mutations = client_limiter(credentials, base_url, MUTATIONS_PER_TEN_SECONDS, 10.0)

    async def query(
        self, document: str, variables: dict[str, Any] | None = None, *, writes: bool = False
    ) -> Any:
        """Run a GraphQL document and return `data`, raising on `errors` (sent with HTTP 200).
        `writes`: the document is a mutation (a query is a POST that changes nothing)."""
        body = {"query": document, "variables": variables or {}}
        # A mutation counts against the environment's mutation budget too (§2).
        budgets = (self.mutations,) if writes and self.mutations is not None else ()
        response = await self.http.request(
            "POST", "/graphql", writes=writes, limiters=budgets, json=body
        )
        body = parse_json(response)
        if body.get("errors"):
            raise graphql_error(body["errors"], response)
        return body["data"]

    async def pages(
        self, document: str, key: str, variables: dict[str, Any], limit: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """The items of a paged list query (`variables` hold its `limit`), a page at a time,
        until a page comes back short: lists carry no total (§3.2)."""
        page = 1
        while True:
            items = (await self.query(document, {**variables, "page": page}))[key]
            if items:
                yield items
            if len(items) < limit:
                return
            page += 1

    async def mutate(self, document: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
        """Run a one-mutation document and return its payload. `userErrors` reject the whole
        mutation; batch mutations report skipped rows as `userWarnings` and apply the rest
        (§3.1). Brygga sends only rows it has checked, so a warning is an error too. Neither is
        retried: the same input fails the same way."""
        payload = (await self.query(document, variables, writes=True))[name]
        problems = (payload.get("userErrors") or []) + (payload.get("userWarnings") or [])
        if problems:
            messages = "; ".join(
                f"{item['message']} (at {'.'.join(item.get('path') or []) or name})"
                for item in problems
            )
            raise ConnectorError(
                ErrorClass.DATA, f"Centra refused {name}: {messages}", payload=problems
            )
        return payload

    async def aclose(self) -> None:
        await self.http.aclose()


def graphql_error(errors: list[dict[str, Any]], response: httpx.Response) -> ConnectorError:
    first = errors[0]
    category = (first.get("extensions") or {}).get("category", "")
    error_class = ErrorClass.AUTH if category in ("authorization", "authentication") else None
    error = default_classifier(response)
    error.error_class = error_class or ErrorClass.DATA
    error.message = "Centra: " + "; ".join(str(item.get("message")) for item in errors)
    error.code = category or None
    error.payload = errors
    return error
