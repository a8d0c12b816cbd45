"""Centra in the shared conformance suite: orders are read, ERP articles written as sizes.

Centra's integration tokens are static API keys with no refresh (centra.md §1). Each client
gets its own token, made the way the admin's System → API Tokens screen does, so revoking it
there refuses exactly this client and no other test's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from brygga.connectors.centra.client import CentraClient
from brygga.model import AccountFacts, Money, Product, Variant
from brygga.sandbox.processes import SandboxProcess
from tests.connectors.cases import ConnectorCase, no_links


def open_client(sandbox: SandboxProcess) -> CentraClient:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/tokens", json={}, timeout=30)
    response.raise_for_status()
    return CentraClient(sandbox.base_url, {"token": response.json()["token"], "rate_limit": False})


async def expire_token(sandbox: SandboxProcess, client: Any) -> None:
    (token,) = client.http.secrets
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sandbox.base_url}/_sandbox/tokens/{token}/revoke")
        response.raise_for_status()


def refused_client(sandbox: SandboxProcess) -> CentraClient:
    return CentraClient(sandbox.base_url, {"token": "centra-unknown-token", "rate_limit": False})


def article(tag: str, size: str = "") -> Product:
    sku = f"CONF-{tag}"
    price = Money.of(Decimal("199.00"), "SEK")
    variant = Variant(sku=sku, name=f"Article {tag}", size=size, prices=[price])
    return Product(source_id=sku, product_number=sku, name=f"Article {tag}", variants=[variant])


CASE = ConnectorCase(
    system="centra",
    open_client=open_client,
    stream_entity="order",
    writer_entity="product",
    sample=article,
    links=no_links,
    # The "One Size" chart new articles use has no size XXL.
    invalid_sample=lambda tag: article(tag, size="XXL"),
    expire_token=expire_token,
    refreshes=False,
    account=AccountFacts(
        system="centra",
        company_name="Retail",
        base_currency="SEK",
        currencies=["SEK", "EUR", "NOK", "DKK", "USD"],
        warehouses=["Main Warehouse", "Stockholm Store"],
        price_lists=["Retail SEK", "Retail EUR", "Retail NOK", "Retail DKK", "Retail USD"],
    ),
    refused_client=refused_client,
    refusal="Centra refused the integration token",
)
