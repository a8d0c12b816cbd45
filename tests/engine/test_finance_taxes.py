"""Tax cases: decided from seller, buyer, VAT number and the VAT the shop charged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings

from brygga.engine.finance import (
    FinanceError,
    TaxCase,
    TaxPolicy,
    customer_case,
    decide,
    valid_vat_number,
)
from brygga.model import Address, Customer, CustomerType, Money, Order, OrderLine, Shipping
from tests.support.orders import case_settings, orders

SWEDEN = TaxPolicy()
SWEDEN_OSS = TaxPolicy(oss=True)
# Valid check digits (python-stdnum): a German, a Finnish, a Swedish and a Greek VAT number.
GERMAN_VAT = "DE136695976"
FINNISH_VAT = "FI12345604"
SWEDISH_VAT = "SE556677889901"


def order(
    country: str,
    *rates: str,
    vat_number: str = "",
    ship_to: str | None = None,
    shipping_rate: str | None = None,
) -> Order:
    """An order of 100.00 per rate, VAT included, to a customer in `country`."""
    lines = [
        OrderLine(
            source_id=str(index),
            sku=f"SKU-{index}",
            description="Item",
            quantity=Decimal(1),
            unit_price=Money(amount=Decimal(100), currency="EUR"),
            tax_rate=Decimal(rate),
        )
        for index, rate in enumerate(rates)
    ]
    shipping = None
    if shipping_rate is not None:
        amount = Money(amount=Decimal(5), currency="EUR")
        shipping = Shipping(amount=amount, tax_rate=Decimal(shipping_rate))
    total = Decimal(100 * len(rates)) + (Decimal(5) if shipping else 0)
    company = CustomerType.COMPANY if vat_number else CustomerType.PRIVATE
    return Order(
        source_id="1",
        number="1001",
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
        currency="EUR",
        exchange_rate=Decimal("11.37"),
        customer=Customer(
            source_id="c",
            type=company,
            vat_number=vat_number,
            address=Address(country=country),
        ),
        shipping_address=Address(country=ship_to) if ship_to else None,
        lines=lines,
        shipping=shipping,
        grand_total=Money(amount=total, currency="EUR"),
    )


class TestVatNumbers:
    def test_valid_numbers_are_compacted(self):
        assert valid_vat_number("de 136 695 976") == GERMAN_VAT
        assert valid_vat_number(SWEDISH_VAT) == SWEDISH_VAT

    @pytest.mark.parametrize("number", ["", "DE136695977", "FI12345678", "XX123", "12345"])
    def test_invalid_numbers_are_empty(self, number: str):
        assert valid_vat_number(number) == ""


class TestSwedishSeller:
    def test_domestic_at_swedish_rates(self):
        decision = decide(order("SE", "25", "12", "6", shipping_rate="25"), SWEDEN)
        assert decision.case is TaxCase.DOMESTIC
        assert decision.vat_country == "SE"

    def test_domestic_at_a_foreign_rate_is_refused(self):
        with pytest.raises(FinanceError, match=r"VAT of SE applies .* shop charged 19 %"):
            decide(order("SE", "19"), SWEDEN)

    def test_eu_business_with_valid_number_and_no_vat_is_reverse_charge(self):
        decision = decide(order("DE", "0", vat_number=GERMAN_VAT, shipping_rate="0"), SWEDEN)
        assert decision.case is TaxCase.EU_B2B
        assert decision.vat_number == GERMAN_VAT
        assert "reverse charge" in decision.reason

    def test_no_vat_without_a_valid_number_is_refused(self):
        with pytest.raises(FinanceError, match="'DE136695977' is not a valid EU VAT number"):
            decide(order("DE", "0", vat_number="DE136695977"), SWEDEN)
        with pytest.raises(FinanceError, match="the customer has no VAT number"):
            decide(order("DE", "0"), SWEDEN)

    def test_eu_business_charged_vat_is_booked_as_the_shop_charged(self):
        """VAT invoiced is VAT owed: a business that paid Swedish VAT is an EU sale with VAT."""
        decision = decide(order("DE", "25", vat_number=GERMAN_VAT), SWEDEN)
        assert decision.case is TaxCase.EU_B2C

    def test_swedish_vat_number_abroad_is_no_reverse_charge(self):
        decision = decide(order("DE", "25", vat_number=SWEDISH_VAT), SWEDEN)
        assert decision.case is TaxCase.EU_B2C

    def test_eu_consumer_below_the_threshold_pays_swedish_vat(self):
        decision = decide(order("FI", "25", "12"), SWEDEN)
        assert (decision.case, decision.vat_country) == (TaxCase.EU_B2C, "SE")

    def test_eu_consumer_at_destination_rates_under_oss(self):
        decision = decide(order("DE", "19", "7", shipping_rate="19"), SWEDEN_OSS)
        assert (decision.case, decision.vat_country) == (TaxCase.EU_B2C_OSS, "DE")
        assert decide(order("FI", "25.5", "13.5"), SWEDEN_OSS).vat_country == "FI"

    def test_oss_with_swedish_rates_names_the_setting(self):
        with pytest.raises(FinanceError, match=r"VAT of DE applies \(19 %, 7 %\).*oss setting"):
            decide(order("DE", "25"), SWEDEN_OSS)

    def test_swedish_rates_without_oss_names_the_setting(self):
        with pytest.raises(FinanceError, match="oss setting"):
            decide(order("DE", "19"), SWEDEN)

    def test_export_carries_no_vat(self):
        assert decide(order("US", "0", shipping_rate="0"), SWEDEN).case is TaxCase.EXPORT
        assert decide(order("NO", "0"), SWEDEN).case is TaxCase.EXPORT

    def test_vat_on_an_export_is_refused(self):
        with pytest.raises(FinanceError, match=r"an export to US.*shop charged 25 %"):
            decide(order("US", "0", shipping_rate="25"), SWEDEN)

    def test_the_ship_to_country_decides(self):
        """Goods are supplied where they are delivered: a Swedish buyer's parcel to Norway."""
        assert decide(order("SE", "0", ship_to="NO"), SWEDEN).case is TaxCase.EXPORT

    def test_rate_table_can_be_overridden(self):
        policy = TaxPolicy.of({"oss": True, "vat_rates": {"de": ["16", "5"]}})
        assert decide(order("DE", "16"), policy).case is TaxCase.EU_B2C_OSS
        with pytest.raises(FinanceError, match=r"\(16 %, 5 %\)"):
            decide(order("DE", "19"), policy)

    def test_a_country_without_rates_names_the_setting(self):
        policy = TaxPolicy(oss=True, vat_rates={"SE": (Decimal(25),)})
        with pytest.raises(FinanceError, match="no VAT rates for DE; add them to the vat_rates"):
            decide(order("DE", "19"), policy)


