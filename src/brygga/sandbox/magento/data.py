"""Request bodies as Magento's ServiceInputProcessor reads them (fact sheet §3.1).

A body wraps each service parameter under its name, camelCase or snake_case (`stockItem` /
`stock_item`); unknown top-level keys are ignored. Inside data objects a key is matched by its
UpperCamelCase form against the interface's getters, so `order_item_id` and `orderItemId` both
work and an unknown key fails with `Property "X" does not have accessor method "getX"` (400 in
2.4; 500 before). Scalars are converted to the declared type or refused with the type error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import simplejson
from fastapi import Request

from brygga.sandbox.magento.errors import bad_request, invalid_type, required


@dataclass(frozen=True)
class DataType:
    interface: str  # the PHP interface, as named in errors
    fields: dict[str, Any]  # snake_case name -> "int" | "float" | "string" | "bool" | "mixed"
    # | DataType | ArrayOf


@dataclass(frozen=True)
class ArrayOf:
    item: Any


ATTRIBUTE = DataType(
    "Magento\\Framework\\Api\\AttributeInterface", {"attribute_code": "string", "value": "mixed"}
)
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def upper_camel(name: str) -> str:
    """SimpleDataObjectConverter::snakeCaseToUpperCamelCase."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def snake(name: str) -> str:
    return re.sub(r"(?<=\w)(?=[A-Z])", "_", name).lower()


async def read_body(request: Request, params: dict[str, Any], *needed: str) -> dict[str, Any]:
    """The service parameters of a JSON body; `needed` ones must be present and not null.

    Only JSON is understood (Magento also reads XML); a body without Content-Type is refused
    (Rest\\Request::getContentType)."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if raw and not content_type:
        raise bad_request("Content-Type header is empty.")
    if raw and content_type != "application/json":
        raise bad_request(
            "Server cannot understand Content-Type HTTP header media type %1", [content_type]
        )
    try:
        payload = simplejson.loads(raw or b"null", use_decimal=True)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Decoding error.") from None
    payload = payload if isinstance(payload, dict) else {}
    values: dict[str, Any] = {}
    for name, kind in params.items():
        for key in (name, snake(name)):
            if key in payload:
                values[name] = convert(payload[key], kind)
                break
    missing = [name for name in needed if values.get(name) is None]
    if missing:
        raise required(*missing)
    return values


def convert(value: Any, kind: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, DataType):
        return data_object(value, kind)
    if isinstance(kind, ArrayOf):
        items = list(value.values()) if isinstance(value, dict) else value
        if not isinstance(items, list):
            raise invalid_type(value, f"{_type_name(kind.item)}[]")
        return [convert(item, kind.item) for item in items]
    return scalar(value, kind)


def data_object(value: Any, kind: DataType) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_type(value, kind.interface)
    names = {upper_camel(name): name for name in kind.fields}
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = names.get(upper_camel(key))
        if name is None:
            prop = upper_camel(key)
            raise bad_request(
                f'Property "{prop}" does not have accessor method "get{prop}" in class '
                f'"{kind.interface}".'
            )
        result[name] = convert(item, kind.fields[name])
    return result


def scalar(value: Any, kind: str) -> Any:
    if kind == "mixed":
        return value
    if isinstance(value, dict | list):
        raise invalid_type("Array", kind)
    if kind == "string":
        if isinstance(value, bool):
            return "1" if value else ""
        return str(value)
    if kind == "bool":
        if value in (True, 1, "1", "true"):
            return True
        if value in (False, 0, "0", "false", ""):
            return False
        raise invalid_type(value, "bool")
    number = _number(value)
    if number is None or (kind == "int" and number != number.to_integral_value()):
        raise invalid_type(value, kind)
    return int(number) if kind == "int" else number


def path_int(value: str) -> int:
    """A numeric path parameter such as an order id (route placeholders match anything)."""
    if not _INTEGER.fullmatch(value):
        raise invalid_type(value, "int")
    return int(value)


def require_fields(record: dict[str, Any], names: Iterable[str]) -> None:
    missing = [name for name in names if record.get(name) in (None, "", [])]
    if missing:
        raise required(*missing)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _type_name(kind: Any) -> str:
    return kind.interface if isinstance(kind, DataType) else str(kind)
