"""Request bodies: the DtoValue wrapper of the monolith and plain JSON of V3 (fact sheet §3.1).

Writable scalars arrive as `{"value": X}`; sub-objects are wrapped too and hold wrapped leaves
(`"mainAddress": {"value": {"city": {"value": "Malmö"}}}`). Line arrays are not wrapped: each
line holds wrapped fields and a plain `operation`. An absent field leaves the record unchanged,
`{"value": null}` is an explicit null. Unknown properties are ignored (the API's .NET
deserializer does so); a known property of the wrong shape or type makes the whole body
unreadable: "Data received not recognized as <Dto>" (§6.5).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request

from brygga.sandbox.vismanet.errors import VismaError

OPERATIONS = ("Insert", "Update", "Delete")
_B64_ID = re.compile(r"b64\(([A-Za-z0-9_-]*)\)")


@dataclass(frozen=True)
class Field:
    """How a writable field is read: `text`, `decimal`, `integer`, `flag`, `date` (a .NET
    DateTime), `instant` (a DateTimeOffset, UTC unless an offset is given), `choice`, `group`
    (an object of `fields`) or `list` (an array of objects of `fields`, V3 only)."""

    kind: str = "text"
    choices: tuple[str, ...] = ()
    fields: dict[str, Field] | None = None


TEXT = Field()
DECIMAL = Field("decimal")
INTEGER = Field("integer")
FLAG = Field("flag")
DATE = Field("date")
INSTANT = Field("instant")


def choice(*values: str) -> Field:
    return Field("choice", values)


def group(**fields: Field) -> Field:
    return Field("group", fields=fields)


def items(**fields: Field) -> Field:
    return Field("list", fields=fields)


def convert(value: Any, field: Field) -> Any:
    """A JSON value as `field` reads it; ValueError when it cannot be read. Lenient like
    Newtonsoft: numbers may arrive as strings and enum names in any case."""
    if value is None:
        return None
    if field.kind == "text":
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ValueError(value)
        return str(value)
    if field.kind in ("decimal", "integer"):
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise ValueError(value)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite():
            raise ValueError(value)
        if field.kind == "integer":
            if number != number.to_integral_value():
                raise ValueError(value)
            return int(number)
        return number
    if field.kind == "flag":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(value)
    if field.kind == "date":
        return parse_moment(value)
    if field.kind == "instant":
        if not isinstance(value, str):
            raise ValueError(value)
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    if field.kind == "choice":
        for option in field.choices:
            if isinstance(value, str) and value.lower() == option.lower():
                return option
        raise ValueError(value)
    raise ValueError(field.kind)


def parse_moment(value: Any) -> datetime:
    """A .NET DateTime from JSON: a date or date-time; an offset is dropped (local time)."""
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip().replace("Z", "+00:00")
    return datetime.fromisoformat(text).replace(tzinfo=None)


async def read_json(request: Request) -> Any:
    """The body as JSON with exact decimals; None when it is empty or not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw, parse_float=Decimal) if raw.strip() else None
    except ValueError:
        return None


async def read_dto(request: Request, dto: str) -> dict[str, Any]:
    """A monolith write body: a JSON object, else the live "not recognized" error."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise not_recognized(dto)
    return body


async def read_wrapped(request: Request, fields: dict[str, Field], dto: str) -> dict[str, Any]:
    """The known fields of a wrapped monolith write body."""
    return unwrap(await read_dto(request, dto), fields, dto)


def not_recognized(dto: str) -> VismaError:
    return VismaError(400, f"Data received not recognized as {dto}")


def unwrap(payload: dict[str, Any], fields: dict[str, Field], dto: str) -> dict[str, Any]:
    """The known fields of a wrapped object, converted; absent fields are left out."""
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in payload:
            continue
        wrapped = payload[name]
        if not isinstance(wrapped, dict) or "value" not in wrapped:
            raise not_recognized(dto)
        value = wrapped["value"]
        if field.kind == "group":
            if value is not None and not isinstance(value, dict):
                raise not_recognized(dto)
            values[name] = None if value is None else unwrap(value, field.fields or {}, dto)
            continue
        try:
            values[name] = convert(value, field)
        except ValueError:
            raise not_recognized(dto) from None
    return values


def unwrap_lines(raw: Any, fields: dict[str, Field], dto: str) -> list[tuple[str, dict[str, Any]]]:
    """`(operation, values)` per line; the plain `operation` defaults to Insert."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(line, dict) for line in raw):
        raise not_recognized(dto)
    lines = []
    for line in raw:
        operation = line.get("operation", "Insert")
        try:
            operation = convert(operation, choice(*OPERATIONS))
        except ValueError:
            raise not_recognized(dto) from None
        lines.append((operation, unwrap(line, fields, dto)))
    return lines


def read_plain(payload: Any, fields: dict[str, Field], prefix: str = "") -> dict[str, Any]:
    """A plain JSON object (SalesOrders V3), converted; ValueError(<property path>) when a
    property cannot be read. Absent and null properties are left out (Newtonsoft's
    `NullValueHandling.Ignore` in the V3 contracts)."""
    if not isinstance(payload, dict):
        raise ValueError(prefix.rstrip(".") or "body")
    values: dict[str, Any] = {}
    for name, field in fields.items():
        value = payload.get(name)
        if value is None:
            continue
        path = f"{prefix}{name}"
        if field.kind == "group":
            values[name] = read_plain(value, field.fields or {}, f"{path}.")
        elif field.kind == "list":
            if not isinstance(value, list):
                raise ValueError(path)
            values[name] = [
                read_plain(item, field.fields or {}, f"{path}[{index}].")
                for index, item in enumerate(value)
            ]
        else:
            try:
                values[name] = convert(value, field)
            except ValueError:
                raise ValueError(path) from None
    return values


def path_id(raw: str) -> str:
    """A path key; `b64(<base64url>)` carries keys with reserved URL characters (§3.6)."""
    match = _B64_ID.fullmatch(raw)
    if match is None:
        return raw
    encoded = match.group(1)
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise VismaError(400, f"Invalid base64url value in '{raw}'.") from None
