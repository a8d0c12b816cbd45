"""An order as the ERP books it: net amounts per line whose VAT, computed the ERP's way,
equals the shop's VAT per rate to the cent.

Shops round VAT per line (Magento's row method, Centra); ERPs compute it once per rate on the
document's net amounts (Fortnox, Visma.net: fortnox.md §6, vismanet.md §4.9). Sent the shop's
line nets, an ERP lands a cent away from the shop on some orders. So the booking works per
rate `r` from the shop's own figures, gross `G` and VAT `V`:

1. the net `N = G - V` is what the shop sold at `r`;
2. the ERP will book `round(N' * r / 100)` of VAT on the net `N'` it is sent; `N'` is the
   cent amount nearest to `N` for which that is exactly `V`;
3. the difference `N - N'` (almost always 0, else a cent or two) goes on one rounding line at
   0 % VAT, to the rounding account (BAS 3740 "Öres- och kronutjämning" by default).

Then net, VAT per rate and gross all equal the shop's. Order-level discounts are taken off the
lines of their own VAT rate in proportion to their amounts, so VAT per rate stays the shop's.
An ERP sent gross prices (Fortnox `VATIncluded`) takes VAT out of each rate's gross instead;
the same search runs on the gross, and the shift is a pair of rounding lines (see `book`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from brygga.model import CENT, Money, Order, OrderLine
from brygga.model.totals import DocumentTotals

HALF_CENT = CENT / 2
ZERO = Decimal(0)


class FinanceError(ValueError):
    """An order Brygga cannot book exactly; the message says what to fix."""


class Kind(StrEnum):
    GOODS = "goods"
    SHIPPING = "shipping"
    ROUNDING = "rounding"


@dataclass(frozen=True)
class BookedLine:
    """One line of the ERP document: its net amount after every discount, and its VAT rate.
    `line` is the shop's order line for goods; None for shipping and rounding."""

    kind: Kind
    net: Decimal
    rate: Decimal
    line: OrderLine | None = None


@dataclass(frozen=True)
class Booking:
    currency: str
    lines: list[BookedLine]
    tax: dict[Decimal, Decimal] = field(default_factory=dict)  # rate → VAT, as the ERP books it

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def gross(self) -> Decimal:
        return self.net + sum(self.tax.values(), ZERO)

    @property
    def rounding(self) -> Decimal:
        return sum((line.net for line in self.lines if line.kind is Kind.ROUNDING), ZERO)

    def goods(self) -> list[BookedLine]:
        return [line for line in self.lines if line.kind is Kind.GOODS]

    def shipping(self) -> list[BookedLine]:
        return [line for line in self.lines if line.kind is Kind.SHIPPING]

    def totals(self) -> DocumentTotals:
        tax = dict(self.tax)
        if self.rounding:
            tax.setdefault(ZERO, ZERO)
        return DocumentTotals(currency=self.currency, net=self.net, gross=self.gross, tax=tax)


def erp_vat(net: Decimal, rate: Decimal) -> Decimal:
    """VAT as an ERP books it on a document's net at one rate: once, half up to the cent."""
    return (net * rate / 100).quantize(CENT, ROUND_HALF_UP)


def book(
    order: Order,
    *,
    gross_prices: bool = False,
    rounding_pairs: bool = False,
    shipping_apart: bool = False,
) -> Booking:
    """The ERP lines of `order`; see the module docstring for the rule.

    `gross_prices`: the ERP is sent prices including VAT and takes the VAT out of each rate's
    gross (Fortnox `VATIncluded`). `rounding_pairs` (always so with gross prices): goods lines
    stay as the shop sold them, and a rate that needs it gets a pair of rounding lines, the
    shift taken off at that rate and put back at 0 %, instead of on its largest line.
    `shipping_apart`: the ERP books shipping in a field of its own with its own VAT (Fortnox
    `Freight`), so shipping is left out of the rate groups; it must then already be exact.
    """
    parts = _shop_parts(order)
    _take_discounts(order, parts)
    by_rate: dict[Decimal, list[_Part]] = defaultdict(list)
    for part in parts:
        if not (shipping_apart and part.kind is Kind.SHIPPING):
            by_rate[part.rate].append(part)
    tax: dict[Decimal, Decimal] = defaultdict(Decimal)
    rounding: list[BookedLine] = []
    for rate in sorted(by_rate):
        group = by_rate[rate]
        vat = sum((part.vat for part in group), ZERO)
        tax[rate] += vat
        if gross_prices:
            gross = sum((part.gross for part in group), ZERO)
            shift = gross - nearest_gross_with_vat(gross, vat, rate)
        else:
            net = sum((part.net for part in group), ZERO)
            shift = net - nearest_net_with_vat(net, vat, rate)
        if not shift:
            continue
        if gross_prices or rounding_pairs:
            rounding.append(BookedLine(Kind.ROUNDING, -shift, rate))
        else:
            _settle(group, shift)
        rounding.append(BookedLine(Kind.ROUNDING, shift, ZERO))
    for part in parts:
        if shipping_apart and part.kind is Kind.SHIPPING:
            tax[part.rate] += part.vat
    # The shop's order of lines, then shipping, then the rounding lines.
    lines = [BookedLine(part.kind, part.net, part.rate, part.line) for part in parts]
    return Booking(currency=order.currency, lines=lines + _merged(rounding), tax=dict(tax))


