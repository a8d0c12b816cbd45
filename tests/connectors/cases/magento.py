"""The Magento connector in the shared conformance suite."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from brygga.connectors.magento.client import MagentoClient
from brygga.model import AccountFacts, StockLevel
from brygga.sandbox.processes import SandboxProcess
from tests.connectors.cases import ConnectorCase, no_links


def open_client(sandbox: SandboxProcess) -> MagentoClient:
    return MagentoClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})


def refused_client(sandbox: SandboxProcess) -> MagentoClient:
    credentials = sandbox.credentials() | {"access_token": "unknown0token", "rate_limit": False}
    return MagentoClient(sandbox.base_url, credentials)


def sample(tag: str) -> StockLevel:
    # MSI takes source items for any SKU (no foreign key on sku, magento.md §4.4).
    return StockLevel(sku=f"BRYGGA-{tag}", quantity=Decimal(7))


def invalid_sample(tag: str) -> StockLevel:
    return StockLevel(sku="", quantity=Decimal(1))  # '"sku" can not be empty.'


async def expire_token(sandbox: SandboxProcess, client: Any) -> None:
    """Integration tokens never expire; reauthorizing the integration in the admin replaces
    them, and the old one is refused (§1.1)."""
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sandbox.base_url}/_sandbox/integration/reauthorize")
        response.raise_for_status()


CASE = ConnectorCase(
    system="magento",
    open_client=open_client,
    stream_entity="order",
    writer_entity="stock",
    sample=sample,
    links=no_links,
    invalid_sample=invalid_sample,
    expire_token=expire_token,
    refreshes=False,
    account=AccountFacts(
        system="magento",
        company_name="Main Website",
        base_currency="SEK",
        currencies=["SEK", "EUR", "NOK", "DKK", "USD"],
        warehouses=["default", "sthlm"],
    ),
    refused_client=refused_client,
    refusal="Magento refused the integration's credentials",
)
