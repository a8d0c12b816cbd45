"""Hypothesis strategies for shop orders across tax cases, VAT rates, currencies, discounts and
shipping, and for the partial refunds a shop makes of them.

Shops round VAT per line; some give their figure (Magento, Centra), and a shop's figure may
sit a cent off Brygga's own arithmetic, as delta rounding does (Magento's total method).

Each tax case is a buyer and the rates a Swedish seller charges them: domestic, an EU business
(reverse charge, no VAT), an EU consumer (Swedish VAT), an EU consumer under OSS (German VAT:
`case_settings` turns OSS on for those orders), and export (no VAT).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from hypothesis import strategies as st

from brygga.engine.finance import split_refund
from brygga.model import (
    CENT,
    Address,
    Customer,
    CustomerType,
    Discount,
    Money,
    Order,
    OrderLine,
    Refund,
    RefundLine,
    Shipping,
)

RATES = [Decimal(25), Decimal(12), Decimal(6), Decimal(0)]
GERMAN_VAT_NUMBER = "DE136695976"  # a valid check digit (python-stdnum)


@dataclass(frozen=True)
class Buyer:
    case: str
    country: str
    rates: list[Decimal]
    vat_number: str = ""


BUYERS = [
    Buyer("domestic", "SE", RATES),
    Buyer("eu_b2b", "DE", [Decimal(0)], GERMAN_VAT_NUMBER),
    Buyer("eu_b2c", "FI", RATES[:3]),
    Buyer("eu_b2c_oss", "DE", [Decimal(19), Decimal(7)]),
    Buyer("export", "US", [Decimal(0)]),
]
# What the sandbox companies need for German OSS sales (Fortnox account, Visma.net zone and
# categories); see case_settings.
OSS_SETTINGS = {
    "oss_accounts": {"DE": 3011},
    "oss_vat_zones": {"DE": "11"},
    "oss_vat_categories": {"DE": {"19": "11", "7": "12"}},
}


def case_settings(order: Order) -> dict[str, object]:
    """The flow settings an order of `orders(tax_cases=True)` is booked with: OSS on for a
    German consumer charged German VAT."""
    country = order.customer.address.country if order.customer.address else "SE"
    return OSS_SETTINGS | {"oss": country == "DE" and not order.customer.vat_number}


CURRENCIES = {"SEK": Decimal(1), "EUR": Decimal("11.37"), "NOK": Decimal("0.98"),
              "USD": Decimal("10.42")}  # fmt: skip


def vat_in(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)


cents = st.integers(min_value=1, max_value=500_000).map(lambda n: Decimal(n) / 100)


@st.composite
def orders(draw: st.DrawFn, currency: str | None = None, tax_cases: bool = False) -> Order:
    """A VAT-inclusive shop order with 1-8 lines, maybe shipping and order discounts; a
    domestic one, or with `tax_cases` one of any tax case (BUYERS)."""
    currency = currency or draw(st.sampled_from(sorted(CURRENCIES)))
    buyer = draw(st.sampled_from(BUYERS)) if tax_cases else BUYERS[0]
    lines = []
    for index in range(draw(st.integers(1, 8))):
        rate = draw(st.sampled_from(buyer.rates))
        quantity = Decimal(draw(st.integers(1, 5)))
        unit = draw(cents)
        gross = (unit * quantity).quantize(CENT)
        shop_tax = None
        if draw(st.booleans()):  # the shop gives its figure, maybe a cent off ours
            nudge = draw(st.sampled_from([0, 0, 0, 1, -1])) * CENT if rate else Decimal(0)
            told = vat_in(gross, rate) + nudge
            shop_tax = Money(amount=told if 0 <= told < gross else vat_in(gross, rate),
                             currency=currency)  # fmt: skip
        lines.append(
            OrderLine(
                source_id=str(index),
                sku=f"SKU-{index}",
                description=f"Item {index}",
                quantity=quantity,
                unit_price=Money(amount=unit, currency=currency),
                tax_rate=rate,
                tax=shop_tax,
            )
        )
    shipping = None
    if draw(st.booleans()):
        amount = draw(st.integers(1, 20_000).map(lambda n: Decimal(n) / 100))
        rate = draw(st.sampled_from([line.tax_rate for line in lines] + buyer.rates[:1]))
        shipping = Shipping(amount=Money(amount=amount, currency=currency), tax_rate=rate)
    discounts = []
    if draw(st.booleans()):
        rate = draw(st.sampled_from([line.tax_rate for line in lines]))
        at_rate = sum((line.total.amount for line in lines if line.tax_rate == rate), Decimal(0))
        share = Decimal(draw(st.integers(1, 100))) / 100
        amount = (at_rate * share).quantize(CENT, ROUND_HALF_UP)
        if amount > 0:
            discounts.append(
                Discount(
                    description="Voucher",
                    amount=Money(amount=amount, currency=currency),
                    tax_rate=rate,
                )
            )
    total = sum((line.total.amount for line in lines), Decimal(0))
    total += shipping.amount.amount if shipping else 0
    total -= sum((discount.amount.amount for discount in discounts), Decimal(0))
    return Order(
        source_id="1",
        number=str(draw(st.integers(1000, 999_999))),
        created_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
        currency=currency,
        exchange_rate=CURRENCIES[currency],
        customer=Customer(
            source_id=f"c-{buyer.case}",
            email=f"{buyer.case.replace('_', '-')}@example.com",
            first_name="Elsa",
            last_name="Berg",
            company="Handel GmbH" if buyer.vat_number else "",
            type=CustomerType.COMPANY if buyer.vat_number else CustomerType.PRIVATE,
            vat_number=buyer.vat_number,
            address=Address(
                name="Elsa Berg",
                line1="Storgatan 1",
                postcode="111 22",
                city="Stockholm",
                country=buyer.country,
            ),
        ),
        lines=lines,
        shipping=shipping,
        discounts=discounts,
        grand_total=Money(amount=total, currency=currency),
    )


def invoiced_by_rate(order: Order) -> dict[Decimal, Decimal]:
    """The order's gross per VAT rate as the shop booked it, VAT included."""
    return {line.rate: line.taxable.amount + line.tax.amount for line in order.tax_lines}


