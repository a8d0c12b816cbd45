"""Which VAT rules an order falls under: the tax case, decided from who sells, who buys and
where the goods go, and checked against the VAT the shop actually charged.

- **domestic**: buyer in the seller's country; the seller's rates.
- **EU business** (reverse charge): an EU buyer with a valid VAT number of another member
  state, and no VAT charged; the buyer accounts for the VAT (VAT Directive art. 138, 196).
- **EU consumer**: an EU buyer without reverse charge. Below the EU distance-sales threshold
  (EUR 10,000 a year) the seller's own VAT; above it, or by choice, the destination country's
  VAT, declared through the One-Stop Shop (setting `oss`).
- **export**: goods leaving the EU (or a seller outside the EU selling abroad); no VAT.

The place of supply of goods sent to a buyer is where they are delivered, so the ship-to
country decides, then the billing country, then the customer's. Brygga books what the shop
charged: an order whose VAT cannot be right for its case is refused with the reason (a
`FinanceError`), never booked on a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from brygga.engine.finance.booking import FinanceError
from brygga.engine.finance.shipping import check_shipping
from brygga.engine.finance.vat_rates import VAT_RATES
from brygga.model import Customer, Order
from brygga.model.address import EU_COUNTRIES

# VAT numbers carry Greece as EL and Northern Ireland (goods) as XI (stdnum.eu.vat).
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


class TaxCase(StrEnum):
    DOMESTIC = "domestic"
    EU_B2B = "eu_b2b"
    EU_B2C = "eu_b2c"
    EU_B2C_OSS = "eu_b2c_oss"
    EXPORT = "export"

    @property
    def charges_vat(self) -> bool:
        return self not in (TaxCase.EU_B2B, TaxCase.EXPORT)


@dataclass(frozen=True)
class TaxPolicy:
    """The integration's tax settings, read from a flow's settings: `seller_country` (where
    the merchant is VAT-registered, default SE), `oss` (EU consumer sales under the One-Stop
    Shop), `vat_rates` (a country's rates, overriding Brygga's table), `shipping_vat` (how
    the shop must charge VAT on shipping: brygga.engine.finance.shipping)."""

    seller_country: str = "SE"
    oss: bool = False
    vat_rates: Mapping[str, tuple[Decimal, ...]] = field(default_factory=lambda: VAT_RATES)
    shipping_vat: str = "shop"

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> TaxPolicy:
        overrides = {
            str(country).upper(): tuple(Decimal(str(rate)) for rate in rates)
            for country, rates in (settings.get("vat_rates") or {}).items()
        }
        return cls(
            seller_country=str(settings.get("seller_country") or "SE").upper(),
            oss=bool(settings.get("oss", False)),
            vat_rates={**VAT_RATES, **overrides},
            shipping_vat=str(settings.get("shipping_vat") or "shop"),
        )

    @property
    def seller_in_eu(self) -> bool:
        return self.seller_country in EU_COUNTRIES

    def rates(self, country: str) -> tuple[Decimal, ...]:
        if country not in self.vat_rates:
            raise FinanceError(
                f"Brygga has no VAT rates for {country}; add them to the vat_rates setting, "
                f'e.g. {{"{country}": ["25", "12"]}}'
            )
        return self.vat_rates[country]


@dataclass(frozen=True)
class TaxDecision:
    """An order's tax case and why: `vat_country` is the country whose VAT was charged."""

    case: TaxCase
    seller_country: str
    buyer_country: str
    vat_number: str
    reason: str

    @property
    def vat_country(self) -> str:
        oss = self.case is TaxCase.EU_B2C_OSS
        return self.buyer_country if oss else self.seller_country


def valid_vat_number(number: str) -> str:
    """The number, compact, if it is a well-formed EU VAT number with a valid check digit;
    else "". (Whether it is registered is VIES's to say; no network is used.)"""
    try:
        return eu_vat.validate(number) if number else ""
    except ValidationError:
        return ""


def vat_number_country(number: str) -> str:
    prefix = number[:2].upper()
    return _VAT_PREFIX_COUNTRY.get(prefix, prefix)


