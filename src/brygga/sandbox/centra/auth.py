"""Integration tokens and permissions (fact sheet §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from fastapi import Request
from graphql import GraphQLError, GraphQLResolveInfo

from brygga.sandbox.centra.ratelimit import RateLimiter
from brygga.sandbox.centra.scalars import parse_datetime
from brygga.sandbox.centra.state import Shop
from brygga.sandbox.storage import DocumentStore


def find_token(store: DocumentStore, request: Request) -> dict[str, Any] | None:
    """The caller's live token: `Authorization: Bearer` or, as Centra also accepts, the
    `graphql-access` cookie. Unknown and expired tokens give None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else request.cookies.get("graphql-access")
    document = store.get("tokens", token) if token else None
    if document is None:
        return None
    expires = document.get("expiresAt")
    if expires is not None and parse_datetime(expires) <= datetime.now(UTC):
        return None
    return document


@dataclass
class RequestContext:
    """What resolvers see of one request: the data, the limiter and the caller's token (its
    rights and its integration name, which owns an event queue and ID conversions, §1)."""

    shop: Shop
    limiter: RateLimiter
    permissions: frozenset[str]
    integration_name: str
    permissions_used: set[str] = field(default_factory=set)

    @property
    def store(self) -> DocumentStore:
        return self.shop.store

    def require(self, permission: str, info: GraphQLResolveInfo) -> None:
        """Fail this field as Centra does: HTTP 200, `data` null, an authorization error."""
        self.permissions_used.add(permission)  # reported even when missing, to size tokens
        if permission not in self.permissions:
            raise GraphQLError(
                f"You need {permission} permission to access {info.field_name}.",
                extensions={"category": "authorization"},
            )

    @cached_property
    def last_orders(self) -> dict[int, dict[str, Any]]:
        """Each customer's most recent order that is not on hold (held orders stay hidden)."""
        latest: dict[int, dict[str, Any]] = {}
        for order in self.store.all("orders"):
            if order["isOnHold"]:
                continue
            current = latest.get(order["customerId"])
            if current is None or _created(order) > _created(current):
                latest[order["customerId"]] = order
        return latest


def _created(order: dict[str, Any]) -> datetime:
    return parse_datetime(order["createdAt"])
