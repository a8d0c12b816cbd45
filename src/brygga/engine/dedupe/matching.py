"""De-duplication of one customer about to be written to the target: find the candidates
(Brygga's own index first, then the target's search filters), score each, and decide. Brygga's
index settles most customers without a request; the target is searched only when it does not
(a customer Brygga never linked, or one the target got from elsewhere)."""

from __future__ import annotations

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine.dedupe import index
from brygga.engine.dedupe.comparison import Profile, compare
from brygga.engine.dedupe.decisions import Decision, Scored, operators, save
from brygga.engine.dedupe.policy import Action, Policy
from brygga.engine.protocols import SearchesCandidates
from brygga.model import Customer, CustomerCard
from brygga.store import Database

SHOWN = 3  # candidates kept with a decision
# Rank of an action among candidates: a link beats a review beats a create.
RANK = {Action.LINK: 2, Action.REVIEW: 1, Action.CREATE: 0}


class PossibleDuplicate(ConnectorError):
    """A customer that may be one the target already has: parked for a person to decide."""

    def __init__(self, source_id: str, card: CustomerCard, decision: Decision) -> None:
        super().__init__(
            ErrorClass.POSSIBLE_DUPLICATE,
            f"customer {source_id} is {decision.explained()}",
            payload={
                "customer": {"source_id": source_id, "card": card.model_dump()},
                "candidates": [candidate.as_dict() for candidate in decision.candidates],
            },
        )

    def __str__(self) -> str:
        return self.message  # no request failed: nothing to say about a response


class Matcher:
    def __init__(
        self, db: Database, integration_id: int, policy: Policy, *, dry_run: bool = False
    ) -> None:
        self.db = db
        self.integration_id = integration_id
        self.policy = policy
        self.dry_run = dry_run  # decide, but keep nothing

    async def decide(
        self, source_id: str, record: Customer, writer: SearchesCandidates
    ) -> Decision:
        """Link, create or (raising PossibleDuplicate) park. An operator's earlier decision for
        this customer stands."""
        with self.db.session() as session:
            chosen = operators(session, self.integration_id, source_id)
            if chosen is not None:
                return chosen
            card = CustomerCard.of(record)
            known = index.candidates(session, self.integration_id, card)
        profile = Profile(card)
        scored = self._scored(profile, known)
        if not scored or scored[0].action is not Action.LINK:
            found = await writer.candidates(card)
            scored = self._scored(profile, known + [(c.target_id, c.card) for c in found])
        decision = self._decision(scored)
        if not self.dry_run:
            with self.db.session() as session:
                save(session, self.integration_id, source_id, decision)
        if decision.action is Action.REVIEW:
            raise PossibleDuplicate(source_id, card, decision)
        return decision

    def _scored(self, profile: Profile, cards: list[tuple[str, CustomerCard]]) -> list[Scored]:
        """Each target once, by its best-matching card, best first."""
        best: dict[str, Scored] = {}
        for target_id, card in cards:
            comparison = compare(profile, card)
            action = self.policy.decide(comparison)
            scored = Scored(
                target_id,
                card.model_dump(exclude_defaults=True),
                comparison.score,
                list(comparison.reasons),
                action,
            )
            held = best.get(target_id)
            if held is None or _order(scored) > _order(held):
                best[target_id] = scored
        return sorted(best.values(), key=_order, reverse=True)

    def _decision(self, scored: list[Scored]) -> Decision:
        """The best candidate's action; two different targets both good enough to link are
        ambiguous (the target already holds a duplicate) unless one scores higher."""
        shown = scored[:SHOWN]
        if not scored or scored[0].action is Action.CREATE:
            return Decision(Action.CREATE, None, shown)
        first = scored[0]
        if first.action is Action.LINK:
            rivals = [s for s in scored[1:] if s.action is Action.LINK and s.score == first.score]
            if not rivals:
                return Decision(Action.LINK, first.target_id, shown)
        return Decision(Action.REVIEW, None, shown)


def _order(scored: Scored) -> tuple[int, float]:
    return RANK[scored.action], scored.score
