"""Request bodies: the singular-key wrapper, field names and lenient value types (§3.1, §3.5).

Fortnox rejects unknown field names (2001399) but is lenient about types: numbers may arrive as
strings and the other way round. Amounts are parsed into Decimal and written back as the
shortest exact JSON number (`219`, `43.75`), as the live API does; quantities go out as strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request

from brygga.sandbox.fortnox.errors import (
    INVALID_FIELD_NAME,
    JSON_SYNTAX,
    NOT_BOOLEAN,
    NOT_NUMERIC,
    WRONG_BODY,
    FortnoxError,
    invalid_value,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Field:
    """How one writable field is read: `text`, `flag`, `amount`, `integer`, `quantity`, `day`."""

    kind: str = "text"
    max_length: int | None = None
    choices: tuple[str, ...] = ()


TEXT = Field()
FLAG = Field("flag")
AMOUNT = Field("amount")
INTEGER = Field("integer")
QUANTITY = Field("quantity")
DAY = Field("day")


def text(max_length: int | None = None, *choices: str) -> Field:
    return Field("text", max_length, choices)


async def read_wrapped(request: Request, wrapper: str) -> dict[str, Any]:
    """The object inside `{"<wrapper>": {...}}`, with JSON numbers as Decimal."""
    raw = await request.body()
    if not raw.strip():
        raise FortnoxError(400, WRONG_BODY, "Ingen eller felaktig typ av data.")
    try:
        body = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except ValueError:
        raise FortnoxError(
            400, JSON_SYNTAX, "Error deserializing JSON: JSON_ERROR_SYNTAX"
        ) from None
    if not isinstance(body, dict) or set(body) != {wrapper} or not isinstance(body[wrapper], dict):
        raise FortnoxError(400, WRONG_BODY, "Ingen eller felaktig typ av data.")
    return body[wrapper]


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def clean(
    payload: dict[str, Any], writable: dict[str, Field], read_only: frozenset[str]
) -> dict[str, Any]:
    """The writable fields of `payload`, typed; read-only fields are dropped silently."""
    cleaned: dict[str, Any] = {}
    for name, value in payload.items():
        if name in read_only:
            continue
        field = writable.get(name)
        if field is None:
            raise FortnoxError(400, INVALID_FIELD_NAME, "Felaktigt fältnamn")
        cleaned[name] = None if value is None else convert(name, value, field)
    return cleaned


def convert(name: str, value: Any, field: Field) -> Any:
    if field.kind == "flag":
        return _flag(value)
    if field.kind == "amount":
        return plain(_decimal(value))
    if field.kind == "quantity":
        return quantity_text(_decimal(value))
    if field.kind == "integer":
        number = _decimal(value)
        if number != number.to_integral_value():
            raise FortnoxError(400, NOT_NUMERIC, f"Värdet måste vara numeriskt ({value})")
        return int(number)
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise FortnoxError(400, WRONG_BODY, "Ingen eller felaktig typ av data.")
    value = str(value)
    if field.kind == "day":
        return _day(name, value)
    if field.max_length is not None and len(value) > field.max_length:
        raise invalid_value(f"{name} får vara högst {field.max_length} tecken lång")
    if field.choices and value not in field.choices:
        raise invalid_value(f"Ogiltigt värde för {name} ({value})")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise FortnoxError(400, NOT_BOOLEAN, f"Värdet måste vara en boolean ({value})")


def _decimal(value: Any) -> Decimal:
    if not isinstance(value, bool) and isinstance(value, int | Decimal | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
    raise FortnoxError(400, NOT_NUMERIC, f"Värdet måste vara numeriskt ({value})")


def _day(name: str, value: str) -> str:
    if value == "":
        return value
    try:
        if _DATE.fullmatch(value):
            return date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise invalid_value(f"Ogiltigt datum i {name} ({value})")


def plain(number: Decimal | int) -> Decimal:
    """`219.00` → `219`, `43.750` → `43.75`: the shortest exact form, never an exponent.
    Stored whole numbers come back from JSON as int, hence the conversion."""
    number = Decimal(number)
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def quantity_text(number: Decimal) -> str:
    return str(plain(number))
