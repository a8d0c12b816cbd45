"""Field mapping overrides (engine.value_maps) and the check of a flow's settings
(engine.flow_settings): what is mapped, what is refused and why, and that every setting the
pairs' docs list is one the dashboard accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brygga.engine import flow_settings, value_maps, xrefs
from brygga.model import Customer, Payment
from brygga.pairs import PAIRS
from tests.support.orders import sample_order

DOCS = Path(__file__).parents[2] / "docs" / "pairs"
BUYER = Customer(source_id="7", email="anna@example.com", first_name="Anna")


def test_a_mapped_sku_is_replaced_in_every_line_and_the_rest_is_kept():
    order = sample_order("1001", BUYER)
    skus = [line.sku for line in order.lines]
    maps = {"lines.sku": {skus[0]: "ERP-ART-1", "NOT-SOLD": "ERP-ART-2"}}

    mapped = value_maps.apply(order, maps)

    assert [line.sku for line in mapped.lines] == ["ERP-ART-1", *skus[1:]]
    assert [line.sku for line in order.lines] == skus  # the record as read is left alone
    assert mapped.model_dump(exclude={"lines"}) == order.model_dump(exclude={"lines"})
    assert mapped.grand_total == order.grand_total


def test_a_change_of_mapping_changes_the_content_hash():
    order = sample_order("1002", BUYER)
    sku = order.lines[0].sku
    first = value_maps.apply(order, {"lines.sku": {sku: "A"}})
    second = value_maps.apply(order, {"lines.sku": {sku: "B"}})
    hashes = {xrefs.content_hash(record, {}) for record in (order, first, second)}
    assert len(hashes) == 3


def test_nothing_mapped_gives_the_record_itself():
    order = sample_order("1003", BUYER)
    assert value_maps.apply(order, {"lines.sku": {"NOT-SOLD": "X"}}) is order
    assert value_maps.applier("order", {}) is None


def test_a_payment_method_is_mapped():
    payment = Payment.model_validate(
        {"source_id": "p1", "order_reference": "1001", "method": "klarna",
         "amount": {"amount": "10.00", "currency": "SEK"}, "paid_at": "2026-09-01T10:00:00Z"}
    )  # fmt: skip
    prepare = value_maps.applier("payment", {"value_maps": {"method": {"klarna": "KLARNA"}}})
    assert prepare is not None and prepare(payment).method == "KLARNA"


@pytest.mark.parametrize(
    ("maps", "says"),
    [
        ({"lines.quantity": {"1": "2"}}, "'lines.quantity' is not a text field of the order"),
        ({"lines.colour": {"a": "b"}}, "fields: number"),
        ({"lines.sku": ["A", "B"]}, "needs a table of texts"),
        ({"lines.sku": {"A": ""}}, "not empty"),
        ({"lines.sku": {"A": 3}}, "needs a table of texts"),
        ("lines.sku=A", "maps a field to its values"),
    ],
)
def test_wrong_value_maps_are_refused_with_the_reason(maps: object, says: str):
    with pytest.raises(value_maps.ValueMapError, match=re.escape(says)):
        value_maps.checked("order", maps)


def test_text_paths_name_nested_and_listed_text_fields_only():
    paths = value_maps.text_paths(value_maps.MODELS["order"])
    assert {"lines.sku", "customer.first_name", "shipping.description"} <= set(paths)
    assert not {"lines.quantity", "currency", "source_id", "lines.source_id"} & set(paths)


def test_flow_settings_accept_documented_keys_of_their_kind():
    given = {"sales_accounts": {"25": 3001}, "alert_open_errors": 3,
             "value_maps": {"lines.sku": {"A": "B"}}}  # fmt: skip
    assert flow_settings.checked("centra-fortnox", "orders", given) == given


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"colour": "red"}, "'colour' is not a setting of orders"),
        ({"capture": "yes"}, "'capture' takes true or false, not 'yes'"),
        ({"lookback_seconds": -5}, "'lookback_seconds' takes a whole number"),
        ({"tax_classes": [25]}, "'tax_classes' takes a table"),
        ({"value_maps": {"lines.sku": {"A": ""}}}, "not empty"),
        (["capture"], "settings are a table"),
    ],
)
def test_wrong_flow_settings_are_refused_with_the_reason(settings: object, says: str):
    with pytest.raises(flow_settings.SettingsError, match=re.escape(says)):
        flow_settings.checked("fortnox-magento", "orders", settings)


def test_every_setting_the_pairs_docs_list_is_accepted_for_its_flow():
    """The docs' tables (`| key | default | meaning |` under `## flow — ...`) and the
    dashboard's check agree, so a documented setting is never refused."""
    checked = 0
    for pair in PAIRS:
        flow = None
        for line in (DOCS / f"{pair}.md").read_text().splitlines():
            heading = re.match(r"## (\w+) — ", line)
            if heading:
                flow = heading.group(1)
            elif line.startswith("| `") and flow in {f.name for f in PAIRS[pair].flows}:
                for key in re.findall(r"`(\w+)`", line.split("|")[1]):
                    assert flow_settings.kind_of(pair, flow, key), (pair, flow, key)
                    checked += 1
    assert checked >= 60
