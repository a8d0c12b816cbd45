"""Root `Query` fields: filtered, sorted, paged lists of orders and customers; `rateLimits`.

Also the list helpers every `limit`/`page` query shares (fact sheet §3.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from brygga.sandbox.centra.scalars import parse_datetime

Document = dict[str, Any]

DEFAULT_LIMIT = 20
# Clients use 10–200; Centra's real maximum is undocumented (fact sheet §3.2).
MAX_LIMIT = 200

ORDER_SORT_KEYS: dict[str, Callable[[Document], Any]] = {
    "number": lambda order: order["number"],
    "createdAt": lambda order: parse_datetime(order["createdAt"]),
    "orderDate": lambda order: parse_datetime(order["orderDate"]),
}
ID_SORT_KEYS: dict[str, Callable[[Document], Any]] = {"id": lambda document: document["id"]}


def resolve_orders(
    _root: None,
    info: GraphQLResolveInfo,
    where: Document | None = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Document]:
    info.context.require("Order:read", info)
    orders = (o for o in info.context.store.all("orders") if _order_matches(o, where or {}))
    return page_of(sort_documents(orders, sort or ["number_ASC"], ORDER_SORT_KEYS), limit, page)


def resolve_order(_root: None, info: GraphQLResolveInfo, id: str) -> Document | None:
    """By id, an order on hold is returned too: only lists hide them."""
    info.context.require("Order:read", info)
    return info.context.store.get("orders", id)


def resolve_customers(
    _root: None,
    info: GraphQLResolveInfo,
    where: Document | None = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Document]:
    info.context.require("Customer:read", info)
    where = where or {}
    customers = (c for c in info.context.store.all("customers") if _customer_matches(c, where))
    return page_of(sort_documents(customers, sort or ["id_ASC"], ID_SORT_KEYS), limit, page)


def resolve_rate_limits(_root: None, info: GraphQLResolveInfo) -> list[Document]:
    return info.context.limiter.usage()


def _order_matches(order: Document, where: Document) -> bool:
    # Orders on hold are hidden unless asked for (fact sheet §4.1).
    if order["isOnHold"] != bool(where.get("isOnHold")):
        return False
    for name in ("id", "number", "status"):
        wanted = where.get(name)
        if wanted is not None and order[name] not in wanted:
            return False
    store_type = where.get("storeType")
    if store_type is not None and order["storeType"] != store_type:
        return False
    return all(
        in_range(parse_datetime(order[name]), where.get(name) or {})
        for name in ("createdAt", "orderDate")
    )


def in_range(value: datetime, bounds: Document) -> bool:
    """`from` and `to` are both inclusive."""
    start, end = bounds.get("from"), bounds.get("to")
    return (start is None or value >= start) and (end is None or value <= end)


def _customer_matches(customer: Document, where: Document) -> bool:
    ids = where.get("id")
    if ids is not None and customer["id"] not in ids:
        return False
    email = (where.get("email") or {}).get("equals")
    # Case-insensitive like MySQL's default collation, which Centra runs on (unconfirmed).
    return email is None or (customer["email"] or "").casefold() == email.casefold()


def sort_documents(
    documents: Iterable[Document], sort: list[str], keys: dict[str, Callable[[Document], Any]]
) -> list[Document]:
    """Sort by each `<field>_ASC|DESC` in turn, the first one deciding (stable sorts)."""
    result = list(documents)
    for item in reversed(sort):
        name, direction = item.rsplit("_", 1)
        result.sort(key=keys[name], reverse=direction == "DESC")
    return result


def page_of(documents: list[Document], limit: int | None, page: int | None) -> list[Document]:
    limit = checked_limit(limit)
    page = 1 if page is None else page
    if page < 1:
        raise invalid(f"page is 1-based, got {page}.")
    start = (page - 1) * limit
    return documents[start : start + limit]


def checked_limit(limit: int | None) -> int:
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    return limit


def invalid(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"category": "validation"})