def refunded_by_rate(
    refund: Refund,
    rates: Mapping[str, Decimal],
    shipping_rate: Decimal | None,
    invoiced: Mapping[Decimal, Decimal],
    credited: Mapping[Decimal, Decimal],
) -> dict[Decimal, Decimal]:
    """What a refund takes back per VAT rate, VAT included (docs/finance.md §4): returned lines
    (`rates` by SKU) and shipping at their invoice rate, and the rest of the total split over
    the invoice's gross per rate (`invoiced`) by the engine, after what earlier refunds
    (`credited`) and this one's lines and shipping took back. Raises FinanceError when the
    rest does not fit in what is left."""
    gross: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in refund.lines:
        gross[rates[line.sku]] += line.amount.amount
    if refund.shipping is not None and refund.shipping.amount and shipping_rate is not None:
        gross[shipping_rate] += refund.shipping.amount
    rest = refund.total.amount - sum(gross.values(), Decimal(0))
    if rest:
        taken = defaultdict(Decimal, credited)
        for rate, amount in gross.items():
            taken[rate] += amount
        for part in split_refund(rest, invoiced, taken):
            gross[part.rate] += part.gross
    return dict(gross)


def _room(
    invoiced: Mapping[Decimal, Decimal],
    credited: Mapping[Decimal, Decimal],
    taking: Mapping[Decimal, Decimal],
    rate: Decimal,
) -> Decimal:
    """What is left to refund at a VAT rate."""
    zero = Decimal(0)
    return invoiced.get(rate, zero) - credited.get(rate, zero) - taking.get(rate, zero)


def _up_to(draw: st.DrawFn, cap: Decimal) -> Decimal:
    """All of `cap`, or a cent amount below it."""
    whole = draw(st.booleans())
    return cap if whole else Decimal(draw(st.integers(1, int(cap / CENT)))) * CENT


