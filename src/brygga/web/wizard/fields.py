"""The settings the wizard asks for: VAT and accounts, price list, warehouse and payment
mapping, each a key of one flow's settings read by the connector of one system (named beside
each). Choices come from what the connection test found; defaults from the pair template, then
the connector's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brygga.connectors.fortnox.accounts import DEFAULTS as FORTNOX_ACCOUNTS
from brygga.connectors.vismanet.options import VAT_CATEGORIES, Options
from brygga.model.account import AccountFacts
from brygga.pairs import PairTemplate

VAT, PRICES, WAREHOUSE, PAYMENTS = "VAT and accounts", "Price list", "Warehouse", "Payments"
GROUPS = (VAT, PRICES, WAREHOUSE, PAYMENTS)
RATES = ("25", "12", "6", "0")  # Swedish VAT rates, as the settings key them


@dataclass(frozen=True)
class Setting:
    system: str  # whose connector reads it
    flow: str
    role: str  # the system's part in the flow: "source" or "target"
    key: str  # dotted into the flow's settings: "sales_accounts.25"
    label: str
    group: str
    number: bool = False
    choices: str | None = None  # the AccountFacts list to choose from
    required: bool = False
    default: Any = None
    help: str = ""

    @property
    def field(self) -> str:
        """The form field's name."""
        return f"{self.flow}.{self.key}"

    def applies(self, template: PairTemplate) -> bool:
        flow = template.flow(self.flow)
        source, target = template.systems(flow)
        return (source if self.role == "source" else target) == self.system

    def default_in(self, template: PairTemplate) -> Any:
        found = lookup(template.flow(self.flow).settings, self.key)
        return self.default if found is None else found

    def options(self, facts: AccountFacts | None) -> list[str]:
        return list(getattr(facts, self.choices)) if facts and self.choices else []


def lookup(settings: Mapping[str, Any], key: str) -> Any:
    """The value of a dotted key in nested settings, None if unset."""
    value: Any = settings
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def put(settings: dict[str, Any], key: str, value: Any) -> None:
    *path, last = key.split(".")
    for part in path:
        settings = settings.setdefault(part, {})
    settings[last] = value


_VISMANET = Options()
SETTINGS = (
    *(
        Setting("fortnox", "orders", "target", f"sales_accounts.{rate}",
                f"Sales account, {rate} % VAT", VAT, number=True, required=True,
                default=FORTNOX_ACCOUNTS["sales_accounts"][rate])
        for rate in RATES
    ),
    Setting("fortnox", "orders", "target", "eu_reverse_charge_account",
            "Sales account, EU businesses (reverse charge)", VAT, number=True,
            default=FORTNOX_ACCOUNTS["eu_reverse_charge_account"]),
    Setting("fortnox", "orders", "target", "export_account", "Sales account, export", VAT,
            number=True, default=FORTNOX_ACCOUNTS["export_account"]),
    Setting("fortnox", "orders", "target", "freight_account", "Freight account", VAT,
            number=True, default=FORTNOX_ACCOUNTS["freight_account"]),
    *(
        Setting("vismanet", "orders", "target", f"vat_categories.{rate}",
                f"VAT category, {rate} % VAT", VAT, required=True, default=VAT_CATEGORIES[rate])
        for rate in RATES
    ),
    Setting("vismanet", "orders", "target", "order_type", "Sales order type", VAT,
            required=True, default=_VISMANET.order_type),
    Setting("fortnox", "products", "target", "price_list", "Fortnox price list of shop prices",
            PRICES, choices="price_lists", required=True, default="A"),
    Setting("centra", "products", "target", "pricelist", "Centra pricelist of ERP prices",
            PRICES, choices="price_lists",
            help="Empty: each price goes to the pricelist of its currency."),
    Setting("centra", "stock", "target", "centra_warehouse", "Centra warehouse to set stock in",
            WAREHOUSE, choices="warehouses", required=True),
    Setting("magento", "stock", "target", "source", "Magento source to set stock in",
            WAREHOUSE, choices="warehouses", required=True),
    Setting("fortnox", "stock", "source", "stock_point", "Fortnox stock point to read stock from",
            WAREHOUSE, choices="warehouses", help="Empty: the stock of every stock point."),
    Setting("vismanet", "stock", "source", "warehouse", "Visma.net warehouse to read stock from",
            WAREHOUSE, choices="warehouses", help="Empty: the stock of every warehouse."),
    Setting("vismanet", "orders", "target", "warehouse", "Visma.net warehouse of order lines",
            WAREHOUSE, choices="warehouses", help="Empty: each item's default warehouse."),
    Setting("fortnox", "payments", "target", "mode_of_payment",
            "Mode of payment of card payments", PAYMENTS, choices="payment_methods",
            help="Empty: the company's default mode of payment."),
    Setting("fortnox", "payments", "target", "gift_card_mode_of_payment",
            "Mode of payment of gift cards", PAYMENTS, choices="payment_methods",
            help="Booked to the gift-card liability account (BAS 2421)."),
    Setting("vismanet", "payments", "target", "payment_method",
            "Payment method of card payments", PAYMENTS, choices="payment_methods",
            required=True, default=_VISMANET.payment_method),
    Setting("vismanet", "payments", "target", "gift_card_payment_method",
            "Payment method of gift cards", PAYMENTS, choices="payment_methods",
            help="Booked to the gift-card liability account (BAS 2421)."),
)  # fmt: skip


def settings_of(template: PairTemplate) -> list[Setting]:
    """The pair's settings, by group."""
    chosen = [setting for setting in SETTINGS if setting.applies(template)]
    return sorted(chosen, key=lambda setting: GROUPS.index(setting.group))
