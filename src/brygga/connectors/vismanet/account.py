"""What a Visma.net company holds, for the setup wizard: its organization's name and its
currencies, warehouses and payment methods (vismanet.md §4.8, §4.10), read with the
connection's service-API token. These small lists take no paging parameters in the spec.

No endpoint lists price classes, so `price_lists` stays empty. Credentials Visma Connect
refuses fail as the client's AUTH error ("Visma Connect refused the client credentials ...",
with what to check); a customer tenant id as the IPP refusal that names the fix (§1.1, §6.1).
"""

from __future__ import annotations

from brygga.connectors.vismanet.client import VismanetClient
from brygga.model import AccountFacts


async def describe(client: VismanetClient) -> AccountFacts:
    organizations = await client.get("/v1/organization")
    currencies = await client.get("/v1/currency")
    warehouses = await client.get("/v1/warehouse", active="true")
    methods = await client.get("/v1/paymentmethod")
    base = [currency["id"] for currency in currencies if currency.get("isBaseCurrency")]
    return AccountFacts(
        system="vismanet",
        company_name=", ".join(organization["name"] for organization in organizations),
        base_currency=base[0] if base else None,
        currencies=[currency["id"] for currency in currencies],
        warehouses=[warehouse["warehouseID"] for warehouse in warehouses],
        payment_methods=[method["paymentMethodID"] for method in methods if method.get("active")],
    )
