"""Centra's `DateTimeTz` scalar: times in the tenant's zone, lenient input (fact sheet §3.3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema

# The demo tenant is a Swedish brand; Centra answers in the merchant's time zone.
TENANT_ZONE = ZoneInfo("Europe/Stockholm")


def stored_time(value: datetime) -> str:
    """How documents keep a time: UTC, whole seconds (the API shows no fractions)."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_datetime(value: Any) -> datetime:
    """`2026-09-01 00:00:00` (read in the tenant's zone) or ISO-8601 with or without offset."""
    if isinstance(value, datetime):
        parsed = value
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
