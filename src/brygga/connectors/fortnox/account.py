"""What a Fortnox company holds, for the setup wizard: its name, currencies, price lists and
modes of payment (fortnox.md §4.7, §4.9, §4.11), and the stock points of the Warehouse module
(§4.8). Needs the scopes `companyinformation`, `currency`, `price`, `settings` and the warehouse
one (§1.5).

Refused credentials fail here as the client's AUTH error ("Fortnox refused ..."). Only the
stock points may be refused alone: a company without the Warehouse module, or a consent
without its scope, answers them with 403, and then has no stock points to choose from.
"""

from __future__ import annotations

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.reading import BASE_CURRENCY
from brygga.model import AccountFacts


async def describe(client: FortnoxClient) -> AccountFacts:
    company = (await client.get("/3/companyinformation"))["CompanyInformation"]
    return AccountFacts(
        system="fortnox",
        company_name=company["CompanyName"],
        base_currency=BASE_CURRENCY,
        currencies=await _codes(client, "/3/currencies", "Currencies"),
        warehouses=await _stock_points(client),
        price_lists=await _codes(client, "/3/pricelists", "PriceLists"),
        payment_methods=await _codes(client, "/3/modesofpayments", "ModesOfPayments"),
    )


async def _codes(client: FortnoxClient, path: str, key: str) -> list[str]:
    return [str(item["Code"]) async for page in client.items(path, key) for item in page]


async def _stock_points(client: FortnoxClient) -> list[str]:
    """The active stock points' codes, which the stock stream's `stock_point` takes."""
    try:
        points = await client.get("/api/warehouse/stockpoints-v1")
    except ConnectorError as error:
        if error.error_class is ErrorClass.AUTH and error.status == 403:
            return []
        raise
    return [str(point["code"]) for point in points]
