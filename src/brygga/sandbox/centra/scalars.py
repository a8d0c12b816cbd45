"""Centra's `DateTimeTz` scalar: times in the tenant's zone, lenient input (fact sheet §3.3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema

# The demo tenant is a Swedish brand; Centra answers in the merchant's time zone.
TENANT_ZONE = ZoneInfo("Europe/Stockholm")

# PHP-style relative times, e.g. `now`, `-1 hour`, `-2 days` (§3.3: `shippedAt` takes them).
_RELATIVE = re.compile(r"^(?:now|([+-]?\d+) (second|minute|hour|day|week)s?)$")


def stored_time(value: datetime) -> str:
    """How documents keep a time: UTC, whole seconds (the API shows no fractions)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def now() -> datetime:
    """The current time in whole seconds, as Centra stores times."""
    return datetime.now(UTC).replace(microsecond=0)


def parse_datetime(value: Any) -> datetime:
    """`2026-09-01 00:00:00` (read in the tenant's zone), ISO-8601 with or without offset, or a
    relative time such as `now` or `-1 hour`."""
    relative = _RELATIVE.match(value.strip().lower()) if isinstance(value, str) else None
    if isinstance(value, datetime):
        parsed = value
    elif relative:
        amount, unit = relative.groups()
        return now() + timedelta(**{f"{unit or 'second'}s": int(amount or 0)})
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise GraphQLError(f"DateTimeTz cannot represent value: {value!r}") from None
    else:
        raise GraphQLError(f"DateTimeTz cannot represent a non-string value: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TENANT_ZONE)


def format_datetime(value: Any) -> str:
    """`2026-09-01T10:01:00+02:00`: the tenant's offset, whole seconds."""
    return parse_datetime(value).astimezone(TENANT_ZONE).isoformat(timespec="seconds")


def bind_datetime_scalar(schema: GraphQLSchema) -> None:
    scalar = schema.get_type("DateTimeTz")
    assert isinstance(scalar, GraphQLScalarType)
    # graphql-core 3.3 reads the coerce_* hooks; 3.2 reads serialize/parse_value.
    scalar.serialize = scalar.coerce_output_value = format_datetime  # type: ignore[method-assign]
    scalar.parse_value = scalar.coerce_input_value = parse_datetime  # type: ignore[method-assign]
