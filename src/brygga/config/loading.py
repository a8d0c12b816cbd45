"""Reading `brygga.yaml` with the place each key and value was written, so that every
problem can point at its line and column. PyYAML's composer gives the nodes with their marks;
the values are built from them with its safe constructor (anchors and `<<` merges work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# Where a value sits in the document: mapping keys and list indexes from the top.
Path = tuple[Any, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in the file: 1-based line and column, and what to write instead."""

    line: int
    column: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Place:
    line: int
    column: int


@dataclass
class Document:
    """The file's values, where each key and value starts, and what could not be read."""

    data: Any = None
    keys: dict[Path, Place] = field(default_factory=dict)
    values: dict[Path, Place] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def place(self, path: Path, *, key: bool = False) -> Place:
        """Where the value at `path` is written (its key's place if `key`), or else the
        nearest enclosing one."""
        for depth in range(len(path), -1, -1):
            prefix = path[:depth]
            first, second = (self.keys, self.values) if key else (self.values, self.keys)
            found = first.get(prefix) or second.get(prefix)
            if found is not None:
                return found
        return Place(1, 1)

    def problem(self, path: Path, message: str, *, key: bool = False) -> Problem:
        found = self.place(path, key=key)
        return Problem(found.line, found.column, message)


def load(text: str) -> Document:
    """The document in `text`; a file that is not YAML gives a Document with its one problem
    (where the parser stopped) and no data."""
    document = Document()
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        document.data = {} if node is None else _built(loader, node, (), document)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = error.problem or error.context or "not valid YAML"
        document.problems.append(Problem(line, column, f"not valid YAML: {reason}"))
        document.data = None
    finally:
        loader.dispose()
    return document


def _built(loader: yaml.SafeLoader, node: yaml.Node, path: Path, document: Document) -> Any:
    document.values[path] = _place(node)
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node, path, document)
    if isinstance(node, yaml.SequenceNode):
        return [
            _built(loader, item, (*path, index), document) for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node)


def _mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode, path: Path, document: Document
) -> dict[Any, Any]:
    # Keys written twice are a mistake; keys brought in by a `<<` merge may be overridden.
    written: dict[Any, Place] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
            continue
        key, mark = loader.construct_object(key_node), _place(key_node)
        if key in written:
            first = written[key].line
            message = f"{key!r} is written twice (also on line {first}); keep one"
            document.problems.append(Problem(mark.line, mark.column, message))
        written.setdefault(key, mark)
    loader.flatten_mapping(node)
    built: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            mark = _place(key_node)
            document.problems.append(Problem(mark.line, mark.column, "a key must be a name"))
            continue
        key = loader.construct_object(key_node)
        document.keys[(*path, key)] = _place(key_node)
        built[key] = _built(loader, value_node, (*path, key), document)
    return built


def _place(node: yaml.Node) -> Place:
    return Place(node.start_mark.line + 1, node.start_mark.column + 1)
