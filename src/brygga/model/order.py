"""Orders as the shop sold them: lines, shipping, discounts, taxes, currency and rate."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from brygga.model.address import Address
from brygga.model.customer import Customer
from brygga.model.money import CENT, Amount, CurrencyCode, Money, total
from brygga.model.totals import DocumentTotals

TaxRate = Annotated[Amount, Field(ge=0, le=100, description="percent, e.g. 25")]


def rounded_vat(amount: Decimal, rate: Decimal, prices_include_tax: bool) -> Decimal:
    """The VAT in (or, with prices excluding VAT, on) an amount at `rate`, rounded half up on
    that amount alone, as shops compute a line's VAT."""
    divisor = 100 + rate if prices_include_tax else Decimal(100)
    return (amount * rate / divisor).quantize(CENT, ROUND_HALF_UP)


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
    tax: Money | None = Field(
        None, description="the VAT in the line total as the shop computed it; None: rate only"
    )
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


class ShippingPart(BaseModel):
    """The share of the shipping at one VAT rate, where the shop split the shipping's VAT over
    the rates of the goods (a mixed supply: Skatteverket's proportional rule)."""

    model_config = ConfigDict(frozen=True)

    tax_rate: TaxRate
    amount: Money
    tax: Money


class Shipping(BaseModel):
    model_config = ConfigDict(frozen=True)

    description: str = "Shipping"
    amount: Money
    tax_rate: TaxRate = Field(description="the rate of the whole shipping, or of its largest part")
    tax: Money | None = Field(None, description="the VAT in the shipping, as the shop computed it")
    parts: list[ShippingPart] = Field(
        [], description="the shipping per VAT rate when the shop split its VAT; else empty"
    )

    @model_validator(mode="after")
    def _parts_add_up(self) -> Self:
        if self.parts:
            amount = sum((part.amount.amount for part in self.parts), Decimal(0))
            tax = sum((part.tax.amount for part in self.parts), Decimal(0))
            if amount != self.amount.amount or (self.tax is not None and tax != self.tax.amount):
                raise ValueError(
                    f"the shipping's parts add up to {amount} with VAT {tax}, not the "
                    f"shipping's {self.amount.amount} with VAT {self.tax and self.tax.amount}"
                )
        return self

    def by_rate(self) -> list[tuple[Decimal, Decimal, Money | None]]:
        """(amount, rate, the shop's VAT) per VAT rate of the shipping."""
        if not self.parts:
            return [(self.amount.amount, self.tax_rate, self.tax)]
        return [(part.amount.amount, part.tax_rate, part.tax) for part in self.parts]


class GiftCard(BaseModel):
    """A part of the order paid with a gift card or store credit. A means of payment, not a
    discount: the goods are sold, and their VAT due, at the full price (a multi-purpose
    voucher, whose VAT was not charged when it was sold)."""

    model_config = ConfigDict(frozen=True)

    code: str
    amount: Money


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
    # What the order is worth: lines, shipping, less discounts. Gift cards paid a part of it.
    grand_total: Money
    gift_cards: list[GiftCard] = []

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        amounts = [self.grand_total]
        amounts += [line.unit_price for line in self.lines]
        amounts += [discount.amount for discount in self.discounts]
        amounts += [self.shipping.amount] if self.shipping else []
        amounts += [card.amount for card in self.gift_cards]
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
        if self.paid_with_gift_cards.amount > self.grand_total.amount:
            raise ValueError(
                f"order {self.number}: gift cards paid {self.paid_with_gift_cards}, more than "
                f"the order's {self.grand_total}"
            )
        return self

    @property
    def paid_with_gift_cards(self) -> Money:
        return total([card.amount for card in self.gift_cards], self.currency)

    def computed_total(self) -> Money:
        parts = [line.total for line in self.lines]
        parts += [self.shipping.amount] if self.shipping else []
        parts += [-discount.amount for discount in self.discounts]
        return total(parts, self.currency).rounded()

    @property
    def tax_lines(self) -> list[TaxLine]:
        """VAT per rate as the shop booked it: the shop's VAT per line and on shipping where it
        gives one, else each line's VAT rounded on its own (the way shops compute it), less
        the VAT inside order discounts. `taxable` is the net at that rate."""
        taxable: dict[Decimal, Decimal] = defaultdict(Decimal)
        taxes: dict[Decimal, Decimal] = defaultdict(Decimal)
        parts = [(line.total.amount, line.tax_rate, line.tax) for line in self.lines]
        if self.shipping:
            parts += self.shipping.by_rate()
        parts += [(-d.amount.amount, d.tax_rate, None) for d in self.discounts]
        for amount, rate, shop_tax in parts:
            tax = self.vat_of(amount, rate, shop_tax)
            taxes[rate] += tax
            taxable[rate] += amount - tax if self.prices_include_tax else amount
        return [
            TaxLine(
                rate=rate,
                taxable=Money(amount=taxable[rate], currency=self.currency),
                tax=Money(amount=taxes[rate], currency=self.currency),
            )
            for rate in sorted(taxable)
        ]

    def vat_of(self, amount: Decimal, rate: Decimal, shop_tax: Money | None = None) -> Decimal:
        """The VAT in (or, with prices excluding VAT, on) one amount of this order: the shop's
        own figure where it gives one, else rounded on this amount alone, as shops do."""
        if shop_tax is not None:
            return shop_tax.amount
        return rounded_vat(amount, rate, self.prices_include_tax)

    def totals(self) -> DocumentTotals:
        """The order in the reconciliation's terms: net, VAT per rate and gross."""
        tax_lines = self.tax_lines
        return DocumentTotals(
            currency=self.currency,
            net=sum((t.taxable.amount for t in tax_lines), Decimal(0)),
            tax={t.rate: t.tax.amount for t in tax_lines},
            gross=self.grand_total.amount,
        )