@st.composite
def refunds(draw: st.DrawFn, order: Order) -> list[Refund]:
    """1-3 refunds of `order` as a shop makes them, oldest first: returned units of some lines
    (at most what is left of the line and of its VAT rate; all of it or less), maybe shipping,
    and a total that is those, more (an amount without lines), less (a deduction) or all that
    is left; a refund may have no lines at all. Together never more than the order, except
    that about one order in 25 ends with a refund of more than is left, which the ERP must
    refuse."""
    currency = order.currency
    rates = {line.sku: line.tax_rate for line in order.lines}
    shipping_rate = order.shipping.tax_rate if order.shipping else None
    invoiced = invoiced_by_rate(order)
    credited: dict[Decimal, Decimal] = defaultdict(Decimal)
    units = {line.sku: line.quantity for line in order.lines}
    amounts = {line.sku: line.total.amount for line in order.lines}
    shipping_left = order.shipping.amount.amount if order.shipping else Decimal(0)
    left = order.grand_total.amount
    made: list[Refund] = []
    for number in range(1, draw(st.integers(1, 3)) + 1):
        if left < CENT:
            break
        taking: dict[Decimal, Decimal] = defaultdict(Decimal)  # by this refund's lines, shipping
        room = partial(_room, invoiced, credited, taking)
        lines = []
        for line in draw(st.lists(st.sampled_from(order.lines), max_size=3, unique_by=id)):
            if not units[line.sku]:
                continue
            quantity = Decimal(draw(st.integers(1, int(units[line.sku]))))
            sold = (line.unit_price.amount * quantity).quantize(CENT)
            cap = min(sold, amounts[line.sku], room(line.tax_rate))
            if cap < CENT:
                continue
            amount = _up_to(draw, cap)
            lines.append(RefundLine(sku=line.sku, quantity=quantity,
                                    amount=Money(amount=amount, currency=currency)))  # fmt: skip
            taking[line.tax_rate] += amount
        shipping = None
        if shipping_rate is not None and shipping_left >= CENT and draw(st.booleans()):
            cap = min(shipping_left, room(shipping_rate))
            if cap >= CENT:
                shipping = _up_to(draw, cap)
                taking[shipping_rate] += shipping
        explained = sum(taking.values(), Decimal(0))
        more = min(left - explained, sum((max(room(r), Decimal(0)) for r in invoiced), Decimal(0)))
        kinds = ["exact"] * (explained >= CENT) + ["less"] * (explained > CENT)
        kinds += ["more"] * (more >= CENT) + ["rest"]
        kind = draw(st.sampled_from(kinds))
        if kind == "exact":
            total = explained
        elif kind == "less":  # a deduction, e.g. a return fee
            total = explained - Decimal(draw(st.integers(1, int((explained - CENT) / CENT)))) * CENT
        elif kind == "more":  # an amount no line explains, e.g. goodwill
            total = explained + Decimal(draw(st.integers(1, int(more / CENT)))) * CENT
        else:
            total = left
        if total < CENT:
            continue
        refund = Refund(
            source_id=f"R{number}",
            order_reference=order.number,
            created_at=order.created_at + timedelta(days=7 * number),
            lines=lines,
            shipping=Money(amount=shipping, currency=currency) if shipping else None,
            total=Money(amount=total, currency=currency),
        )
        for rate, gross in refunded_by_rate(
            refund, rates, shipping_rate, invoiced, credited
        ).items():
            credited[rate] += gross
        for line in lines:
            units[line.sku] -= line.quantity
            amounts[line.sku] -= line.amount.amount
        shipping_left -= shipping or Decimal(0)
        left -= total
        made.append(refund)
    if draw(st.integers(0, 24)) == 12:  # one that asks for more than is left (not a bound,
        # which Hypothesis draws often)
        number = len(made) + 1
        more = Decimal(draw(st.integers(1, 10_000))) * CENT
        made.append(Refund(source_id=f"R{number}", order_reference=order.number,
                           created_at=order.created_at + timedelta(days=7 * number),
                           total=Money(amount=left + more, currency=currency)))  # fmt: skip
    return made


@st.composite
def refunded_orders(draw: st.DrawFn) -> tuple[Order, list[Refund]]:
    """An order of any tax case (`orders(tax_cases=True)`); some 40 % of them with refunds."""
    order = draw(orders(tax_cases=True))
    return order, draw(refunds(order)) if draw(st.booleans()) else []


def sample_order(number: str, buyer: Customer, currency: str = "EUR", **fields: object) -> Order:
    """The connector tests' hand-made order: 2 × 103.95 at 25 %, 17.95 at 6 %, shipping 5.00
    at 25 %, VAT included, 230.85 in all; `fields` replace any of its values."""
    money = lambda amount: Money.of(amount, currency)  # noqa: E731
    values: dict[str, object] = dict(
        source_id=number,
        number=number,
        created_at=datetime(2026, 9, 1, 22, 30, tzinfo=UTC),  # 00:30 on 2 Sept in Stockholm
        currency=currency,
        exchange_rate=Decimal("11.2"),
        customer=buyer,
        lines=[
            OrderLine(
                source_id="1",
                sku="NB001-01-01",
                description="Wool Sweater XS",
                quantity=Decimal(2),
                unit_price=money("103.95"),
                tax_rate=Decimal(25),
            ),
            OrderLine(
                source_id="2",
                sku="NB013-01-01",
                description="Lookbook 2026",
                quantity=Decimal(1),
                unit_price=money("17.95"),
                tax_rate=Decimal(6),
            ),
        ],
        shipping=Shipping(amount=money("5.00"), tax_rate=Decimal(25)),
        grand_total=money("230.85"),
    )
    return Order(**(values | fields))
