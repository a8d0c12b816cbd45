"""The matcher measured on labelled pairs: how many it would link automatically, right and
wrong. "Positive" means linked automatically; a pair sent to review counts as not linked."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError

from brygga.engine.dedupe import Policy, would_link
from brygga.model import CustomerCard

Pair = tuple[CustomerCard, CustomerCard, bool]


class LabelledLine(BaseModel):
    """One line of a labelled file: two customers and whether they are the same (docs/dedupe.md).
    `kind` optionally names the variation, for reports by kind."""

    model_config = ConfigDict(extra="forbid")

    a: CustomerCard
    b: CustomerCard
    same: StrictBool  # true or false, not "yes"
    kind: str = ""


class PairsError(ValueError):
    """A labelled file with lines that cannot be read; the message names each of them."""


def read_pairs(lines: Iterable[str]) -> list[LabelledLine]:
    """The pairs of a JSON-lines file, blank lines skipped. Every unreadable line is named in
    one PairsError, with its number and what is wrong, so one pass fixes the file."""
    pairs, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pairs.append(LabelledLine.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON ({exc.msg} at column {exc.colno})")
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"]) or "the line"
                problems.append(f"line {number}: {where}: {error['msg']}")
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise PairsError("\n".join(shown))
    return pairs


@dataclass
class Confusion:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0

    @property
    def pairs(self) -> int:
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    @property
    def precision(self) -> float:
        linked = self.true_positive + self.false_positive
        return self.true_positive / linked if linked else 1.0

    @property
    def recall(self) -> float:
        same = self.true_positive + self.false_negative
        return self.true_positive / same if same else 1.0

    def count(self, linked: bool, same: bool) -> None:
        if linked and same:
            self.true_positive += 1
        elif linked:
            self.false_positive += 1
        elif same:
            self.false_negative += 1
        else:
            self.true_negative += 1

    def as_dict(self) -> dict[str, float | int]:
        return {
            "pairs": self.pairs,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "true_positive": self.true_positive,
            "false_positive": self.false_positive,
            "false_negative": self.false_negative,
            "true_negative": self.true_negative,
        }


def evaluate(pairs: Iterable[Pair], policy: Policy | None = None) -> Confusion:
    confusion = Confusion()
    for a, b, same in pairs:
        confusion.count(would_link(a, b, policy), same)
    return confusion
