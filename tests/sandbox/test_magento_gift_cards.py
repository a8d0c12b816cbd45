"""Gift cards and store credit in the Magento sandbox, as Adobe Commerce keeps them: what they
paid is out of `grand_total` and in `extension_attributes`; each invoice, then each credit memo,
takes what is left of them first. Every body checked against the admin schema."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from brygga.sandbox import seed
from tests.sandbox.test_magento import Magento, criteria
from tests.sandbox.test_magento_spec import Spec, call, spec  # noqa: F401
from tests.support.processes import SandboxProcess, start_sandbox

MEANS = ("gift_cards", "customer_balance")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Magento]:
    process: SandboxProcess = start_sandbox("magento", tmp_path_factory.mktemp("magento-gc"))
    try:
        yield Magento(process)
    finally:
        process.stop()


def dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def extension(document: dict[str, Any], name: str, prefix: str = "") -> Decimal:
    return dec((document.get("extension_attributes") or {}).get(prefix + name))


def prepaid(document: dict[str, Any], prefix: str = "") -> Decimal:
    return sum((extension(document, f"{m}_amount", prefix) for m in MEANS), Decimal(0))


def test_checkouts_paid_partly_by_gift_card_or_store_credit(spec, shop):  # noqa: F811
    demo = {f"{o.number:09d}": o for o in seed.generate().orders}
    listed = call(spec, shop, "get", "/V1/orders", "/V1/orders", params=criteria(pageSize=300))
    partly = [o for o in listed["items"] if prepaid(o)]
    assert len(partly) >= len(listed["items"]) // 10
    for order in partly:
        number, cards = order["increment_id"], order["extension_attributes"].get("gift_cards", [])
        assert not order["customer_is_guest"] or not extension(order, "customer_balance_amount")
        # Paid partly: something is left to pay, in both currencies.
        assert 0 < dec(order["grand_total"]) == dec(order["payment"]["amount_ordered"])
        assert dec(order["grand_total"]) + prepaid(order) == demo[number].grand_total, number
        assert dec(order["base_grand_total"]) + prepaid(order, "base_") > 0
        assert sum((dec(c["amount"]) for c in cards), Decimal(0)) == extension(
            order, "gift_cards_amount"
        )  # fmt: skip
        assert [set(c) for c in cards] == [{"id", "code", "amount", "base_amount"}] * len(cards)


def test_an_invoice_and_a_credit_memo_take_the_gift_card_first(spec, shop):  # noqa: F811
    new = call(spec, shop, "get", "/V1/orders", "/V1/orders",
               params=criteria([("state", "new", "eq")], pageSize=300))  # fmt: skip
    order = next(o for o in new["items"] if extension(o, "gift_cards_amount"))
    card = extension(order, "gift_cards_amount")
    path = f"/V1/order/{order['entity_id']}/invoice"
    invoice_id = call(spec, shop, "post", "/V1/order/{orderId}/invoice", path, {})
    invoice = call(spec, shop, "get", "/V1/invoices/{id}", f"/V1/invoices/{invoice_id}")
    # The whole order invoiced: the card's part is the invoice's, the rest its grand total.
    assert (extension(invoice, "gift_cards_amount"), dec(invoice["grand_total"])) == (
        card, dec(order["grand_total"])
    )  # fmt: skip
    assert prepaid(invoice) == prepaid(order)
    invoiced = call(spec, shop, "get", "/V1/orders/{id}", f"/V1/orders/{order['entity_id']}")
    assert extension(invoiced, "gift_cards_invoiced") == card
    assert dec(invoiced["total_paid"]) == dec(order["grand_total"])
    assert dec(invoiced["total_due"]) == 0

    # One unit back: the card's part goes back first, up to the unit's value.
    item = next(i for i in invoiced["items"] if not i.get("parent_item_id"))
    unit = (dec(item["row_total_incl_tax"]) - dec(item["discount_amount"])) / dec(
        item["qty_ordered"]
    )  # fmt: skip
    body = {"items": [{"order_item_id": item["item_id"], "qty": 1}],
            "arguments": {"shipping_amount": 0}}  # fmt: skip
    refund = f"/V1/order/{order['entity_id']}/refund"
    memo_id = call(spec, shop, "post", "/V1/order/{orderId}/refund", refund, body)
    memo = call(spec, shop, "get", "/V1/creditmemo/{id}", f"/V1/creditmemo/{memo_id}")
    back = min(card, unit.quantize(Decimal("0.01")))
    assert extension(memo, "gift_cards_amount") == back
    assert dec(memo["grand_total"]) + prepaid(memo) == unit.quantize(Decimal("0.01"))
    refunded = call(spec, shop, "get", "/V1/orders/{id}", f"/V1/orders/{order['entity_id']}")
    assert extension(refunded, "gift_cards_refunded") == back
    assert dec(refunded["total_refunded"]) == dec(memo["grand_total"])
