"""Orders as the shop sold them: lines, shipping, discounts, taxes, currency and rate."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from brygga.model.address import Address
from brygga.model.customer import Customer
from brygga.model.money import Amount, CurrencyCode, Money, total

TaxRate = Annotated[Amount, Field(ge=0, le=100, description="percent, e.g. 25")]


class OrderLine(BaseModel):
    """One line of an order, invoice or credit note. Prices follow the document's
    `prices_include_tax`; `unit_price` is what was charged after line discounts."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    sku: str
    description: str
    quantity: Annotated[Amount, Field(gt=0)]
    unit_price: Money
    unit_list_price: Money | None = None
    tax_rate: TaxRate
    ean: str = ""

    @property
    def total(self) -> Money:
        return (self.unit_price * self.quantity).rounded()

    @property
    def discount(self) -> Money:
        """What the line discount took off the list price, for the whole quantity."""
        if self.unit_list_price is None:
            return Money.zero(self.unit_price.currency)
        return ((self.unit_list_price - self.unit_price) * self.quantity).rounded()


class Shipping(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str = "Shipping"
    amount: Money
    tax_rate: TaxRate


class Discount(BaseModel):
    """An order-level discount (voucher), booked as its own negative amount."""

    model_config = ConfigDict(frozen=True)

    description: str
    amount: Money
    tax_rate: TaxRate


class TaxLine(BaseModel):
    """Tax at one rate: the base it applies to and the tax, both in the document currency."""

    model_config = ConfigDict(frozen=True)

    rate: TaxRate
    taxable: Money
    tax: Money


class Order(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_id: str
    number: str
    created_at: AwareDatetime
    # All an ERP needs of the shop's order status: a shipped or paid order is the same order,
    # and a status change must not count as a change to send (the ERP order may be invoiced).
    cancelled: bool = False
    currency: CurrencyCode
    exchange_rate: Annotated[Amount, Field(gt=0, description="base-currency units per unit")]
    base_currency: CurrencyCode = "SEK"
    prices_include_tax: bool = True
    customer: Customer
    billing_address: Address | None = None
    shipping_address: Address | None = None
    lines: Annotated[list[OrderLine], Field(min_length=1)]
    shipping: Shipping | None = None
    discounts: list[Discount] = []
    tax_lines: list[TaxLine] = []
    grand_total: Money

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        amounts = [self.grand_total]
        amounts += [line.unit_price for line in self.lines]
        amounts += [discount.amount for discount in self.discounts]
        amounts += [self.shipping.amount] if self.shipping else []
        for amount in amounts:
            if amount.currency != self.currency:
                raise ValueError(
                    f"order {self.number} is in {self.currency} but has an amount in "
                    f"{amount.currency}"
                )
        computed = self.computed_total()
        if computed.amount != self.grand_total.amount:
            raise ValueError(
                f"order {self.number}: lines, shipping and discounts add up to {computed}, "
                f"but the shop's total is {self.grand_total}"
            )
        return self

    def computed_total(self) -> Money:
        parts = [line.total for line in self.lines]
        parts += [self.shipping.amount] if self.shipping else []
        parts += [-discount.amount for discount in self.discounts]
        return total(parts, self.currency).rounded()

    def computed_tax_lines(self) -> list[TaxLine]:
        """Tax per rate over lines and shipping, less order discounts, rounded once per rate
        (per-document rounding, the way ERPs book it)."""
        base: dict[Decimal, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            base[line.tax_rate] += line.total.amount
        if self.shipping:
            base[self.shipping.tax_rate] += self.shipping.amount.amount
        for discount in self.discounts:
            base[discount.tax_rate] -= discount.amount.amount
        tax_lines = []
        for rate, amount in sorted(base.items()):
            divisor = 100 + rate if self.prices_include_tax else Decimal(100)
            tax = Money(amount=amount * rate / divisor, currency=self.currency).rounded()
            taxable = Money(amount=amount, currency=self.currency)
            if self.prices_include_tax:
                taxable = taxable - tax
            tax_lines.append(TaxLine(rate=rate, taxable=taxable, tax=tax))
        return tax_lines
