"""`searchCriteria` as Magento parses and applies it on every getList endpoint (fact sheet §3.3).

The query string is read the way PHP's parse_str does (brackets raw or %-encoded, any array
indices, later keys win), then converted like any data object: snake_case or camelCase keys.
Filters inside a group are OR'ed, groups AND'ed; comparisons follow MySQL: numbers numerically,
text case-insensitively, dates as `YYYY-MM-DD HH:MM:SS`, and a NULL column matches nothing but
`null` (so `neq`/`nin`/`nlike` skip NULLs). `in`/`nin` split the value on commas
(Pdo\\Mysql::prepareSqlCondition); an unknown condition type acts as `eq`. Without `pageSize`
everything is returned; `pageSize` over 300 is refused (the Web API input limit, which some 2.4
builds enforce regardless, §2); a `currentPage` past the end returns the last page (§3.3).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus

from fastapi import Request

from brygga.sandbox.magento.data import ArrayOf, DataType, convert
from brygga.sandbox.magento.errors import MagentoError, bad_request, internal_error, required
from brygga.sandbox.magento.wire import MagentoResponse

Record = dict[str, Any]
MAX_PAGE_SIZE = 300
FILTER = DataType(
    "Magento\\Framework\\Api\\Filter",
    {"field": "string", "value": "string", "condition_type": "string"},
)
SEARCH_CRITERIA = DataType(
    "Magento\\Framework\\Api\\SearchCriteriaInterface",
    {
        "filter_groups": ArrayOf(
            DataType("Magento\\Framework\\Api\\Search\\FilterGroup", {"filters": ArrayOf(FILTER)})
        ),
        "sort_orders": ArrayOf(
            DataType(
                "Magento\\Framework\\Api\\SortOrder", {"field": "string", "direction": "string"}
            )
        ),
        "page_size": "int",
        "current_page": "int",
    },
)
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


@dataclass(frozen=True)
class Listing:
    key: Callable[[Record], Any]  # the table's primary key: the order without sortOrders
    row: Callable[[Record], Record]  # the filterable, sortable columns of a record
    item: Callable[[Record], Record]  # the record as a list item
    nullable: frozenset[str] = frozenset()  # columns that exist even where every value is null
    eav: bool = False  # EAV entities refuse unknown fields with 400; flat tables fail in SQL
    # `getList(SearchCriteriaInterface $searchCriteria = null)`: no searchCriteria lists all.
    optional_criteria: bool = False


def php_query(raw: bytes) -> dict[str, Any]:
    """A query string as PHP's parse_str nests it."""
    tree: dict[str, Any] = {}
    for pair in raw.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        name = unquote_plus(name)
        base, bracket, rest = name.partition("[")
        if not base:
            continue
        keys = [base, *(_BRACKETS.findall("[" + rest) if bracket else [])]
        node = tree
        for key in keys[:-1]:
            key = key or str(len(node))
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[keys[-1] or str(len(node))] = unquote_plus(value)
    return tree


def criteria(request: Request, optional: bool = False) -> Record:
    tree = php_query(request.scope.get("query_string", b""))
    if "searchCriteria" not in tree and not optional:
        raise required("searchCriteria")
    parsed = convert(tree.get("searchCriteria") or {}, SEARCH_CRITERIA)
    for order in parsed.get("sort_orders") or []:
        direction = (order.get("direction") or "ASC").upper()
        if direction not in ("ASC", "DESC"):  # SortOrder::validateDirection (wording unconfirmed)
            raise bad_request('Sort order "%1" is not supported', [order["direction"]])
        order["direction"] = direction
    return parsed


def echo(parsed: Record) -> Record:
    """`search_criteria` of the response: what was sent, with `condition_type` defaulted."""
    groups = [
        {"filters": [{"condition_type": "eq"} | f for f in group.get("filters") or []]}
        for group in parsed.get("filter_groups") or []
    ]
    return {"filter_groups": groups} | {
        key: parsed.get(key) for key in ("sort_orders", "page_size", "current_page")
    }


