"""An amount split by weights in whole cents, exactly: each share less than a cent off its exact
value, and the shares adding up to the amount."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from brygga.model import CENT

Key = TypeVar("Key", bound=Hashable)


def apportion(amount: Decimal, weights: Mapping[Key, Decimal]) -> dict[Key, Decimal]:
    """Largest-remainder apportionment of `amount` (whole cents, not negative) by `weights`
    (positive): each exact share rounded down to the cent, and the cents still missing one
    each to the largest remainders (ties: the larger weight, then the larger key). Exact
    fractions, not rounded decimals, so the result does not depend on rounding order."""
    cents = int(amount / CENT)
    whole = sum((Fraction(weight) for weight in weights.values()), Fraction(0))
    exact = {key: cents * Fraction(weight) / whole for key, weight in weights.items()}
    floors = {key: share.numerator // share.denominator for key, share in exact.items()}
    missing = cents - sum(floors.values())
    by_remainder = sorted(
        weights, key=lambda key: (exact[key] - floors[key], weights[key], key), reverse=True
    )
    for key in by_remainder[:missing]:
        floors[key] += 1
    return {key: Decimal(count) * CENT for key, count in floors.items()}
