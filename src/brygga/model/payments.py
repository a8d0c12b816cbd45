"""Money moving after the sale: captured payments and refunds made in the shop."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from brygga.model.money import Amount, Money


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# The method of what gift cards and store credit paid: a means of payment, not a discount.
GIFT_CARD = "gift_card"


class Payment(BaseModel):
    """A capture in the shop; only a succeeded one marks the ERP invoice paid."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    order_reference: str
    amount: Money
    paid_at: AwareDatetime
    method: str = ""
    status: PaymentStatus = PaymentStatus.SUCCEEDED

    @property
    def by_gift_card(self) -> bool:
        return self.method == GIFT_CARD


class RefundLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    sku: str
    quantity: Annotated[Amount, Field(gt=0)]
    amount: Money


class Refund(BaseModel):
    """Money returned to the customer; becomes a credit note against the order's invoice."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    order_reference: str
    created_at: AwareDatetime
    lines: list[RefundLine] = []
    shipping: Money | None = None
    total: Money
