"""Refunds in the demo data: some shipped orders returned in full, some in part."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from brygga.sandbox.seed_records import Order, money


@dataclass
class RefundLine:
    line_id: int
    quantity: int
    amount: Decimal  # including VAT, what the customer gets back for this line


@dataclass
class Refund:
    id: int
    order_number: int
    created_at: datetime
    lines: list[RefundLine]
    shipping: Decimal  # shipping refunded, including VAT

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), self.shipping)

    @property
    def full(self) -> bool:
        return self.shipping > 0 or len(self.lines) > 1


def refunds_for(
    rng: random.Random, orders: list[Order], full_share: float = 0.04, part_share: float = 0.06
) -> list[Refund]:
    """Only shipped orders can be returned (a return belongs to a shipment, centra.md §4.3)."""
    refunds: list[Refund] = []
    for order in orders:
        if order.status != "SHIPPED":
            continue
        roll = rng.random()
        when = order.created_at + timedelta(days=rng.randint(7, 30))
        if roll < full_share:
            lines = [RefundLine(line.id, line.quantity, line.line_value) for line in order.lines]
            refunds.append(Refund(len(refunds) + 1, order.number, when, lines, order.shipping))
        elif roll < full_share + part_share:
            line = rng.choice(order.lines)
            part = RefundLine(line.id, 1, money(line.unit_price))
            refunds.append(Refund(len(refunds) + 1, order.number, when, [part], Decimal(0)))
    return refunds
