"""The refund split: an amount without lines goes back at the invoice's VAT rates, in the
invoice's proportions, to the cent.

Property-based over generated invoices, then hand-worked examples with the numbers written out.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brygga.engine.finance import (
    FinanceError,
    RefundPart,
    erp_vat,
    erp_vat_in,
    nearest_net_with_vat,
    split_refund,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)
RATES = [Decimal(25), Decimal(12), Decimal(6), Decimal(0)]
cents = st.integers(min_value=1, max_value=5_000_000).map(lambda n: Decimal(n) / 100)


@st.composite
def invoices(draw: st.DrawFn) -> dict[Decimal, Decimal]:
    """Gross per VAT rate of an invoice, one to four rates."""
    rates = draw(st.lists(st.sampled_from(RATES), min_size=1, max_size=4, unique=True))
    return {rate: draw(cents) for rate in rates}


@st.composite
def refunds(draw: st.DrawFn) -> tuple[dict[Decimal, Decimal], Decimal]:
    invoiced = draw(invoices())
    total = int(sum(invoiced.values()) / CENT)
    return invoiced, Decimal(draw(st.integers(1, total))) * CENT


@settings(max_examples=3_000, deadline=None, database=None)
@given(refunds())
def test_the_parts_add_up_and_keep_within_a_cent_of_the_invoices_proportions(case) -> None:
    invoiced, amount = case
    parts = split_refund(amount, invoiced)
    assert sum((part.gross for part in parts), ZERO) == amount
    assert all(part.gross == part.gross.quantize(CENT) and part.gross > 0 for part in parts)
    assert [part.rate for part in parts] == sorted((p.rate for p in parts), reverse=True)
    whole = sum((Fraction(gross) for gross in invoiced.values()), Fraction(0))
    got = {part.rate: part.gross for part in parts}
    for rate, gross in invoiced.items():
        exact = Fraction(amount) * Fraction(gross) / whole
        assert abs(Fraction(got.get(rate, ZERO)) - exact) < Fraction(CENT), rate
    assert all(part.vat == erp_vat_in(part.gross, part.rate) for part in parts)
    # Insertion order of the rates does not matter: the rule is deterministic.
    assert split_refund(amount, dict(reversed(list(invoiced.items())))) == parts


@settings(max_examples=2_000, deadline=None, database=None)
@given(invoices(), st.booleans())
def test_a_refund_of_the_whole_gross_gives_back_the_invoices_gross_and_vat_per_rate(
    nets: dict[Decimal, Decimal], net_priced: bool
) -> None:
    """Both ways an ERP books VAT once per rate: out of the gross (Fortnox `VATIncluded`) or
    on the net (Visma.net), here with the generated amounts as the nets."""
    if net_priced:
        vat = {rate: erp_vat(net, rate) for rate, net in nets.items()}
        invoiced = {rate: net + vat[rate] for rate, net in nets.items()}
    else:
        invoiced = nets
        vat = {rate: erp_vat_in(gross, rate) for rate, gross in invoiced.items()}
    parts = split_refund(sum(invoiced.values(), ZERO), invoiced)
    assert {part.rate: part.gross for part in parts} == invoiced
    assert {part.rate: part.vat for part in parts} == vat


@settings(max_examples=2_000, deadline=None, database=None)
@given(invoices(), st.data())
def test_no_rate_gets_more_than_is_left_to_credit_there(invoiced, data) -> None:
    credited = {
        rate: data.draw(st.integers(0, int(gross / CENT)).map(lambda n: Decimal(n) * CENT))
        for rate, gross in invoiced.items()
    }
    left = {rate: gross - credited[rate] for rate, gross in invoiced.items()}
    total = sum(left.values(), ZERO)
    amount = data.draw(st.integers(0, int(total / CENT) + 100).map(lambda n: Decimal(n) * CENT))
    if amount > total:
        with pytest.raises(FinanceError, match="left to credit"):
            split_refund(amount, invoiced, credited)
        return
    parts = split_refund(amount, invoiced, credited)
    assert sum((part.gross for part in parts), ZERO) == amount
    assert all(part.gross <= left[part.rate] for part in parts)


@settings(max_examples=2_000, deadline=None, database=None)
@given(refunds())
def test_a_net_priced_erp_books_each_parts_vat_with_at_most_a_cent_elsewhere(case) -> None:
    """What Visma.net is sent: the net nearest to gross less VAT on which its VAT is the
    part's; when there is none that also gives the gross, a cent moves to a 0 % line."""
    for part in split_refund(case[1], case[0]):
        net = nearest_net_with_vat(part.gross - part.vat, part.vat, part.rate)
        assert erp_vat(net, part.rate) == part.vat
        assert abs(part.gross - part.vat - net) <= CENT


