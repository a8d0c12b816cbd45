"""The Magento sandbox's Adobe Commerce Webhooks (fact sheet §5): a call per save of an order,
credit memo, product (and invoice, customer), signed with the store's key pair as the docs
describe (RSA-SHA256 over the base64 of the body, base64 in `x-adobe-commerce-webhook-signature`),
and checked here with the public key the sandbox shows, as a receiver would."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from tests.support.hooks import Receiver
from tests.support.processes import SandboxProcess, sandbox_fixture
from tests.support.servers import serving

magento = sandbox_fixture("magento")
HEADER = "x-adobe-commerce-webhook-signature"


def control(sandbox: SandboxProcess, route: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/{route}", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def receiver(magento: SandboxProcess) -> Iterator[tuple[Receiver, str]]:
    found = Receiver()
    with serving(found.app) as url:
        yield found, f"{url}/hook"
        control(magento, "webhooks", {"url": None})


def named(calls: list[dict[str, Any]], method: str, name: str, field: str) -> set[str]:
    return {str(c["data"][name][field]) for c in calls if c["eventName"] == method}


def test_saves_are_posted_signed_with_the_store_key(
    magento: SandboxProcess, receiver: tuple[Receiver, str]
):
    hook, target = receiver
    status = control(magento, "webhooks", {"url": target})
    key = serialization.load_pem_public_key(status["public_key"].encode())
    made = control(magento, "simulate", {"orders": 2, "refunds": 1, "products": 1})
    orders, products = set(made["orders"]), set(made["products"])
    assert orders and products and made["refunds"]

    def complete(found: list[dict[str, Any]]) -> bool:
        saved = named(found, "observer.sales_order_save_after", "order", "increment_id")
        memos = [c for c in found if c["eventName"].endswith("creditmemo_save_after")]
        return (
            orders <= saved
            and products <= named(found, "observer.catalog_product_save_after", "product", "sku")
            and len(memos) >= 1
        )

    hook.wait_until(complete)
    for headers, body in hook.calls:
        assert headers["content-type"] == "application/json"
        signature = base64.b64decode(headers[HEADER])
        key.verify(signature, base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    order = next(c for c in hook.payloads() if c["eventName"] == "observer.sales_order_save_after")
    assert {"entity_id", "increment_id", "updated_at"} <= set(order["data"]["order"])


def test_signing_can_be_turned_off_and_the_key_pair_stays(
    magento: SandboxProcess, receiver: tuple[Receiver, str]
):
    hook, target = receiver
    first = control(magento, "webhooks", {"url": target, "signed": False})
    control(magento, "simulate", {"products": 1})
    hook.wait_until(lambda found: len(found) >= 1)
    assert all(HEADER not in headers for headers, _ in hook.calls)
    again = control(magento, "webhooks", {"url": target})
    assert again["public_key"] == first["public_key"] and again["signed"]
