"""Pair templates: which flows a shop + ERP pair runs, in which direction, in which order, and
with which default settings (DESIGN.md §1).

Data, not code: the engine reads these to set up an integration's flows. A merchant may switch
a flow off, override its settings, or reverse it where both systems can do the other direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# Flow name → the canonical entity it moves. The names are the keys of `demo --json`.
ENTITIES = {
    "customers": "customer",
    "orders": "order",
    "products": "product",
    "stock": "stock",
    "invoices": "invoice",
    "payments": "payment",
    "refunds": "refund",
    "credit_notes": "credit_note",
}


@dataclass(frozen=True)
class FlowTemplate:
    name: str  # a key of ENTITIES
    source: str  # "shop" or "erp"
    target: str
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def entity(self) -> str:
        return ENTITIES[self.name]


@dataclass(frozen=True)
class PairTemplate:
    name: str
    shop: str
    erp: str
    flows: tuple[FlowTemplate, ...]  # in the order they run: what others depend on goes first

    def systems(self, flow: FlowTemplate, *, reversed: bool = False) -> tuple[str, str]:
        role = {"shop": self.shop, "erp": self.erp}
        source, target = role[flow.source], role[flow.target]
        return (target, source) if reversed else (source, target)

    def flow(self, name: str) -> FlowTemplate:
        for flow in self.flows:
            if flow.name == name:
                return flow
        raise ValueError(f"pair {self.name} has no flow {name!r}; flows: {self.flow_names}")

    @property
    def flow_names(self) -> str:
        return ", ".join(flow.name for flow in self.flows)


def _settings(**values: Any) -> Mapping[str, Any]:
    return MappingProxyType(values)


def _pair(name: str, shop: str, erp: str, settings: dict[str, Mapping[str, Any]]) -> PairTemplate:
    """The six flows of DESIGN.md §1 plus refunds and payments. Products go ERP → shop when
    the shop is Centra (the ERP owns the catalogue) and shop → ERP when it is Magento. Refunds
    run before credit notes, so a credit note Brygga made from a refund is already linked when
    the credit-notes flow reads it and is not sent back to the shop. Stock runs last: the
    shipments and returns the invoices and credit notes make move the shop's stock, and the
    ERP's levels are what the shop must end with."""
    products = ("erp", "shop") if shop == "centra" else ("shop", "erp")
    directions = {
        "customers": ("shop", "erp"),
        "orders": ("shop", "erp"),
        "products": products,
        "invoices": ("erp", "shop"),
        "payments": ("shop", "erp"),
        "refunds": ("shop", "erp"),
        "credit_notes": ("erp", "shop"),
        "stock": ("erp", "shop"),
    }
    flows = tuple(
        FlowTemplate(flow, *direction, settings.get(flow, MappingProxyType({})))
        for flow, direction in directions.items()
    )
    return PairTemplate(name=name, shop=shop, erp=erp, flows=flows)


# Defaults per system side; each setting is read by the connector named in the comment.
CENTRA_SHOP = {
    "stock": _settings(centra_warehouse="Main Warehouse"),  # centra.catalogue.StockWriter
    "invoices": _settings(capture=True, ship=True),  # centra.fulfilment.InvoiceWriter
    "credit_notes": _settings(restock=False, complete_return=True),
}
# Magento tax classes of the demo store: 2 standard (25 %), 10 and 11 the reduced rates.
MAGENTO_TAX_CLASSES = {"2": 25, "10": 12, "11": 6}


# Gift cards and store credit that paid a part of an order are a payment of the ERP invoice by
# means of their own, posted to the liability of unredeemed gift cards (BAS 2421): a mode of
# payment (fortnox.payments.PaymentWriter) or payment method (vismanet.finance.PaymentWriter)
# the company sets up with that account. The demo companies have these.
FORTNOX_ERP = {"payments": _settings(gift_card_mode_of_payment="PRESENTKORT")}
VISMANET_ERP = {"payments": _settings(gift_card_payment_method="PRESENTKORT")}


def _magento_shop(erp_name: str) -> dict[str, Mapping[str, Any]]:
    return {
        "products": _settings(tax_classes=MAGENTO_TAX_CLASSES),  # magento.streams
        "stock": _settings(source="default"),  # magento.writers.StockWriter
        "invoices": _settings(erp_name=erp_name, capture=False),
        "credit_notes": _settings(erp_name=erp_name),
    }


def _sides(*sides: dict[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The shop's and the ERP's defaults together, flow by flow."""
    merged: dict[str, dict[str, Any]] = {}
    for side in sides:
        for flow, settings in side.items():
            merged.setdefault(flow, {}).update(settings)
    return {flow: MappingProxyType(settings) for flow, settings in merged.items()}


PAIRS = {
    pair.name: pair
    for pair in (
        _pair("centra-fortnox", "centra", "fortnox", _sides(CENTRA_SHOP, FORTNOX_ERP)),
        _pair(
            "fortnox-magento", "magento", "fortnox", _sides(_magento_shop("Fortnox"), FORTNOX_ERP)
        ),
        _pair("centra-vismanet", "centra", "vismanet", _sides(CENTRA_SHOP, VISMANET_ERP)),
        _pair(
            "magento-vismanet",
            "magento",
            "vismanet",
            _sides(_magento_shop("Visma.net"), VISMANET_ERP),
        ),
    )
}


def pair_template(name: str) -> PairTemplate:
    try:
        return PAIRS[name]
    except KeyError:
        raise ValueError(f"unknown pair {name!r}; known pairs: {', '.join(PAIRS)}") from None
