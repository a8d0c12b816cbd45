"""A refunded amount that no refunded line explains, split over the VAT rates of the invoice.

Shops refund amounts without lines: goodwill, a part of the order, the rest of a refund whose
lines do not add up to its total. The credit note must take such an amount back at the VAT the
invoice charged, so it is split over the invoice's VAT rates in proportion to the invoice's
gross (VAT included) per rate:

1. each rate's exact share, in cents, is rounded down, and the cents still missing go one each
   to the largest remainders (ties: the larger invoice gross, then the higher rate), so the
   parts add up to the amount and each is less than a cent off its exact share;
2. no part is more than is left to credit at its rate (the invoice's gross there less what
   earlier credit notes and this refund's own lines and shipping took back): a share over that
   is capped and the excess is split again over the other rates the same way;
3. each part's VAT is what an ERP takes out of that gross at its rate (`erp_vat_in`), the
   figure Fortnox books on a `VATIncluded` row; an ERP sent net amounts needs the net nearest
   to `gross - vat` that carries it (`nearest_net_with_vat`).

A refund of an invoice's whole gross thus gives back its gross per rate, and, as ERPs compute
VAT once per rate on the document, its VAT per rate. A negative amount (a refund less than its
lines) is split by the same proportions; nothing caps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from brygga.engine.finance.apportion import apportion
from brygga.engine.finance.booking import FinanceError, erp_vat_in
from brygga.model import CENT

ZERO = Decimal(0)


@dataclass(frozen=True)
class RefundPart:
    """The share of a refunded amount at one VAT rate, VAT included."""

    rate: Decimal
    gross: Decimal

    @property
    def vat(self) -> Decimal:
        return erp_vat_in(self.gross, self.rate)


def split_refund(
    amount: Decimal,
    invoiced: Mapping[Decimal, Decimal],
    credited: Mapping[Decimal, Decimal] | None = None,
) -> list[RefundPart]:
    """`amount` split over the rates of `invoiced` (the invoice's gross per VAT rate), never
    more at a rate than `invoiced` less `credited` there; highest rate first, no zero parts.
    Raises FinanceError when the amount is not whole cents, the invoice has nothing to weigh
    by, or more is asked than is left to credit."""
    if amount != amount.quantize(CENT):
        raise FinanceError(f"a refund of {amount} is not a whole number of cents")
    weights = {rate: gross for rate, gross in invoiced.items() if gross > 0}
    if not weights:
        raise FinanceError("the invoice has no amount at any VAT rate to refund from")
    if amount < 0:
        return [RefundPart(part.rate, -part.gross) for part in split_refund(-amount, weights)]
    credited = credited or {}
    left = {
        rate: max(gross - credited.get(rate, ZERO), ZERO).quantize(CENT)
        for rate, gross in weights.items()
    }
    if amount > sum(left.values(), ZERO):
        raise FinanceError(
            f"{amount} is more than the {sum(left.values(), ZERO)} left to credit on the "
            f"invoice ({_listed(left)})"
        )
    parts: dict[Decimal, Decimal] = {}
    rest, open_rates = amount, set(weights)
    while rest:
        shares = apportion(rest, {rate: weights[rate] for rate in open_rates})
        over = {rate for rate, share in shares.items() if share > left[rate]}
        if not over:
            parts |= shares
            break
        for rate in over:  # capped; the next round splits the excess over the other rates
            parts[rate] = left[rate]
            rest -= left[rate]
        open_rates -= over
    return [RefundPart(rate, parts[rate]) for rate in sorted(parts, reverse=True) if parts[rate]]


def _listed(amounts: Mapping[Decimal, Decimal]) -> str:
    ordered = sorted(amounts.items(), reverse=True)
    return ", ".join(f"{gross} at {rate} %" for rate, gross in ordered)
