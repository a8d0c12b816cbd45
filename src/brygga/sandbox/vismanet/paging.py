"""Monolith list endpoints: bare arrays, `pageNumber`/`pageSize`, filters (fact sheet §3.4, §3.5).

Every element carries `metadata: {totalCount, maxPageSize}`. `pageSize` above `maxPageSize` is
capped silently; without paging parameters the first `maxPageSize` records come back. Field
filters compare exactly (case-insensitively); whether live filters match substrings is an open
question (§8), so clients should compare results themselves anyway.

Date filters come in pairs, `<name>` + `<name>Condition` (`>`, `<`, `>=`, `<=`), with the
formats `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss[.FFF]` or `yyyy-MM-ddTHH:mm:ss[.FFF]`; a `Z` or an
offset is refused (live status of that refusal unconfirmed).
"""

from __future__ import annotations

import operator
import os
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse
from brygga.sandbox.vismanet.errors import VismaError

Record = dict[str, Any]
View = Callable[[Record], Record]
MAX_PAGE_SIZE_ENV = "BRYGGA_SANDBOX_VISMANET_MAX_PAGE_SIZE"
DEFAULT_MAX_PAGE_SIZE = 1000  # live values are per endpoint and unpublished
CONDITIONS = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le}
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d{1,3})?)?")


def max_page_size() -> int:
    return int(os.environ.get(MAX_PAGE_SIZE_ENV, DEFAULT_MAX_PAGE_SIZE))


def dig(record: Record, path: str) -> Any:
    """`record["a"]["b"]` for `"a.b"`; None where a part is missing."""
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def listing(
    request: Request,
    records: Iterable[Record],
    view: View,
    fields: dict[str, str] | None = None,
    moments: dict[str, str] | None = None,
    extra: Iterable[Callable[[Record], bool]] = (),
) -> Response:
    """A paged bare-array list. `fields` maps filter parameters to record paths compared
    exactly; `moments` maps date filter names to the record paths they compare."""
    query = request.query_params
    checks = list(extra)
    for parameter, path in (fields or {}).items():
        if parameter in query:
            wanted = query[parameter].lower()
            checks.append(lambda r, p=path, w=wanted: str(dig(r, p) or "").lower() == w)
    for parameter, path in (moments or {}).items():
        check = moment_filter(query, parameter, path)
        if check is not None:
            checks.append(check)
    chosen = [record for record in records if all(check(record) for check in checks)]
    number, size = paging(query)
    metadata = {"totalCount": len(chosen), "maxPageSize": max_page_size()}
    page = chosen[(number - 1) * size : number * size]
    return DecimalJSONResponse([view(record) | {"metadata": metadata} for record in page])


def paging(query: Any) -> tuple[int, int]:
    limit = max_page_size()
    try:
        number = int(query.get("pageNumber", 1))
        size = int(query.get("pageSize", limit))
    except ValueError:
        raise VismaError(400, "pageNumber and pageSize must be integers.") from None
    if number < 1 or size < 1:
        raise VismaError(400, "pageNumber and pageSize must be greater than zero.")
    return number, min(size, limit)


def moment_filter(query: Any, parameter: str, path: str) -> Callable[[Record], bool] | None:
    """The predicate of a `<parameter>` + `<parameter>Condition` pair, or None if absent."""
    value, condition = query.get(parameter), query.get(f"{parameter}Condition")
    if value is None and condition is None:
        return None
    if value is None or condition is None:
        raise VismaError(400, f"{parameter} and {parameter}Condition must be provided together.")
    compare = CONDITIONS.get(condition.strip())
    if compare is None:
        raise VismaError(400, f"{parameter}Condition must be one of >, <, >=, <=.")
    bound = parse_filter_moment(parameter, value)

    def check(record: Record) -> bool:
        stamp = dig(record, path)
        return stamp is not None and compare(datetime.fromisoformat(stamp), bound)

    return check


def parse_filter_moment(parameter: str, value: str) -> datetime:
    text = value.strip()
    if not _MOMENT.fullmatch(text):
        raise VismaError(
            400,
            f"Invalid value '{value}' for {parameter}: use yyyy-MM-dd, yyyy-MM-dd HH:mm:ss"
            " or yyyy-MM-ddTHH:mm:ss without time zone.",
        )
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise VismaError(400, f"Invalid value '{value}' for {parameter}.") from None
