"""A document's money in three figures a bookkeeper checks: net, VAT per rate and gross.

The shop's order and the ERP's document are both summed into this shape, so that the
reconciliation can compare them to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class DocumentTotals:
    currency: str
    net: Decimal
    gross: Decimal
    tax: dict[Decimal, Decimal] = field(default_factory=dict)  # VAT rate (%) → VAT amount
    rounding: Decimal = Decimal(0)  # the ERP's own rounding of the total, e.g. Fortnox RoundOff

    @property
    def total_tax(self) -> Decimal:
        return sum(self.tax.values(), Decimal(0))

    def differences(self, other: DocumentTotals) -> list[str]:
        """What `other` (the ERP's document) books differently from this one (the shop's),
        one readable line per figure; empty when they agree to the cent. The ERP's total
        rounding is taken off its gross first: it is booked apart, not sold."""
        found = []
        if other.currency != self.currency:
            found.append(f"currency: shop {self.currency}, ERP {other.currency}")
        if other.net != self.net:
            found.append(f"net: shop {self.net}, ERP {other.net}")
        for rate in sorted(set(self.tax) | set(other.tax)):
            ours, theirs = self.tax.get(rate, Decimal(0)), other.tax.get(rate, Decimal(0))
            if ours != theirs:
                found.append(f"VAT {rate.normalize():f} %: shop {ours}, ERP {theirs}")
        if other.gross - other.rounding != self.gross:
            found.append(f"gross: shop {self.gross}, ERP {other.gross - other.rounding}")
        return found
