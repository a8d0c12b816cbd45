"""Fortnox in the shared conformance suite: invoices of shop orders are read, customers
written.

Articles, the one thing the seed holds, carry no change time in Fortnox (fortnox.md §3.4), so
the stream with a real replication key is the invoices' (by `InvoiceDate`). The seed has no
invoices of shop orders; `open_client` makes three once, as a shop order written to Fortnox
and invoiced by the staff would be. The client is an authorization-code connection that starts
with a stored access token (§1.1); tokens are expired with the sandbox's
`POST /_sandbox/expire-tokens`, and the refresh token then gets a new one."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from brygga.connectors.fortnox.client import FortnoxClient
from brygga.model import AccountFacts, Address, Customer
from brygga.sandbox.processes import SandboxProcess
from tests.connectors.cases import ConnectorCase, no_links
from tests.sandbox.test_fortnox import api, basic
from tests.sandbox.test_fortnox_oauth import REDIRECT, authorize_params, consent

SHOP_ORDERS = 3
# What the flows and the account description read and write (§1.5; the warehouse scope's name
# is unconfirmed).
SCOPE = "companyinformation currency customer invoice order price settings warehouse"


def _invoice_shop_orders(sandbox: SandboxProcess) -> None:
    with api(sandbox.base_url) as http:
        invoiced = http.get("/3/orders", params={"filter": "invoicecreated"}).json()
        if invoiced["MetaInformation"]["@TotalResources"] >= SHOP_ORDERS:
            return
        for n in range(SHOP_ORDERS):
            row = {"ArticleNumber": "NB013-01-01", "OrderedQuantity": "1"}
            order = {"CustomerNumber": "1", "ExternalInvoiceReference1": f"CONF-{n}",
                     "OrderRows": [row]}  # fmt: skip
            http.post("/3/orders", json={"Order": order}).raise_for_status()
        answer = httpx.post(
            f"{sandbox.base_url}/_sandbox/simulate", json={"invoice_orders": SHOP_ORDERS}
        )
        answer.raise_for_status()
        for days, number in enumerate(answer.json()["invoice_orders"], start=1):
            day = (date.today() - timedelta(days=days)).isoformat()  # three different days
            change = {"Invoice": {"CustomerNumber": "1", "InvoiceDate": day}}
            http.put(f"/3/invoices/{number}", json=change).raise_for_status()


def code_grant(sandbox: SandboxProcess, scope: str) -> dict[str, Any]:
    """Consent like a browser, then trade the code for tokens (fact sheet §1.1)."""
    params = authorize_params(scope=scope)
    location = consent(
        sandbox.base_url, httpx.URL(f"{sandbox.base_url}/oauth-v1/auth", params=params)
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    answer = httpx.post(f"{sandbox.base_url}/oauth-v1/token", data=form, headers=basic())
    answer.raise_for_status()
    return answer.json()


def code_client(sandbox: SandboxProcess, scope: str = SCOPE) -> FortnoxClient:
    """An authorization-code connection granted `scope`, starting with its access token."""
    demo, grant = sandbox.credentials(), code_grant(sandbox, scope)
    credentials = {
        "client_id": demo["client_id"],
        "client_secret": demo["client_secret"],
        "refresh_token": grant["refresh_token"],
        "access_token": grant["access_token"],
        "expires_at": time.time() + grant["expires_in"],
        "rate_limit": False,
    }
    return FortnoxClient(sandbox.base_url, credentials)


def open_client(sandbox: SandboxProcess) -> FortnoxClient:
    _invoice_shop_orders(sandbox)
    return code_client(sandbox)


def refused_client(sandbox: SandboxProcess) -> FortnoxClient:
    """A service account (§1.2) whose client secret is wrong."""
    credentials = sandbox.credentials() | {"client_secret": "wrong", "rate_limit": False}
    return FortnoxClient(sandbox.base_url, credentials)


async def expire_token(sandbox: SandboxProcess, client: Any) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sandbox.base_url}/_sandbox/expire-tokens")
        response.raise_for_status()


def customer(tag: str) -> Customer:
    address = Address(line1="Storgatan 1", postcode="114 35", city="Stockholm", country="SE")
    return Customer(source_id=tag, email=f"conf-{tag}@example.se", first_name="Conf",
                    last_name=tag, address=address)  # fmt: skip


CASE = ConnectorCase(
    system="fortnox",
    open_client=open_client,
    stream_entity="invoice",
    writer_entity="customer",
    sample=customer,
    links=no_links,
    # No name, company or e-mail: Fortnox requires a customer `Name`.
    invalid_sample=lambda tag: Customer(source_id=tag),
    expire_token=expire_token,
    refreshes=True,
    account=AccountFacts(
        system="fortnox",
        company_name="Brygga Demo AB",
        base_currency="SEK",
        currencies=["DKK", "EUR", "NOK", "SEK", "USD"],
        warehouses=["HUVUDLAGER"],
        price_lists=["A"],
        payment_methods=["BG", "KORT", "PRESENTKORT"],
    ),
    refused_client=refused_client,
    refusal="Fortnox refused the service-account credentials",
)
