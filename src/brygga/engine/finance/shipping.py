"""The VAT on an order's shipping: as the shop charged it, and checked against the merchant's
rule (setting `shipping_vat`).

Shipping of goods is part of their supply, so it takes the goods' VAT rate; with goods at
several rates it is split in proportion to the goods' value at each rate (Skatteverket, "Moms på
frakt"; the EU's ancillary-supply rule). Shops do one of two things: charge one rate on all
shipping (Magento's "Tax Class for Shipping"), or split the shipping's VAT over the goods'
rates (Centra gives only the shipping's VAT, a blend of rates). `shop_shipping` reads either
into the model: one rate, or a part per rate (`Shipping.parts`), so the ERP books the VAT per
rate the shop charged.

Brygga never changes what the buyer was charged. The setting says what the shop should have
done, and an order that does otherwise is refused with what to fix:

- `shop` (the default): book the shipping's VAT as the shop charged it;
- `goods`: the shipping must carry the goods' rate, or be split over the goods' rates when
  they are mixed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from brygga.engine.finance.apportion import apportion
from brygga.engine.finance.booking import FinanceError
from brygga.model import CENT, Money, Order, OrderLine, Shipping, ShippingPart
from brygga.model.order import rounded_vat

SHIPPING_VAT = ("shop", "goods")
Vat = Callable[[Decimal, Decimal], Decimal]  # the VAT of an amount at a rate


def shop_shipping(
    amount: Money,
    tax: Money,
    lines: Iterable[OrderLine],
    *,
    prices_include_tax: bool,
    description: str = "Shipping",
) -> Shipping:
    """The shipping as the shop charged it, from its amount, its VAT and the order's goods:
    at the goods' rate whose VAT is within a cent of the shop's (shops round the VAT of the
    net or the gross), else split over the goods' rates by their value with, then without,
    VAT, each part's VAT within a cent; else at the whole percent nearest to the shop's
    figures, which the tax-case check then judges."""
    vat = partial(rounded_vat, prices_include_tax=prices_include_tax)
    goods = _goods_by_rate(lines, prices_include_tax)
    fields = {"description": description, "amount": amount, "tax": tax}
    for rate in sorted(goods, reverse=True):
        if abs(vat(amount.amount, rate) - tax.amount) <= CENT:
            return Shipping(tax_rate=rate, **fields)
    valued = {rate: value for rate, value in goods.items() if value.gross > 0}
    if len(valued) > 1 and amount.amount > 0:
        for by_gross in (True, False):
            weights = {r: v.gross if by_gross else v.net for r, v in valued.items()}
            parts = _split(amount, tax, weights, vat)
            if parts:
                largest = max(parts, key=lambda part: part.amount.amount)
                return Shipping(tax_rate=largest.tax_rate, parts=parts, **fields)
    nearest = _nearest_percent(amount.amount, tax.amount, prices_include_tax)
    return Shipping(tax_rate=nearest, **fields)


def check_shipping(order: Order, shipping_vat: str) -> None:
    """A FinanceError when the shop charged the shipping's VAT otherwise than `shipping_vat`
    asks (see the module docstring)."""
    if shipping_vat not in SHIPPING_VAT:
        raise FinanceError(
            f"the shipping_vat setting is {shipping_vat!r}; use one of {', '.join(SHIPPING_VAT)}"
        )
    shipping = order.shipping
    if shipping_vat == "shop" or shipping is None or not shipping.amount.amount:
        return
    values = _goods_by_rate(order.lines, order.prices_include_tax)
    goods = {rate for rate, value in values.items() if value.gross > 0}
    charged = {rate for _, rate, _ in shipping.by_rate()}
    if not goods or charged == goods:
        return
    listed = " and ".join(f"{rate} %" for rate in sorted(goods, reverse=True))
    split = "split over the goods' rates" if len(goods) > 1 else "at the goods' rate"
    shop = " and ".join(f"{rate} %" for rate in sorted(charged, reverse=True))
    raise FinanceError(
        f"order {order.number} charges shipping VAT at {shop} on goods at {listed}; with the "
        f"shipping_vat setting 'goods' shipping must be {split}: set the shop's shipping tax "
        "to follow the goods, or shipping_vat to 'shop' to book it as the shop charged it"
    )


@dataclass
class _Value:
    gross: Decimal = Decimal(0)
    net: Decimal = Decimal(0)


def _goods_by_rate(lines: Iterable[OrderLine], prices_include_tax: bool) -> dict[Decimal, _Value]:
    """Per VAT rate, the goods' value with VAT and without (lines as sold)."""
    values: dict[Decimal, _Value] = defaultdict(_Value)
    for line in lines:
        amount = line.total.amount
        tax = rounded_vat(amount, line.tax_rate, prices_include_tax)
        if line.tax is not None:  # the shop's own figure
            tax = line.tax.amount
        gross = amount if prices_include_tax else amount + tax
        values[line.tax_rate].gross += gross
        values[line.tax_rate].net += gross - tax
    return dict(values)


def _split(
    amount: Money, tax: Money, weights: dict[Decimal, Decimal], vat: Vat
) -> list[ShippingPart]:
    """The shipping split by `weights`, if the VAT of its parts comes within a cent per part
    of the shop's; the largest part takes the odd cents, so the parts' VAT is the shop's."""
    shares = apportion(amount.amount, weights)
    taxes = {rate: vat(share, rate) for rate, share in shares.items()}
    off = tax.amount - sum(taxes.values(), Decimal(0))
    if abs(off) > CENT * len(shares) or not all(shares.values()):
        return []
    largest = max(shares, key=lambda rate: (shares[rate], rate))
    taxes[largest] += off
    currency = amount.currency
    return [
        ShippingPart(
            tax_rate=rate,
            amount=Money(amount=shares[rate], currency=currency),
            tax=Money(amount=taxes[rate], currency=currency),
        )
        for rate in sorted(shares, reverse=True)
    ]


def _nearest_percent(amount: Decimal, tax: Decimal, prices_include_tax: bool) -> Decimal:
    untaxed = amount - tax if prices_include_tax else amount
    if not tax or untaxed <= 0:
        return Decimal(0)
    return (tax * 100 / untaxed).quantize(Decimal(1), ROUND_HALF_UP)
