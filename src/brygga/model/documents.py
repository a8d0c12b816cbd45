"""What the ERP issues against an order: invoices, and credit notes against invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from brygga.model.money import Amount, CurrencyCode, Money
from brygga.model.order import OrderLine, Shipping


class Invoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_id: str
    number: str
    order_reference: str = Field(description="the shop order number the invoice bills")
    customer_reference: str = ""
    issued_on: date
    due_on: date | None = None
    currency: CurrencyCode
    exchange_rate: Annotated[Amount, Field(gt=0)] = 1
    prices_include_tax: bool = True
    lines: list[OrderLine]
    shipping: Shipping | None = None
    total: Money
    cancelled: bool = False


class CreditNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_id: str
    number: str
    invoice_reference: str = Field(description="the number of the invoice it credits")
    order_reference: str = Field("", description="the shop order number of that invoice")
    refund_reference: str = ""
    issued_on: date
    currency: CurrencyCode
    prices_include_tax: bool = True
    lines: list[OrderLine]
    shipping: Shipping | None = None
    total: Money

    @property
    def shipping_with_tax(self) -> Money | None:
        """The credited shipping including VAT, as a shop refunds it."""
        if self.shipping is None:
            return None
        if self.prices_include_tax:
            return self.shipping.amount.rounded()
        gross = sum(
            (amount * (1 + rate / 100) for amount, rate, _ in self.shipping.by_rate()), Decimal(0)
        )
        return Money(amount=gross, currency=self.currency).rounded()
