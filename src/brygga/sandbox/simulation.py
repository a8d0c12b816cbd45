"""What every sandbox's `POST /_sandbox/simulate` shares: picking until enough changes fit, and
how stock moves when staff act."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")

ATTEMPTS = 50  # random picks per wanted change before giving up (e.g. nothing left to refund)


def picks(count: int, attempt: Callable[[], T | None]) -> list[T]:
    """Up to `count` results of `attempt`, which gives None when its random pick does not fit
    (an order with nothing to refund, an article without a price)."""
    made: list[T] = []
    for _ in range(count * ATTEMPTS):
        if len(made) == count:
            break
        if (result := attempt()) is not None:
            made.append(result)
    return made


def stock_movement(rng: random.Random, on_hand: Decimal | int) -> Decimal | int:
    """Mostly a delivery of 1–24 units; one time in four 1–3 units written off, never below 0."""
    if rng.random() < 0.75 or on_hand <= 0:
        return rng.randint(1, 24)
    return -min(on_hand, rng.randint(1, 3))
