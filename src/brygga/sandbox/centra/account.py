"""The environment's setup as an integration reads it (fact sheet §1, §4.7): its stores and
its currencies, the base one being SEK, the demo brand's own."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.events import DTC_STORE
from brygga.sandbox.centra.money import BASE_CURRENCY, CURRENCY_IDS, currency
from brygga.sandbox.centra.queries import page_of

Document = dict[str, Any]


def resolve_stores(
    _root: None, info: GraphQLResolveInfo, limit: int | None = None, page: int | None = None
) -> list[Document]:
    info.context.require("Store:read", info)
    return page_of([DTC_STORE], limit, page)


def resolve_currencies(
    _root: None, _info: GraphQLResolveInfo, where: Document | None = None
) -> list[Document]:
    is_base = (where or {}).get("isBase")
    return [
        currency(code)
        for code in CURRENCY_IDS
        if is_base is None or (code == BASE_CURRENCY) == is_base
    ]
