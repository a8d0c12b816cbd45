"""What a Magento installation holds, for the setup wizard: its websites, currencies and MSI
sources (magento.md §4.4, §4.8), read with the integration's signed requests.

Magento has no price lists, and its admin REST API lists payment methods only per cart, so
both stay empty. Refused credentials fail as the client's AUTH error ("Magento refused the
integration's credentials ...", which also names the API resources to grant, §1.2); the
currency directory is anonymous, so the websites are read first.
"""

from __future__ import annotations

from brygga.connectors.magento.client import MagentoClient
from brygga.connectors.magento.search import Criteria
from brygga.model import AccountFacts

ADMIN_WEBSITE = "admin"  # the admin scope's website (id 0), which `store/websites` lists too


async def describe(client: MagentoClient) -> AccountFacts:
    websites = await client.get("/store/websites")
    sources = await client.everything("/inventory/sources", Criteria())
    directory = await client.get("/directory/currency")
    return AccountFacts(
        system="magento",
        company_name=", ".join(
            website["name"] for website in websites if website["code"] != ADMIN_WEBSITE
        ),
        base_currency=str(directory["base_currency_code"]),
        currencies=[str(code) for code in directory["available_currency_codes"]],
        # The source codes the stock writer's `source` setting takes.
        warehouses=[source["source_code"] for source in sources if source.get("enabled")],
    )
