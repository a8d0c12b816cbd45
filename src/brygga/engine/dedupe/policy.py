"""What a comparison's score decides: link to the existing customer, ask a person, or create a
new one. The thresholds are settings of the customers flow (docs/dedupe.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from brygga.engine.dedupe.comparison import Ceiling, Comparison

LINK_SETTING, REVIEW_SETTING = "dedupe_link_score", "dedupe_review_score"


class Action(StrEnum):
    LINK = "link"  # the existing customer is this one
    REVIEW = "review"  # perhaps: park the record as "duplicate?" for a person to decide
    CREATE = "create"  # a new customer


@dataclass(frozen=True)
class Policy:
    """Scores from `link_at` link automatically; from `review_at` they wait for a person.
    The defaults keep precision first: a wrong link merges two customers' receivables."""

    link_at: float = 0.8
    review_at: float = 0.6

    def __post_init__(self) -> None:
        if not 0 < self.review_at <= self.link_at <= 1:
            raise ValueError(
                f"dedupe thresholds must satisfy 0 < {REVIEW_SETTING} ≤ {LINK_SETTING} ≤ 1; "
                f"got {self.review_at} and {self.link_at}"
            )

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Policy:
        """The customers flow's thresholds, the defaults where it sets none."""
        link = settings.get(LINK_SETTING, cls.link_at)
        review = settings.get(REVIEW_SETTING, cls.review_at)
        return cls(link_at=float(link), review_at=float(review))

    def decide(self, comparison: Comparison) -> Action:
        if comparison.score >= self.link_at and comparison.ceiling is Ceiling.LINK:
            return Action.LINK
        if comparison.score >= self.review_at and comparison.ceiling >= Ceiling.REVIEW:
            return Action.REVIEW
        return Action.CREATE
