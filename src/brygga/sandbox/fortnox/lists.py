"""List endpoints: the envelope, paging, search, `filter`, `lastmodified` and sorting (§3.1, §3.4).

`{"MetaInformation": {...}, "<Plural>": [...]}` with MetaInformation first; items are subsets of
the record with `@url`. Field search parameters match substrings case-insensitively, as Fortnox's
`ILIKE %value%` does, so `externalinvoicereference1=123` also finds `1234`. Parameters a list
does not know are ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.fortnox.errors import INVALID_FILTER, INVALID_PARAMETER, FortnoxError

Record = dict[str, Any]
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LASTMODIFIED = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?")


@dataclass(frozen=True)
class ListSpec:
    plural: str
    item: Callable[[Record, str], Record]  # (record, base URL) -> list item
    sort_keys: dict[str, Callable[[Record], Any]]  # `sortby` value -> sort key
    default_sort: str
    search: dict[str, str] = field(default_factory=dict)  # parameter -> record field
    filters: dict[str, Callable[[Record], bool]] = field(default_factory=dict)
    # Further predicates built from the query (date ranges, boolean parameters).
    predicates: Callable[[dict[str, str]], list[Callable[[Record], bool]]] = lambda query: []


def base_url(request: Request, config: SandboxConfig) -> str:
    return (config.public_url or str(request.base_url)).rstrip("/")


def visible(record: Record) -> Record:
    """A stored record without its hidden bookkeeping fields (`_LastModified`, `_Deleted`)."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def with_url(record: Record, url: str) -> Record:
    """The API form of a stored record: `@url` first, hidden fields dropped."""
    return {"@url": url} | visible(record)


def natural(value: str | None) -> tuple[int, int, str]:
    """Sort numeric identifiers as numbers ("2" before "10") and everything else after them."""
    text = value or ""
    return (0, int(text), "") if text.isdigit() else (1, 0, text.lower())


def list_response(
    request: Request, config: SandboxConfig, records: Iterable[Record], spec: ListSpec
) -> Response:
    query = dict(request.query_params)
    page, limit, offset = _paging(query)
    checks = _predicates(query, spec)
    chosen = [record for record in records if all(check(record) for check in checks)]
    sort_by = query.get("sortby", spec.default_sort)
    if sort_by not in spec.sort_keys:
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
    descending = _sort_order(query) == "descending"
    chosen.sort(key=spec.sort_keys[sort_by], reverse=descending)
    start = offset + (page - 1) * limit
    url = base_url(request, config)
    meta = {
        "@TotalResources": len(chosen),
        # Never 0, so that "page until @CurrentPage == @TotalPages" ends (live value unconfirmed).
        "@TotalPages": max(1, math.ceil(len(chosen) / limit)),
        "@CurrentPage": page,
    }
    items = [spec.item(record, url) for record in chosen[start : start + limit]]
    return DecimalJSONResponse({"MetaInformation": meta, spec.plural: items})


def _paging(query: dict[str, str]) -> tuple[int, int, int]:
    try:
        page = int(query.get("page", 1))
        limit = int(query.get("limit", DEFAULT_LIMIT))
        offset = int(query.get("offset", 0))
    except ValueError:
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.") from None
    # The documented maximum is 500 (§3.4). Whether a larger limit is capped or refused is
    # unconfirmed; refusing it makes a connector bug visible instead of silently short pages.
    if page < 1 or not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
    return page, limit, offset


def _sort_order(query: dict[str, str]) -> str:
    order = query.get("sortorder", "ascending")
    if order not in ("ascending", "descending"):
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
    return order


def _predicates(query: dict[str, str], spec: ListSpec) -> list[Callable[[Record], bool]]:
    checks: list[Callable[[Record], bool]] = [lambda record: not record.get("_Deleted")]
    for parameter, name in spec.search.items():
        if parameter in query:
            wanted = query[parameter].lower()
            checks.append(lambda r, n=name, w=wanted: w in str(r.get(n) or "").lower())
    if "filter" in query:
        keep = spec.filters.get(query["filter"])
        if keep is None:
            raise FortnoxError(400, INVALID_FILTER, "Ett ogiltigt filter har använts.")
        checks.append(keep)
    if "lastmodified" in query:
        since = _since(query["lastmodified"])
        checks.append(lambda record: record["_LastModified"] >= since)
    return checks + spec.predicates(query)


def date_range(
    query: dict[str, str], name: str, lower: str = "fromdate", upper: str = "todate"
) -> list[Callable[[Record], bool]]:
    """Checks for `lower <= record[name] <= upper` (dates `YYYY-MM-DD`); unset dates fail."""
    checks: list[Callable[[Record], bool]] = []
    for parameter, keep in ((lower, str.__ge__), (upper, str.__le__)):
        if parameter in query:
            bound = query[parameter]
            if not _DATE.fullmatch(bound):
                raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
            checks.append(lambda r, b=bound, k=keep: bool(r[name]) and k(str(r[name]), b))
    return checks


def flags(query: dict[str, str], names: dict[str, str]) -> list[Callable[[Record], bool]]:
    """Checks for boolean parameters (`sent=true`) against boolean fields."""
    return [
        lambda record, n=name, w=query[parameter].lower() == "true": bool(record[n]) == w
        for parameter, name in names.items()
        if parameter in query
    ]


def _since(value: str) -> str:
    """`lastmodified` as a comparable timestamp; records changed at or after it are listed."""
    if not _LASTMODIFIED.fullmatch(value):
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.") from None
    return moment.isoformat(sep=" ")
