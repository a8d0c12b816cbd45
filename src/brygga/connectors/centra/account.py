"""What a Centra environment holds, for the setup wizard: its stores, currencies, pricelists
and warehouses, read with the connection's integration token (centra.md §1, §4.7, §4.8).

A token Centra refuses fails here as the client's AUTH error ("Centra refused the integration
token..."); one without a permission these queries need, as an AUTH error naming it (§1)."""

from __future__ import annotations

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.lookups import Lookups, every
from brygga.connectors.centra.queries import CURRENCIES, STORES
from brygga.model import AccountFacts


async def describe(client: CentraClient) -> AccountFacts:
    stores = await every(client, STORES, "stores")
    currencies = await client.query(CURRENCIES)
    lookups = Lookups(client)
    base = currencies["base"]
    return AccountFacts(
        system="centra",
        company_name=", ".join(store["name"] for store in stores),
        base_currency=base[0]["code"] if base else None,
        currencies=[currency["code"] for currency in currencies["all"]],
        warehouses=[warehouse["name"] for warehouse in await lookups.warehouses()],
        price_lists=[pricelist["name"] for pricelist in await lookups.pricelists()],
    )