class TestNordicSellers:
    def test_norwegian_seller_domestic_and_everything_else_export(self):
        norway = TaxPolicy(seller_country="NO")
        assert decide(order("NO", "25", "15"), norway).case is TaxCase.DOMESTIC
        assert decide(order("SE", "0"), norway).case is TaxCase.EXPORT
        with pytest.raises(FinanceError, match="an export to DK"):
            decide(order("DK", "25"), norway)
        with pytest.raises(FinanceError, match=r"VAT of NO applies \(25 %, 15 %, 12 %\)"):
            decide(order("NO", "6"), norway)

    def test_danish_seller(self):
        denmark = TaxPolicy(seller_country="DK")
        assert decide(order("DK", "25"), denmark).case is TaxCase.DOMESTIC
        assert decide(order("SE", "25"), denmark).case is TaxCase.EU_B2C
        with pytest.raises(FinanceError, match="VAT of DK applies"):
            decide(order("SE", "12"), denmark)  # a Swedish rate is not the seller's

    def test_finnish_seller(self):
        finland = TaxPolicy(seller_country="FI", oss=True)
        assert decide(order("FI", "25.5", "13.5"), finland).case is TaxCase.DOMESTIC
        swede = decide(order("SE", "25", "12"), finland)
        assert (swede.case, swede.vat_country) == (TaxCase.EU_B2C_OSS, "SE")
        german_business = order("DE", "0", vat_number=GERMAN_VAT)
        assert decide(german_business, finland).case is TaxCase.EU_B2B
        finnish_number_abroad = order("DE", "0", vat_number=FINNISH_VAT)
        with pytest.raises(FinanceError, match="charges no VAT, as for reverse charge"):
            decide(finnish_number_abroad, finland)


class TestCustomerCards:
    def test_the_card_follows_address_and_vat_number(self):
        def card(country: str, number: str = "") -> TaxCase:
            address = Address(country=country)
            return customer_case(
                Customer(source_id="c", address=address, vat_number=number), SWEDEN
            )

        assert card("SE", SWEDISH_VAT) is TaxCase.DOMESTIC
        assert card("DE", GERMAN_VAT) is TaxCase.EU_B2B
        assert card("DE", "DE136695977") is TaxCase.EU_B2C
        assert card("DE") is TaxCase.EU_B2C
        assert card("US") is TaxCase.EXPORT


@settings(max_examples=500, deadline=None)
@given(orders(tax_cases=True))
def test_generated_orders_fall_in_the_case_they_were_made_for(order: Order):
    """The property tests' orders (tests/support/orders.py) are each a valid tax case."""
    decision = decide(order, TaxPolicy.of(case_settings(order)))
    assert decision.case == order.customer.source_id.removeprefix("c-")
