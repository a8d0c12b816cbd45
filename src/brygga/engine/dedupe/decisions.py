"""The decision taken for each source customer, kept so the dashboard can show later why a
customer was linked, created or parked, and so an operator's decision on a "duplicate?" error
holds for every later run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.engine.dedupe.comparison import explanation
from brygga.engine.dedupe.policy import Action
from brygga.store.tables import MatchDecision, utcnow

MATCHER = "matcher"  # `decided_by` of the matcher's own decisions


@dataclass
class Scored:
    """A candidate as weighed: the target customer, its card, the score and why."""

    target_id: str
    card: dict[str, Any]
    score: float
    reasons: list[str]
    action: Action

    def as_dict(self) -> dict[str, Any]:
        return {
            "target_id": self.target_id,
            "card": self.card,
            "score": f"{self.score:.2f}",
            "reasons": self.reasons,
            "action": self.action.value,
        }


@dataclass
class Decision:
    action: Action
    target_id: str | None = None
    candidates: list[Scored] = field(default_factory=list)  # best first
    decided_by: str = MATCHER

    @property
    def best(self) -> Scored | None:
        return self.candidates[0] if self.candidates else None

    def explained(self) -> str:
        """One line for the record's outcome."""
        if self.decided_by != MATCHER:
            verb = f"linked to {self.target_id}" if self.target_id else "a new customer"
            return f"{verb}, as {self.decided_by} decided"
        best = self.best
        why = explanation(best.score, best.reasons) if best else ""
        if self.action is Action.LINK:
            return f"the same customer as {self.target_id} in the target ({why})"
        if self.action is Action.REVIEW:
            return (
                f"perhaps the same customer as {best.target_id if best else '?'} in the target "
                f"({why}); decide in the error queue: link to it or create a new customer"
            )
        return f"a new customer; the closest was {best.target_id} ({why})" if best else ""


def save(session: Session, integration_id: int, source_id: str, decision: Decision) -> None:
    row = latest(session, integration_id, source_id)
    if row is None:
        row = MatchDecision(integration_id=integration_id, source_id=source_id)
        session.add(row)
    best = decision.best
    row.action, row.target_id = decision.action.value, decision.target_id
    row.score = f"{best.score:.2f}" if best else None
    row.reasons = best.reasons if best else []
    row.candidates = [candidate.as_dict() for candidate in decision.candidates]
    row.decided_by, row.decided_at = decision.decided_by, utcnow()


def latest(session: Session, integration_id: int, source_id: str) -> MatchDecision | None:
    return session.scalar(
        select(MatchDecision).where(
            MatchDecision.integration_id == integration_id,
            MatchDecision.source_id == source_id,
        )
    )


def operators(session: Session, integration_id: int, source_id: str) -> Decision | None:
    """An operator's decision for the source customer, if one was taken."""
    row = latest(session, integration_id, source_id)
    if row is None or row.decided_by == MATCHER:
        return None
    return Decision(Action(row.action), row.target_id, decided_by=row.decided_by)


def shown(row: MatchDecision) -> dict[str, Any]:
    """A decision as the dashboard and the API show it."""
    return {
        "source_id": row.source_id,
        "action": row.action,
        "target_id": row.target_id,
        "score": row.score,
        "reasons": row.reasons,
        "candidates": row.candidates,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat(),
    }


class ChoiceError(ValueError):
    """An operator's decision that cannot be taken; the message says why."""


def choose(
    session: Session, integration_id: int, source_id: str, target_id: str | None, who: str
) -> MatchDecision:
    """An operator decides for a parked customer: the same as `target_id` (one of the
    candidates weighed), or a new customer (None). Later runs follow it."""
    row = latest(session, integration_id, source_id)
    if row is None:
        raise ChoiceError(f"no matching decision is kept for customer {source_id}")
    offered = [candidate["target_id"] for candidate in row.candidates]
    if target_id is not None and target_id not in offered:
        raise ChoiceError(
            f"{target_id} was not a candidate for customer {source_id}; candidates: "
            + (", ".join(offered) or "none")
        )
    row.action = (Action.LINK if target_id else Action.CREATE).value
    row.target_id, row.decided_by, row.decided_at = target_id, who, utcnow()
    return row
