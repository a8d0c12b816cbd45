"""ERP orders summed the way the ERP books them (`order_totals`), on documents in the APIs'
shapes. The Fortnox documents are totalled by the Fortnox sandbox's own rule, so these tests
also hold the connector to the recorded live behaviour the sandbox follows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox import totals as fortnox
from brygga.connectors.vismanet import totals as vismanet
from brygga.connectors.vismanet.mapping import money
from brygga.connectors.vismanet.options import Options
from brygga.model.totals import DocumentTotals
from brygga.sandbox.fortnox.totals import compute

D = Decimal


def fortnox_order(
    rows: list[dict[str, Any]], included: bool, freight: str = "0", currency: str = "SEK"
) -> dict[str, Any]:
    blank = {"Discount": 0, "DiscountType": "PERCENT", "OrderedQuantity": "1"}
    order = {
        "DocumentNumber": "7",
        "Currency": currency,
        "VATIncluded": included,
        "Freight": D(freight),
        "AdministrationFee": 0,
        "OrderRows": [blank | row for row in rows],
    }
    return compute(order, D(25), currency == "SEK", "OrderRows", "OrderedQuantity")


def test_fortnox_recorded_live_order():
    """accodeing/fortnox-api `save_new_fully_populated`: rows 100 at 25 %, freight 25,
    administration fee 50, VAT excluded (cited in sandbox/fortnox/totals.py)."""
    recorded = {
        "DocumentNumber": "1", "Currency": "SEK", "VATIncluded": False,
        "OrderRows": [{"ArticleNumber": "1", "VAT": 25, "Total": 100}],
        "Freight": 25, "FreightVAT": D("6.25"), "AdministrationFee": 50,
        "AdministrationFeeVAT": D("12.5"), "TotalVAT": D("43.75"), "Net": 100,
        "RoundOff": D("0.25"), "Total": 219,
    }  # fmt: skip
    assert fortnox.totals_of(recorded) == DocumentTotals(
        currency="SEK", net=D(175), gross=D(219), tax={D(25): D("43.75")}, rounding=D("0.25")
    )


def test_fortnox_vat_is_rounded_once_per_rate_with_text_rows_and_freight():
    rows = [
        {"ArticleNumber": "A", "Price": D("9.99"), "VAT": 25},
        {"ArticleNumber": "B", "Price": D("9.99"), "VAT": 25},
        {"ArticleNumber": "C", "Price": D("9.99"), "VAT": 25},
        {"ArticleNumber": "D", "Price": D("54.90"), "VAT": 12},
        # Description-only rows: shipping with its own account, and a 0 % rounding row.
        {"Description": "Frakt", "Price": D("49"), "VAT": 25, "AccountNumber": 3520},
        {"Description": "Avrundning", "Price": D("0.03"), "VAT": 0, "AccountNumber": 3740},
    ]
    order = fortnox_order(rows, included=True, freight="29")
    totals = fortnox.totals_of(order)
    # Per rate on the sum: 25 % of 78.97 gross is 15.794 → 15.79 (per row: 3 × 2.00 + 9.80).
    assert totals.tax == {D(25): D("15.79") + D("5.80"), D(12): D("5.88"), D(0): D(0)}
    assert totals.total_tax == D(order["TotalVAT"])
    assert totals.net + totals.total_tax == totals.gross - totals.rounding
    assert totals.gross == D(order["Total"]) == 163  # whole kronor (öresavrundning)


def test_fortnox_vat_excluded_and_a_foreign_currency():
    rows = [{"ArticleNumber": "A", "Price": D("10.01"), "OrderedQuantity": "3", "VAT": 25}]
    totals = fortnox.totals_of(fortnox_order(rows, included=False, freight="4", currency="EUR"))
    assert (totals.currency, totals.net, totals.tax) == ("EUR", D("34.03"), {D(25): D("8.51")})
    assert (totals.gross, totals.rounding) == (D("42.54"), 0)  # only SEK is rounded


def test_fortnox_vat_that_does_not_add_up_is_a_difference_in_itself():
    order = fortnox_order([{"ArticleNumber": "A", "Price": 100, "VAT": 25}], included=True)
    order["TotalVAT"] = D("20.01")
    with pytest.raises(ConnectorError, match=r"adds up to 20\.00, but its TotalVAT is 20\.01") as e:
        fortnox.totals_of(order)
    assert e.value.error_class is ErrorClass.DATA


def visma_order(lines: list[tuple[str, str]], freight: str, zone: str = "01") -> tuple:
    """A V3 order and its lines: (extendedPrice, taxCategoryId) each, freight at category 1,
    with `totals` as Visma.net computes them (VAT per VAT id, rounded once)."""
    line_dtos = [{"extendedPrice": D(amount), "taxCategoryId": c} for amount, c in lines]
    rates = {"1": D(25), "2": D(12), "3": D(6), "4": D(0)} if zone == "01" else {}
    taxable: dict[str, Decimal] = {}
    for amount, category in [*lines, (freight, "1")]:
        taxable[category] = taxable.get(category, D(0)) + D(amount)
    tax = sum(money(D(a) * rates.get(c, D(0)) / 100) for c, a in taxable.items())
    net = sum(taxable.values(), D(0))
    order = {
        "orderId": "000042",
        "currencyId": "SEK",
        "customer": {"taxZone": {"id": zone}},
        "freight": {"amount": D(freight), "taxCategoryId": "1"},
        "totals": {"taxTotal": tax, "orderTotal": net + tax},
    }
    return order, line_dtos


def test_visma_vat_per_rate_once_per_document():
    order, lines = visma_order([("7.98", "1"), ("7.98", "1"), ("100.10", "2")], freight="39.20")
    totals = vismanet.totals_of(order, lines, Options())
    # 25 % of 7.98 + 7.98 + 39.20 = 55.16 is 13.79 (per line: 2.00 + 2.00 + 9.80).
    assert totals.tax == {D(25): D("13.79"), D(12): D("12.01")}
    assert (totals.net, totals.gross) == (D("155.26"), D("181.06"))


def test_visma_export_zone_books_every_category_at_zero():
    order, lines = visma_order([("80", "1"), ("20", "3")], freight="10", zone="03")
    totals = vismanet.totals_of(order, lines, Options())
    assert totals.tax == {D(0): D(0)} and totals.gross == D(110)


def test_visma_totals_that_disagree_with_the_order_are_a_difference_in_itself():
    order, lines = visma_order([("80", "1")], freight="0")
    order["totals"]["taxTotal"] = D("20.01")
    with pytest.raises(ConnectorError, match=r"taxTotal is 20\.01") as e:
        vismanet.totals_of(order, lines, Options())
    assert e.value.error_class is ErrorClass.DATA


@pytest.mark.parametrize(
    ("freight", "vat", "included", "rate"),
    [
        # Small amounts whose rounded VAT ratio is far off: 0.03 with 0.01 reads as 50 %.
        ("0.03", "0.01", True, 25),
        ("0.83", "0.17", True, 25),  # 0.17 / 0.66 = 25.8 %
        ("1.23", "0.25", True, 25),  # 0.25 / 0.98 = 25.5 %
        ("0.98", "0.25", False, 25),  # 0.245 → 0.25; 0.25 / 0.98 = 25.5 %
        ("49.00", "9.80", True, 25),
        ("56.00", "6.00", True, 12),
        ("5.00", "0", True, 0),
    ],
)
def test_the_freight_rate_is_the_company_rate_that_gives_the_vat(freight, vat, included, rate):
    assert fortnox.implied_rate(Decimal(freight), Decimal(vat), included) == rate
