"""The matcher measured on labelled pairs: how many it would link automatically, right and
wrong. "Positive" means linked automatically; a pair sent to review counts as not linked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from brygga.engine.dedupe import Policy, would_link
from brygga.model import CustomerCard


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


def evaluate(
    pairs: Iterable[tuple[CustomerCard, CustomerCard, bool]], policy: Policy | None = None
) -> Confusion:
    confusion = Confusion()
    for a, b, same in pairs:
        confusion.count(would_link(a, b, policy), same)
    return confusion
