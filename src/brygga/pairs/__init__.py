"""Pair templates: which flows a shop + ERP pair runs, in which direction, in which order.

Data, not code: the engine reads these to set up an integration's flows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FlowTemplate:
    name: str  # the canonical entity, plural: "customers", "orders", ...
    source: str  # "shop" or "erp"
    target: str


@dataclass(frozen=True)
class PairTemplate:
    name: str
    shop: str
    erp: str
    flows: tuple[FlowTemplate, ...]  # in the order they run: what others depend on goes first

    def systems(self, flow: FlowTemplate) -> tuple[str, str]:
        role = {"shop": self.shop, "erp": self.erp}
        return role[flow.source], role[flow.target]


SHOP_TO_ERP = ("shop", "erp")

PAIRS = {
    "centra-fortnox": PairTemplate(
        name="centra-fortnox",
        shop="centra",
        erp="fortnox",
        flows=(
            FlowTemplate("customers", *SHOP_TO_ERP),
            FlowTemplate("orders", *SHOP_TO_ERP),
        ),
    ),
}


def pair_template(name: str) -> PairTemplate:
    try:
        return PAIRS[name]
    except KeyError:
        raise ValueError(f"unknown pair {name!r}; known pairs: {', '.join(PAIRS)}") from None
