"""Customer de-duplication: is an incoming shop customer one the ERP already has?

`normalise` brings fields to the forms they are compared in; `comparison` scores two customer
cards and explains the score; `policy` turns a score into link, review or create; `matching`
finds the candidates (Brygga's own `index` first, then the ERP's search) and decides for a
record; `decisions` keeps each decision, and `review` takes a person's answer to a
"duplicate?"; `evaluation` measures it all on labelled pairs. docs/dedupe.md describes the
rules for operations readers."""

from __future__ import annotations

from brygga.engine.dedupe.comparison import Ceiling, Comparison, Profile, compare
from brygga.engine.dedupe.policy import LINK_SETTING, REVIEW_SETTING, Action, Policy
from brygga.model import CustomerCard


def would_link(a: CustomerCard, b: CustomerCard, policy: Policy | None = None) -> bool:
    """Whether the matcher would link the two automatically."""
    return (policy or Policy()).decide(compare(a, b)) is Action.LINK


__all__ = [
    "LINK_SETTING",
    "REVIEW_SETTING",
    "Action",
    "Ceiling",
    "Comparison",
    "Policy",
    "Profile",
    "compare",
    "would_link",
]
