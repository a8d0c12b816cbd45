"""Field mapping overrides: a flow's `value_maps` setting replaces values of the canonical
record before it is written, e.g. a shop SKU that the ERP knows by another article number:

    {"lines.sku": {"SHOP-SKU-1": "ERP-ART-1"}}

A path names fields of the canonical model, dotted; through a list (an order's `lines`) it
applies to every item. Only plain text fields can be mapped, so a mapped record is always a
valid record. A value without an entry is kept as it is.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel

from brygga.model import (
    CreditNote,
    Customer,
    Invoice,
    Order,
    Payment,
    Product,
    Refund,
    StockLevel,
)

SETTING = "value_maps"
MODELS: dict[str, type[BaseModel]] = {
    "customer": Customer,
    "order": Order,
    "product": Product,
    "stock": StockLevel,
    "invoice": Invoice,
    "payment": Payment,
    "refund": Refund,
    "credit_note": CreditNote,
}
ValueMaps = dict[str, dict[str, str]]


class ValueMapError(ValueError):
    """A `value_maps` setting that cannot be applied; the message says what to change."""


def text_paths(model: type[BaseModel], prefix: str = "", depth: int = 0) -> list[str]:
    """Every dotted path to a plain text field of `model` (through nested records and lists
    of them): what `value_maps` may name."""
    found: list[str] = []
    for name, field in model.model_fields.items():
        inner = _unwrapped(field.annotation)
        if inner is str and _plain(field.metadata) and name != "source_id":
            found.append(prefix + name)
        elif isinstance(inner, type) and issubclass(inner, BaseModel) and depth < 4:
            found += text_paths(inner, f"{prefix}{name}.", depth + 1)
    return found


def _plain(metadata: list[Any]) -> bool:
    """Whether a text field has no validation beyond its length (a non-empty value passes)."""
    return all(isinstance(item, annotated_types.BaseMetadata) for item in metadata)


def _unwrapped(annotation: Any) -> Any:
    """The type inside `X | None` and `list[X]`; None where it is a union of several."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        kinds = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _unwrapped(kinds[0]) if len(kinds) == 1 else None
    if origin is list:
        return _unwrapped(get_args(annotation)[0])
    return annotation


def checked(entity: str, value: Any) -> ValueMaps:
    """`value` as the value maps of a flow of `entity` records, or a ValueMapError naming the
    entry that is wrong and what it may be."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueMapError(
            f'{SETTING} maps a field to its values, e.g. {{"lines.sku": {{"SHOP-1": "ERP-1"}}}}'
        )
    model = MODELS.get(entity)
    allowed = text_paths(model) if model else []
    maps: ValueMaps = {}
    for path, table in value.items():
        if path not in allowed:
            raise ValueMapError(
                f"{SETTING}: {path!r} is not a text field of the {entity} record; "
                f"fields: {', '.join(allowed) or 'none'}"
            )
        if not isinstance(table, Mapping) or not all(
            isinstance(key, str) and isinstance(to, str) and to.strip() for key, to in table.items()
        ):
            raise ValueMapError(
                f"{SETTING}: {path!r} needs a table of texts, from → to (not empty), "
                'e.g. {"A-1": "B-1"}'
            )
        if table:
            maps[path] = dict(table)
    return maps


def apply(record: BaseModel, maps: Mapping[str, Mapping[str, str]]) -> BaseModel:
    """The record with each mapped value replaced; the record itself if nothing matched."""
    for path, table in maps.items():
        record = _mapped(record, path.split("."), table)
    return record


def _mapped(value: Any, parts: list[str], table: Mapping[str, str]) -> Any:
    if isinstance(value, list):
        return [_mapped(item, parts, table) for item in value]
    if not parts:
        return table.get(value, value) if isinstance(value, str) else value
    if not isinstance(value, BaseModel):
        return value
    head, rest = parts[0], parts[1:]
    current = getattr(value, head, None)
    changed = _mapped(current, rest, table)
    return value if changed == current else value.model_copy(update={head: changed})


def applier(entity: str, settings: Mapping[str, Any]) -> Callable[[BaseModel], BaseModel] | None:
    """What prepares a flow's records for writing, if its settings map any value."""
    maps = checked(entity, settings.get(SETTING))
    if not maps:
        return None
    return lambda record: apply(record, maps)
