"""The flow settings the Visma.net streams and writers read, with their defaults.

Class, zone, category, account and method ids are per company in Visma.net; the defaults are
those of the Brygga sandbox's Swedish demo company (a common Swedish setup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine.protocols import Settings
from brygga.model import Customer, CustomerType

VAT_ZONES = {"domestic": "01", "eu_b2b": "02", "eu_b2c": "01", "export": "03"}
VAT_CATEGORIES = {"25": "1", "12": "2", "6": "3", "0": "4"}  # VAT rate → VAT category


@dataclass(frozen=True)
class Options:
    customer_class: str = "1"
    vat_zones: dict[str, str] = field(default_factory=lambda: dict(VAT_ZONES))
    vat_categories: dict[str, str] = field(default_factory=lambda: dict(VAT_CATEGORIES))
    home_country: str = "SE"
    base_currency: str = "SEK"
    order_type: str = "SO"
    warehouse: str = ""
    item_class: str = "1"
    posting_class: str = "1"
    # A non-stock item at the 0 % VAT category, posted to the rounding account: it carries the
    # cents the per-document VAT needs (brygga.engine.finance.booking).
    rounding_item: str = "ROUNDING"
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
    def zone(self) -> ZoneInfo:
        """How offset-less API timestamps and filters are read (§3.5; which zone live filters
        use is an open question, §8)."""
        return ZoneInfo(self.time_zone)

    def category(self, rate: Decimal | None) -> str:
        """The VAT category of a shop tax rate (§4.9)."""
        key = _rate_key(rate or Decimal(0))
        if key not in self.vat_categories:
            raise ConnectorError(
                ErrorClass.DATA,
                f"no Visma.net VAT category for {key} % VAT; add it to the vat_categories setting",
            )
        return str(self.vat_categories[key])

    def rate_of(self, category: str) -> Decimal | None:
        for rate, known in self.vat_categories.items():
            if str(known) == category:
                return Decimal(rate)
        return None

    def vat_zone(self, customer: Customer) -> str:
        """Domestic, EU B2B (reverse charge), EU B2C or export (§4.9)."""
        country = customer.address.country if customer.address else self.home_country
        if country == self.home_country:
            kind = "domestic"
        elif customer.address and customer.address.in_eu:
            business = customer.type is CustomerType.COMPANY and customer.vat_number
            kind = "eu_b2b" if business else "eu_b2c"
        else:
            kind = "export"
        return str(self.vat_zones[kind])


def _rate_key(rate: Decimal) -> str:
    normal = rate.normalize()
    return str(normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal)
