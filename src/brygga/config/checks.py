"""`brygga config validate`: every mistake in a `brygga.yaml` in one pass, each at its line and
column with what to write instead. First the shape (schema.py), then what the shape cannot
say: the connections' (connection_checks.py) and the integrations' (integration_checks.py)."""

from __future__ import annotations

import copy
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from brygga.config.connection_checks import connection_problems
from brygga.config.integration_checks import integration_problems
from brygga.config.loading import Document, Path, Problem, load
from brygga.config.names import unknown
from brygga.config.schema import BryggaFile, ConnectionSpec, IntegrationSpec

# How to write a value of the kind a key takes, by pydantic's error type.
WRITE = {
    "bool_type": "write true or false",
    "string_type": 'write a text (in quotes if it reads as a number, e.g. "0123")',
    "int_type": "write a whole number",
    "dict_type": "write a mapping: `key: value` lines, indented under this one",
    "model_type": "write a mapping: `key: value` lines, indented under this one",
    "list_type": "write a list: one `- item` line each",
    "string_too_short": "write a name, not nothing",
}


@dataclass
class Checked:
    """The file as read (None if it has mistakes), where each of its values is written, and
    its mistakes in the order they appear."""

    file: BryggaFile | None
    document: Document
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(text: str, environ: Mapping[str, str] | None) -> Checked:
    """Every mistake in the file `text`. Credentials' environment variables are looked up in
    `environ`; None skips that (checking a file where its secrets are not at hand)."""
    document = load(text)
    if document.data is None:
        return Checked(None, document, sorted(document.problems))
    problems = list(document.problems)
    try:
        parsed: BryggaFile | None = BryggaFile.model_validate(document.data)
    except ValidationError as error:
        parsed = None
        problems += [_shape_problem(document, item) for item in error.errors()]
    connections = _valid(document, "connections", ConnectionSpec)
    integrations = _valid(document, "integrations", IntegrationSpec)
    problems += connection_problems(document, connections, environ)
    problems += integration_problems(document, integrations, connections)
    return Checked(parsed if not problems else None, document, sorted(set(problems)))


def _valid(document: Document, section: str, model: type[BaseModel]) -> dict[int, Any]:
    """The items of a list section, by index, each without the parts of the wrong shape (those
    are reported already), so that the rest of it is checked too. An item missing a required
    key is left out."""
    items = document.data.get(section) if isinstance(document.data, dict) else None
    found = {}
    for index, item in enumerate(items if isinstance(items, list) else []):
        usable = _without_mistakes(model, item)
        if usable is not None:
            found[index] = usable
    return found


def _without_mistakes(model: type[BaseModel], item: Any) -> BaseModel | None:
    data = copy.deepcopy(item)
    while True:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            if not all(_dropped(data, tuple(e["loc"])) for e in error.errors()):
                return None


def _dropped(data: Any, path: Path) -> bool:
    """Remove the mapping entry at `path`; False where there is none to remove."""
    for part in path[:-1]:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    if not path or not isinstance(data, dict) or path[-1] not in data:
        return False
    del data[path[-1]]
    return True


def _shape_problem(document: Document, error: Mapping[str, Any]) -> Problem:
    path: Path = tuple(error["loc"])
    if not path:
        message = "the file is a mapping: `workspace:`, `connections:`, `integrations:` lines"
        return document.problem(path, message)
    name = path[-1]
    if error["type"] == "extra_forbidden":
        known = _fields_at(BryggaFile, path[:-1])
        return document.problem(path, unknown(f"key {name!r}", name, known), key=True)
    if error["type"] == "missing":
        return document.problem(path[:-1], f"add `{name}:` here", key=True)
    how = WRITE.get(error["type"], error["msg"])
    return document.problem(path, f"{name}: {how}")


def _fields_at(model: type[BaseModel], path: Path) -> list[str]:
    """The keys the model takes at `path` (through lists and mappings of models)."""
    annotation: Any = model
    for part in path:
        annotation = _inner(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = annotation.model_fields[part].annotation
        else:
            annotation = get_args(annotation)[-1]
    found = _inner(annotation)
    return list(found.model_fields) if isinstance(found, type) else []


def _inner(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        return next(arg for arg in get_args(annotation) if arg is not type(None))
    return annotation
