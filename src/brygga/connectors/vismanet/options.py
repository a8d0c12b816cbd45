"""The flow settings the Visma.net streams and writers read, with their defaults.

Class, zone, category, account and method ids are per company in Visma.net; the defaults are
those of the Brygga sandbox's Swedish demo company (a common Swedish setup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine.finance import TaxCase, TaxDecision, TaxPolicy, customer_case, rate_key
from brygga.engine.protocols import Settings
from brygga.model import Customer

# Tax case → VAT zone; EU consumers under OSS have a zone per country (`oss_vat_zones`).
VAT_ZONES = {"domestic": "01", "eu_b2b": "02", "eu_b2c": "01", "export": "03"}
VAT_CATEGORIES = {"25": "1", "12": "2", "6": "3", "0": "4"}  # VAT rate → VAT category


@dataclass(frozen=True)
class Options:
    customer_class: str = "1"
    # Class of a new customer per tax case of the customer card, e.g. {"eu_b2b": "2",
    # "export": "3"}; a case not named takes `customer_class`.
    customer_classes: dict[str, str] = field(default_factory=dict)
    vat_zones: dict[str, str] = field(default_factory=lambda: dict(VAT_ZONES))
    vat_categories: dict[str, str] = field(default_factory=lambda: dict(VAT_CATEGORIES))
    # The tax policy (brygga.engine.finance.taxes); OSS zones and categories are per
    # destination country: {"DE": "11"} and {"DE": {"19": "11", "7": "12"}}.
    seller_country: str = "SE"
    oss: bool = False
    shipping_vat: str = "shop"
    vat_rates: dict[str, list[str]] = field(default_factory=dict)
    oss_vat_zones: dict[str, str] = field(default_factory=dict)
    oss_vat_categories: dict[str, dict[str, str]] = field(default_factory=dict)
    base_currency: str = "SEK"
    order_type: str = "SO"
    warehouse: str = ""
    item_class: str = "1"
    posting_class: str = "1"
    # A non-stock item at the 0 % VAT category, posted to the rounding account: it carries the
    # cents the per-document VAT needs (brygga.engine.finance.booking).
    rounding_item: str = "ROUNDING"
    # A non-stock item for shipping the shop split over several VAT rates: the order's one
    # freight takes one VAT category, so each part is a line of this item (§4.2).
    shipping_item: str = "SHIPPING"
    prices_include_tax: bool = True
    stock_quantity: str = "quantityOnHand"
    payment_method: str = "KORT"
    cash_account: str = ""  # empty: the payment method's default cash account
    release_documents: bool = True
    record_exchange_rates: bool = False
    time_zone: str = "UTC"

    @classmethod
    def of(cls, settings: Settings) -> Options:
        known = {name: settings[name] for name in cls.__dataclass_fields__ if name in settings}
        return cls(**known)

    @property
    def bookkeeping_items(self) -> set[str]:
        """Items Brygga writes for the books, never sold as such: not products to read."""
        return {self.rounding_item, self.shipping_item}

    @property
    def zone(self) -> ZoneInfo:
        """How offset-less API timestamps and filters are read (§3.5; which zone live filters
        use is an open question, §8)."""
        return ZoneInfo(self.time_zone)

    @property
    def tax_policy(self) -> TaxPolicy:
        settings = {
            "seller_country": self.seller_country,
            "oss": self.oss,
            "shipping_vat": self.shipping_vat,
        }
        return TaxPolicy.of(settings | {"vat_rates": self.vat_rates})

    def category(self, rate: Decimal | None, oss_country: str = "") -> str:
        """The VAT category of a shop tax rate (§4.9); under OSS, of that rate of the
        destination country."""
        key = rate_key(rate or Decimal(0))
        if oss_country:
            known = self.oss_vat_categories.get(oss_country) or {}
            if key not in known:
                raise ConnectorError(
                    ErrorClass.DATA,
                    f"no Visma.net VAT category for {key} % VAT of {oss_country} under OSS; "
                    f'add it to the oss_vat_categories setting, e.g. {{"{oss_country}": '
                    f'{{"{key}": "<category>"}}}}',
                )
            return str(known[key])
        if key not in self.vat_categories:
            raise ConnectorError(
                ErrorClass.DATA,
                f"no Visma.net VAT category for {key} % VAT; add it to the vat_categories setting",
            )
        return str(self.vat_categories[key])

    def rate_of(self, category: str) -> Decimal | None:
        tables = [self.vat_categories, *self.oss_vat_categories.values()]
        for table in tables:
            for rate, known in table.items():
                if str(known) == category:
                    return Decimal(rate)
        return None

    def vat_zone(self, customer: Customer) -> str:
        """The zone of a customer card: domestic, EU business (reverse charge), EU consumer
        or export (§4.9); each order names its own zone."""
        case = customer_case(customer, self.tax_policy)
        return str(self.vat_zones[TaxCase.EU_B2C if case is TaxCase.EU_B2C_OSS else case])

    def customer_class_of(self, customer: Customer) -> str:
        case = customer_case(customer, self.tax_policy)
        return str(self.customer_classes.get(case, self.customer_class))

    def order_zone(self, decision: TaxDecision) -> str:
        if decision.case is not TaxCase.EU_B2C_OSS:
            return str(self.vat_zones[decision.case])
        country = decision.buyer_country
        if country not in self.oss_vat_zones:
            raise ConnectorError(
                ErrorClass.DATA,
                f"no Visma.net VAT zone for OSS sales to {country}; add it to the "
                f'oss_vat_zones setting, e.g. {{"{country}": "<zone>"}}',
            )
        return str(self.oss_vat_zones[country])
