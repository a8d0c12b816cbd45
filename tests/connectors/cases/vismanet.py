"""The Visma.net connector in the shared conformance suite."""

from __future__ import annotations

from typing import Any

import httpx

from brygga.connectors.vismanet.client import VismanetClient
from brygga.model import AccountFacts, Address, Customer
from brygga.sandbox.processes import SandboxProcess
from tests.connectors.cases import ConnectorCase, no_links


def open_client(sandbox: SandboxProcess) -> VismanetClient:
    return VismanetClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})


def refused_client(sandbox: SandboxProcess) -> VismanetClient:
    credentials = sandbox.credentials() | {"client_secret": "wrong", "rate_limit": False}
    return VismanetClient(sandbox.base_url, credentials)


def sample(tag: str) -> Customer:
    address = Address(line1="Storgatan 1", postcode="114 35", city="Stockholm", country="SE")
    return Customer(
        source_id=tag,
        email=f"{tag}@conformance.example",
        first_name="Conformance",
        last_name=tag,
        address=address,
    )


def invalid_sample(tag: str) -> Customer:
    """No name, company or e-mail: Visma.net refuses a customer without a name."""
    return Customer(source_id=tag)


async def expire_token(sandbox: SandboxProcess, client: Any) -> None:
    """The sandbox's control that refuses every token issued so far (`connect.py`)."""
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sandbox.base_url}/_sandbox/revoke-tokens")
        response.raise_for_status()


CASE = ConnectorCase(
    system="vismanet",
    open_client=open_client,
    stream_entity="product",
    writer_entity="customer",
    sample=sample,
    links=no_links,
    invalid_sample=invalid_sample,
    expire_token=expire_token,
    refreshes=True,
    account=AccountFacts(
        system="vismanet",
        company_name="Brygga Demo AB",
        base_currency="SEK",
        currencies=["SEK", "DKK", "EUR", "NOK", "USD"],
        warehouses=["1"],
        payment_methods=["KORT", "BANKGIRO", "PRESENTKORT"],
    ),
    refused_client=refused_client,
    refusal="Visma Connect refused the client credentials",
)
