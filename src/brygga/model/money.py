"""Money: an exact `Decimal` amount in an ISO 4217 currency. Never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

CENT = Decimal("0.01")


def _no_float(value: Any) -> Any:
    # A float has already lost the cent the merchant typed; refuse it instead of guessing.
    if isinstance(value, float):
        raise ValueError(f"amount {value!r} is a float; pass a Decimal or a string")
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float)]
"""An exact decimal amount, rate or quantity; floats are rejected."""


@cache
def _known_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


def _currency_code(value: str) -> str:
    code = value.strip().upper()
    if not _known_currency(code):
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


CurrencyCode = Annotated[str, AfterValidator(_currency_code)]


class Money(BaseModel):
    """An amount with its currency. Arithmetic refuses to mix currencies."""

    model_config = ConfigDict(frozen=True)

    amount: Amount
    currency: CurrencyCode

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        return cls(amount=Decimal(amount), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply Money by a Decimal or an int, not a float")
        return Money(amount=self.amount * factor, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def rounded(self, exponent: Decimal = CENT) -> Money:
        """Half-up to cents unless told otherwise (the explicit rounding rule)."""
        return Money(amount=self.amount.quantize(exponent, ROUND_HALF_UP), currency=self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def total(values: list[Money], currency: str) -> Money:
    """Sum in one currency; an empty list is zero."""
    result = Money.zero(currency)
    for value in values:
        result = result + value
    return result
