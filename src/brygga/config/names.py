"""Names in `brygga.yaml`: one that is not known gets a "did you mean", and one given twice
is pointed at."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from brygga.config.loading import Document, Problem


def unknown(what: str, name: Any, known: Iterable[str]) -> str:
    """'unknown …; did you mean …?' with the names that are known."""
    known = list(known)
    close = difflib.get_close_matches(str(name), known, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what}{guess} (known: {', '.join(known)})"


def duplicates(document: Document, section: str, items: dict[int, Any]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    for index, item in items.items():
        if item.name in seen:
            first = document.place((section, seen[item.name], "name")).line
            message = f"{item.name!r} is named twice (also on line {first}); give it another name"
            problems.append(document.problem((section, index, "name"), message))
        seen.setdefault(item.name, index)
    return problems