def buyer_country(order: Order, policy: TaxPolicy) -> str:
    for address in (order.shipping_address, order.billing_address, order.customer.address):
        if address is not None and address.country:
            return address.country
    return policy.seller_country


def customer_case(customer: Customer, policy: TaxPolicy) -> TaxCase:
    """The case a customer's purchases usually fall under, for the ERP's customer card
    (Fortnox `VATType`, a Visma.net VAT zone); each order is decided on its own."""
    country = customer.address.country if customer.address else policy.seller_country
    return _case(country, valid_vat_number(customer.vat_number), policy, charged=None)


def decide(order: Order, policy: TaxPolicy) -> TaxDecision:
    """The order's tax case, checked against the VAT the shop charged; a FinanceError says
    what does not fit and how to fix it."""
    country = buyer_country(order, policy)
    raw_number = order.customer.vat_number
    number = valid_vat_number(raw_number)
    # The rates the shop applied; a rate counts even where its VAT rounds to 0.00.
    rates = {tax.rate for tax in order.tax_lines if tax.rate > 0}
    case = _case(country, number, policy, charged=bool(rates))
    decision = TaxDecision(case, policy.seller_country, country, number, _reason(case, country))
    where = f"order {order.number} (to {country})"
    consumer = case in (TaxCase.EU_B2C, TaxCase.EU_B2C_OSS)
    if consumer and not rates and _has_goods_value(order):
        if raw_number and not number:
            missing = f"its VAT number {raw_number!r} is not a valid EU VAT number"
        else:
            missing = "the customer has no VAT number"
        raise FinanceError(
            f"{where} charges no VAT, as for reverse charge, but {missing}; correct the "
            "customer's VAT number in the shop, or charge VAT"
        )
    if not case.charges_vat and rates:
        listed = ", ".join(f"{rate} %" for rate in sorted(rates))
        raise FinanceError(
            f"{where} is {decision.reason}, which carries no VAT, but the shop charged "
            f"{listed}; correct the shop's tax rules for {country}"
        )
    allowed = policy.rates(decision.vat_country) if rates else ()
    foreign = sorted(rate for rate in rates if rate not in allowed)
    if foreign:
        listed = ", ".join(f"{rate} %" for rate in foreign)
        known = ", ".join(f"{rate} %" for rate in allowed)
        hint = (
            "set the oss setting to match how the shop charges EU consumers"
            if consumer
            else f"correct the shop's tax rules, or vat_rates for {decision.vat_country}"
        )
        raise FinanceError(
            f"{where} is {decision.reason}, so VAT of {decision.vat_country} applies "
            f"({known}), but the shop charged {listed}; {hint}"
        )
    check_shipping(order, policy.shipping_vat)
    return decision


def _has_goods_value(order: Order) -> bool:
    return any(line.total.amount != 0 for line in order.lines)


def _case(country: str, vat_number: str, policy: TaxPolicy, *, charged: bool | None) -> TaxCase:
    """`charged`: whether the order carries VAT (None for a customer card: judge by the VAT
    number alone)."""
    if country == policy.seller_country:
        return TaxCase.DOMESTIC
    if not (policy.seller_in_eu and country in EU_COUNTRIES):
        return TaxCase.EXPORT
    foreign_number = vat_number and vat_number_country(vat_number) != policy.seller_country
    if foreign_number and not charged:
        return TaxCase.EU_B2B
    return TaxCase.EU_B2C_OSS if policy.oss else TaxCase.EU_B2C


def _reason(case: TaxCase, country: str) -> str:
    return {
        TaxCase.DOMESTIC: f"a domestic sale in {country}",
        TaxCase.EU_B2B: f"an EU sale to a business in {country} (reverse charge)",
        TaxCase.EU_B2C: f"an EU sale to a consumer in {country} with the seller's VAT",
        TaxCase.EU_B2C_OSS: f"an EU sale to a consumer in {country} under OSS",
        TaxCase.EXPORT: f"an export to {country}",
    }[case]