def search(request: Request, records: Iterable[Record], listing: Listing) -> MagentoResponse:
    parsed = criteria(request, listing.optional_criteria)
    pairs = [(record, listing.row(record)) for record in sorted(records, key=listing.key)]
    columns = set(listing.nullable).union(*(row for _, row in pairs))
    groups = [group.get("filters") or [] for group in parsed.get("filter_groups") or []]
    orders = parsed.get("sort_orders") or []
    for field in [f.get("field") for group in groups for f in group] + [
        o.get("field") for o in orders
    ]:
        if field not in columns:
            raise _unknown(field, listing)
    chosen = [
        (record, row)
        for record, row in pairs
        if all(any(_matches(row, f) for f in group) for group in groups if group)
    ]
    for order in reversed(orders):
        key = functools.cmp_to_key(_order)
        chosen.sort(
            key=lambda pair, f=order["field"]: key(pair[1].get(f)),
            reverse=order["direction"] == "DESC",
        )
    page = _page(chosen, parsed.get("page_size"), parsed.get("current_page"))
    body = {
        "items": [listing.item(record) for record, _ in page],
        "search_criteria": echo(parsed),
        "total_count": len(chosen),
    }
    return MagentoResponse(body)


def _page(rows: list[Any], size: int | None, current: int | None) -> list[Any]:
    if size is not None and size > MAX_PAGE_SIZE:
        raise bad_request("Maximum SearchCriteria pageSize is %max", {"max": MAX_PAGE_SIZE})
    if not size or size < 0:
        return rows
    last = max(1, math.ceil(len(rows) / size))
    page = min(max(current or 1, 1), last)  # past the end: the last page again (§3.3)
    return rows[(page - 1) * size : page * size]


def _unknown(field: str | None, listing: Listing) -> MagentoError:
    # Flat sales tables: MySQL "Unknown column" → masked 500; EAV collections refuse the name.
    if listing.eav:
        return bad_request("Invalid attribute name: %1", [field or ""])
    return internal_error()


def _matches(row: Record, flt: Record) -> bool:
    column = row.get(flt.get("field") or "")
    condition = flt.get("condition_type") or "eq"
    value = flt.get("value") or ""
    if condition in ("null", "notnull"):
        return (column is None) == (condition == "null")
    if column is None:
        return False
    if condition in ("like", "nlike"):
        return (_like(value).fullmatch(str(column)) is not None) == (condition == "like")
    if condition in ("in", "nin"):
        hit = any(_compare(column, item) == 0 for item in value.split(","))
        return hit == (condition == "in")
    if condition in ("finset", "nfinset"):
        hit = value.casefold() in str(column).casefold().split(",")
        return hit == (condition == "finset")
    result = _compare(column, value)
    return {
        "neq": result != 0,
        "gt": result > 0,
        "gteq": result >= 0,
        "moreq": result >= 0,
        "from": result >= 0,
        "lt": result < 0,
        "lteq": result <= 0,
        "to": result <= 0,
    }.get(condition, result == 0)


def _compare(column: Any, value: str) -> int:
    """MySQL's comparison of a column with a string literal."""
    if isinstance(column, bool | int | Decimal):
        match = _NUMBER.match(value)
        number = Decimal(match.group().strip()) if match else Decimal(0)
        return (column > number) - (column < number)
    text = str(column)
    if _DATETIME.fullmatch(text):
        value = _as_datetime(value)
    left, right = text.casefold(), value.casefold()
    return (left > right) - (left < right)


def _order(left: Any, right: Any) -> int:
    """Sort order of two column values: NULL first, numbers numerically, text without case."""
    if left is None or right is None:
        return (left is not None) - (right is not None)
    if isinstance(left, bool | int | Decimal) and isinstance(right, bool | int | Decimal):
        return (left > right) - (left < right)
    return _compare(str(left), str(right))


def _as_datetime(value: str) -> str:
    try:
        return datetime.fromisoformat(value.strip()).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return value


def _like(pattern: str) -> re.Pattern[str]:
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            parts.append({"%": ".*", "_": "."}.get(char) or re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
