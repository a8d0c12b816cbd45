"""`searchCriteria` query parameters for Magento's getList endpoints (magento.md §3.3)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

# Larger pages are refused with 400 when the Web API input limit is on, and some 2.4 builds
# enforce it regardless (§2).
MAX_PAGE_SIZE = 300
WIRE_FORMAT = "%Y-%m-%d %H:%M:%S"


def wire_time(moment: datetime) -> str:
    """Magento's dates: `YYYY-MM-DD HH:MM:SS`, always UTC, whole seconds (§3.2)."""
    return moment.astimezone(UTC).strftime(WIRE_FORMAT)


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, WIRE_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Criteria:
    """Filter groups (AND) of filters (OR), sort orders and a page size. Indices stay below 10:
    Magento orders signed parameters naturally (`[2]` before `[10]`), OAuth clients bytewise
    (§1.1), and the two agree only then."""

    groups: tuple[tuple[tuple[str, str, str], ...], ...] = ()
    sort: tuple[tuple[str, str], ...] = ()
    page_size: int = MAX_PAGE_SIZE

    def where(self, name: str, value: str, condition: str = "eq") -> Criteria:
        """AND one more filter."""
        return self.any_of((name, value, condition))

    def any_of(self, *filters: tuple[str, str, str]) -> Criteria:
        """AND a group of filters of which one must match."""
        return replace(self, groups=(*self.groups, tuple(filters)))

    def between(self, name: str, since: datetime | None, until: datetime) -> Criteria:
        """The closed range [since, until] of a date field."""
        ranged = self.where(name, wire_time(until), "lteq")
        return ranged.where(name, wire_time(since), "gteq") if since else ranged

    def sorted_by(self, *fields: str) -> Criteria:
        return replace(self, sort=tuple((name, "ASC") for name in fields))

    def params(self, page: int = 1) -> dict[str, str]:
        params: dict[str, str] = {}
        for g, group in enumerate(self.groups):
            for f, (name, value, condition) in enumerate(group):
                prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
                params[f"{prefix}[field]"] = name
                params[f"{prefix}[value]"] = value
                params[f"{prefix}[condition_type]"] = condition
        for i, (name, direction) in enumerate(self.sort):
            params[f"searchCriteria[sort_orders][{i}][field]"] = name
            params[f"searchCriteria[sort_orders][{i}][direction]"] = direction
        params["searchCriteria[page_size]"] = str(self.page_size)
        params["searchCriteria[current_page]"] = str(page)
        return params


def ids_in(values: list[int] | set[int]) -> str:
    """The value of an `in` filter: a comma list (§3.3)."""
    return ",".join(str(value) for value in sorted(values))


__all__ = ["MAX_PAGE_SIZE", "Criteria", "ids_in", "parse_time", "wire_time"]