def _merged(rounding: list[BookedLine]) -> list[BookedLine]:
    """One rounding line per rate: the 0 % shifts of several rates add up."""
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in rounding:
        by_rate[line.rate] += line.net
    return [BookedLine(Kind.ROUNDING, net, rate) for rate, net in by_rate.items() if net]


def erp_vat_in(gross: Decimal, rate: Decimal) -> Decimal:
    """VAT as an ERP takes it out of a document's gross at one rate (Fortnox `VATIncluded`)."""
    return (gross * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


def nearest_net_with_vat(net: Decimal, vat: Decimal, rate: Decimal) -> Decimal:
    """The cent amount nearest to `net` on which the ERP's VAT at `rate` is exactly `vat`."""
    return _nearest(net, vat, rate, lambda amount: erp_vat(amount, rate), rate / 100)


def nearest_gross_with_vat(gross: Decimal, vat: Decimal, rate: Decimal) -> Decimal:
    """The cent amount nearest to `gross` out of which the ERP's VAT at `rate` is `vat`."""
    return _nearest(gross, vat, rate, lambda amount: erp_vat_in(amount, rate), rate / (100 + rate))


def _nearest(
    amount: Decimal,
    vat: Decimal,
    rate: Decimal,
    vat_of: Callable[[Decimal], Decimal],
    fraction: Decimal,
) -> Decimal:
    """`vat_of(x) == vat` holds for the cent amounts `x` in about
    `[(vat - 0.005) / fraction, (vat + 0.005) / fraction)`, a range `0.01 / fraction` wide,
    so at least a cent wide for any rate up to 100 %. The candidates around it are checked
    with the ERP's own arithmetic, which settles ties at the edges."""
    if rate == 0:
        if vat:
            raise FinanceError(f"the shop charged {vat} of VAT at 0 %")
        return amount
    low = ((vat - HALF_CENT) / fraction).quantize(CENT, ROUND_FLOOR) - CENT
    high = ((vat + HALF_CENT) / fraction).quantize(CENT, ROUND_CEILING) + CENT
    candidates = []
    cents = low
    while cents <= high:
        if vat_of(cents) == vat:
            candidates.append(cents)
        cents += CENT
    if not candidates:
        raise FinanceError(f"no amount carries exactly {vat} of VAT at {rate} %")
    return min(max(amount, candidates[0]), candidates[-1])


@dataclass
class _Part:
    """A goods line or the shipping, in the order currency: what the ERP gets, being settled."""

    kind: Kind
    rate: Decimal
    gross: Decimal
    vat: Decimal
    line: OrderLine | None = None

    @property
    def net(self) -> Decimal:
        return self.gross - self.vat


def _shop_parts(order: Order) -> list[_Part]:
    parts = []
    for line in order.lines:
        gross, vat = _gross_and_vat(order, line.total.amount, line.tax_rate, line.tax)
        parts.append(_Part(Kind.GOODS, line.tax_rate, gross, vat, line))
    if order.shipping is not None and order.shipping.amount.amount:
        for amount, rate, shop_tax in order.shipping.by_rate():
            gross, vat = _gross_and_vat(order, amount, rate, shop_tax)
            parts.append(_Part(Kind.SHIPPING, rate, gross, vat))
    return parts


def _gross_and_vat(
    order: Order, amount: Decimal, rate: Decimal, shop_tax: Money | None
) -> tuple[Decimal, Decimal]:
    """An amount of the order with its VAT included, and that VAT as the shop booked it."""
    vat = order.vat_of(amount, rate, shop_tax)
    return (amount if order.prices_include_tax else amount + vat), vat


def _take_discounts(order: Order, parts: list[_Part]) -> None:
    """Spread each order-level discount over the goods at its VAT rate, by their gross."""
    for discount in order.discounts:
        rate = discount.tax_rate
        targets = [p for p in parts if p.kind is Kind.GOODS and p.rate == rate]
        if not targets:
            raise FinanceError(
                f"order {order.number} has a discount '{discount.description}' at {rate} % VAT "
                "but no goods at that rate to take it from"
            )
        gross, vat = _gross_and_vat(order, discount.amount.amount, rate, None)
        if discount.amount.amount > sum((p.gross for p in targets), ZERO):
            raise FinanceError(
                f"order {order.number}: the discount '{discount.description}' is larger than "
                f"the goods at {rate} % VAT"
            )
        for part, (gross_share, vat_share) in zip(
            targets, _shares(gross, vat, [p.gross for p in targets]), strict=True
        ):
            part.gross -= gross_share
            part.vat -= vat_share


def _shares(gross: Decimal, vat: Decimal, weights: list[Decimal]) -> list[tuple[Decimal, Decimal]]:
    """`gross` and `vat` split by `weights` in cents, the rests on the last share."""
    whole = sum(weights, ZERO)
    shares = []
    left_gross, left_vat = gross, vat
    for index, weight in enumerate(weights):
        if index == len(weights) - 1 or not whole:
            shares.append((left_gross, left_vat))
            left_gross = left_vat = ZERO
            continue
        gross_share = (gross * weight / whole).quantize(CENT, ROUND_HALF_UP)
        vat_share = (vat * weight / whole).quantize(CENT, ROUND_HALF_UP)
        shares.append((gross_share, vat_share))
        left_gross -= gross_share
        left_vat -= vat_share
    return shares


def _settle(group: list[_Part], shift: Decimal) -> None:
    """Move what the ERP's rounding needs off the largest part of the rate, as VAT stays: the
    net of that part changes, the rate's VAT does not."""
    largest = max(group, key=lambda part: part.gross)
    largest.gross -= shift