@settings(max_examples=1_000, deadline=None, database=None)
@given(refunds())
def test_a_negative_rest_is_split_the_same_way(case) -> None:
    invoiced, amount = case
    parts = split_refund(-amount, invoiced)
    assert parts == [RefundPart(p.rate, -p.gross) for p in split_refund(amount, invoiced)]


# --- hand-worked -------------------------------------------------------------------------------

GOLDEN = {Decimal(25): Decimal("1000.00"), Decimal(12): Decimal("200.00")}


def figures(parts: list[RefundPart]) -> list[tuple[str, str, str]]:
    return [(str(part.rate), str(part.gross), str(part.vat)) for part in parts]


def test_golden_a_partial_refund_of_a_mixed_rate_invoice():
    # 300 × 1000/1200 = 250.00, VAT 250 × 25/125 = 50.00;
    # 300 × 200/1200 = 50.00, VAT 50 × 12/112 = 5.357… → 5.36.
    assert figures(split_refund(Decimal("300.00"), GOLDEN)) == [
        ("25", "250.00", "50.00"),
        ("12", "50.00", "5.36"),
    ]


def test_golden_a_second_refund_rounds_by_the_largest_remainder():
    # 100 × 1000/1200 = 83.333…, 100 × 200/1200 = 16.666…: 83.33 + 16.66 = 99.99, and the
    # missing cent goes to the larger remainder (.666 > .333): 16.67.
    # VAT 83.33 × 25/125 = 16.666 → 16.67; 16.67 × 12/112 = 1.786 → 1.79.
    credited = {Decimal(25): Decimal("250.00"), Decimal(12): Decimal("50.00")}
    assert figures(split_refund(Decimal("100.00"), GOLDEN, credited)) == [
        ("25", "83.33", "16.67"),
        ("12", "16.67", "1.79"),
    ]


def test_golden_a_refund_over_what_is_left_is_refused():
    credited = {Decimal(25): Decimal("333.33"), Decimal(12): Decimal("66.67")}
    assert figures(split_refund(Decimal("800.00"), GOLDEN, credited)) == [
        ("25", "666.67", "133.33"),
        ("12", "133.33", "14.29"),
    ]
    with pytest.raises(FinanceError) as raised:
        split_refund(Decimal("800.01"), GOLDEN, credited)
    assert str(raised.value) == (
        "800.01 is more than the 800.00 left to credit on the invoice "
        "(666.67 at 25 %, 133.33 at 12 %)"
    )


def test_a_rate_used_up_by_returned_lines_passes_its_share_to_the_others():
    # 150 would be 125 + 25, but only 10 is left at 12 %: the 15 over it goes to 25 %.
    credited = {Decimal(25): Decimal("100.00"), Decimal(12): Decimal("190.00")}
    assert figures(split_refund(Decimal("150.00"), GOLDEN, credited)) == [
        ("25", "140.00", "28.00"),
        ("12", "10.00", "1.07"),
    ]


def test_one_rate_gives_one_part_and_bad_input_is_refused():
    assert figures(split_refund(Decimal("10.02"), {Decimal(25): Decimal("500")})) == [
        ("25", "10.02", "2.00")
    ]
    # 0 % with a tiny or negative gross (rounding lines) still splits deterministically.
    rounding = GOLDEN | {Decimal(0): Decimal("-0.01")}
    assert split_refund(Decimal("300.00"), rounding) == split_refund(Decimal("300.00"), GOLDEN)
    with pytest.raises(FinanceError, match="whole number of cents"):
        split_refund(Decimal("1.005"), GOLDEN)
    with pytest.raises(FinanceError, match="no amount at any VAT rate"):
        split_refund(Decimal("1.00"), {Decimal(25): ZERO})
