"""Creating and updating customers, orders and articles in Fortnox, and finding them again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from brygga.connectors import customer_search
from brygga.connectors.customer_search import SEARCH_PAGE_SIZE, Query
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.accounts import explain_refused_account
from brygga.connectors.fortnox.cards import customer_card
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.currencies import (
    CURRENCY_MISSING,
    FortnoxRates,
    missing_currency,
)
from brygga.connectors.fortnox.mapping import (
    article_to_fortnox,
    customer_to_fortnox,
    order_to_fortnox,
)
from brygga.connectors.fortnox.reading import BASE_CURRENCY, reference
from brygga.engine.finance.rates import rated, stamped
from brygga.engine.protocols import NO_SETTINGS, Candidate, Settings, Written
from brygga.model import Customer, CustomerCard, Order, Product


class CustomerWriter:
    """Customers, reused by email when the ERP already knows them."""

    entity = "customer"
    reuse_existing = True

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Customer) -> Written | None:
        if not record.email:
            return None
        # Search params are substring matches (ILIKE %v%): compare exactly here (§3.4).
        wanted = record.email.lower()
        async for items in self.client.items("/3/customers", "Customers", email=record.email):
            for item in items:
                if (item.get("Email") or "").lower() == wanted:
                    return Written(str(item["CustomerNumber"]), item)
        return None

    async def candidates(self, card: CustomerCard) -> list[Candidate]:
        """Customers that may be `card`, by the rules of brygga.connectors.customer_search.
        Search params match substrings (§3.4), so the phone goes as a tail of its digits and
        the name as the surname or company, with the postcode, which must match too. There
        is no VAT number param (§4.1)."""
        queries = [
            {"email": customer_search.email(card)},
            {"organisationnumber": customer_search.organisation_number(card)},
            {"phone": customer_search.phone_tail(card)},
            {"name": customer_search.surname(card), "zipcode": card.postcode.strip()},
        ]
        return await customer_search.search(queries, self._candidates)

    async def _candidates(self, query: Query) -> list[Candidate]:
        # Active customers only: list items carry no `Active` to check afterwards (§4.1).
        params = query | {"filter": "active"}
        items = await self.client.first_page(
            "/3/customers", "Customers", SEARCH_PAGE_SIZE, **params
        )
        return [Candidate(str(item["CustomerNumber"]), customer_card(item), item) for item in items]

    async def create(self, record: Customer, links: dict[str, str]) -> Written:
        customer = customer_to_fortnox(record, self.settings)
        body = await self.client.post("/3/customers", {"Customer": customer})
        return Written(str(body["Customer"]["CustomerNumber"]), body["Customer"])

    async def update(self, target_id: str, record: Customer, links: dict[str, str]) -> Written:
        path = f"/3/customers/{target_id}"
        customer = customer_to_fortnox(record, self.settings)
        body = await self.client.put(path, {"Customer": customer})
        return Written(target_id, body["Customer"])


# Fortnox's refusal of a row whose article does not exist: "Kunde inte hitta artikel" (the
# published error list names no code for it; 2001302 is the sandbox's).
ARTICLE_NOT_FOUND, ARTICLE_NOT_FOUND_TEXT = "2001302", "hitta artikel"


class OrderWriter:
    """Sales orders, found again by the shop order number in `ExternalInvoiceReference1`. A
    cancelled shop order cancels its Fortnox order; an invoiced order no longer changes."""

    entity = "order"
    reuse_existing = False

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.rates = FortnoxRates(client, settings)

    async def find(self, record: Order) -> Written | None:
        params = {"externalinvoicereference1": record.number}
        async for items in self.client.items("/3/orders", "Orders", **params):
            for item in items:
                if str(item.get("ExternalInvoiceReference1") or "") == record.number:
                    return Written(str(item["DocumentNumber"]), item)
        return None

    async def create(self, record: Order, links: dict[str, str]) -> Written:
        rate = await self.rates.of(record)
        payload = order_to_fortnox(rated(record, rate), links["customer"], self.settings)
        body = await self._send(self.client.post, "/3/orders", record, payload)
        created = stamped(Written(str(body["Order"]["DocumentNumber"]), body["Order"]), rate)
        # A shop order cancelled before it reached Fortnox is kept there, cancelled.
        return stamped(await self._cancel(created.target_id), rate) if record.cancelled else created

    async def update(self, target_id: str, record: Order, links: dict[str, str]) -> Written:
        current = (await self.client.get(f"/3/orders/{target_id}"))["Order"]
        invoice = reference(current.get("InvoiceReference"))
        if invoice:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"Fortnox order {target_id} of shop order {record.number} is already invoiced "
                f"(invoice {invoice}) and cannot change; correct the invoice in Fortnox",
            )
        if current.get("Cancelled"):
            if record.cancelled:
                return Written(target_id, current)
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"Fortnox order {target_id} of shop order {record.number} is cancelled in "
                "Fortnox and cannot change",
            )
        if record.cancelled:
            return await self._cancel(target_id)
        # Rows without RowId replace the old rows by position; all rows are sent (§3.5).
        rate = await self.rates.of(record)
        payload = order_to_fortnox(rated(record, rate), links["customer"], self.settings)
        body = await self._send(self.client.put, f"/3/orders/{target_id}", record, payload)
        return stamped(Written(target_id, body["Order"]), rate)

    async def _cancel(self, target_id: str) -> Written:
        body = await self.client.put(f"/3/orders/{target_id}/cancel")
        return Written(target_id, body["Order"])

    async def _send(
        self, method: Callable[..., Awaitable[Any]], path: str, record: Order, payload: Any
    ) -> Any:
        """The order sent; Fortnox's refusal of a currency or an account it lacks is said as
        what to fix."""
        try:
            return await method(path, {"Order": payload})
        except ConnectorError as error:
            if CURRENCY_MISSING in error.message:
                raise missing_currency(record.currency, error) from None
            if error.code == ARTICLE_NOT_FOUND or ARTICLE_NOT_FOUND_TEXT in error.message:
                raise await self._missing_articles(record, error) from None
            explained = await explain_refused_account(self.client, error, payload, self.settings)
            raise explained from None

    async def _missing_articles(self, record: Order, error: ConnectorError) -> ConnectorError:
        """Fortnox's "article not found" names no article: each row's is looked up (only on
        this error path), and the missing ones are named with the setting that maps them."""
        missing = []
        for sku in dict.fromkeys(line.sku for line in record.lines if line.sku):
            try:
                await self.client.get(f"/3/articles/{quote(sku, safe='')}")
            except ConnectorError as exc:
                if exc.error_class is not ErrorClass.NOT_FOUND and exc.status not in (400, 404):
                    raise
                missing.append(sku)
        named = ", ".join(missing) or "of a row"
        return ConnectorError(
            ErrorClass.DATA,
            f"article {named} of shop order {record.number} does not exist in Fortnox; create "
            "it, or map the shop SKU to a Fortnox article in the orders flow's `value_maps` "
            "setting (`lines.sku`)",
            status=error.status,
            code=error.code,
        )


class ProductWriter:
    """Articles from shop products (one variant each): `ArticleNumber` = SKU, and the price in
    price list `price_list` (default "A") through `/3/prices` (§4.6, §4.7). Articles that
    already exist with that number are reused."""

    entity = "product"
    reuse_existing = True

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Product) -> Written | None:
        sku = record.variants[0].sku
        # `articlenumber` is a substring search (§3.4); the list also takes any character.
        async for items in self.client.items("/3/articles", "Articles", articlenumber=sku):
            for item in items:
                if item["ArticleNumber"] == sku:
                    return Written(sku, item)
        return None

    async def create(self, record: Product, links: dict[str, str]) -> Written:
        sku = record.variants[0].sku
        article = article_to_fortnox(record, self.settings) | {"ArticleNumber": sku}
        body = await self.client.post("/3/articles", {"Article": article})
        await self._price(record, new=True)
        return Written(sku, body["Article"])

    async def update(self, target_id: str, record: Product, links: dict[str, str]) -> Written:
        path = f"/3/articles/{quote(target_id, safe='')}"
        body = await self.client.put(path, {"Article": article_to_fortnox(record, self.settings)})
        await self._price(record, new=False)
        return Written(target_id, body["Article"])

    async def _price(self, record: Product, new: bool) -> None:
        variant = record.variants[0]
        if not variant.prices:
            return
        price = next((p for p in variant.prices if p.currency == BASE_CURRENCY), None)
        if price is None:
            raise ConnectorError(
                ErrorClass.DATA,
                f"product {variant.sku} has no {BASE_CURRENCY} price; Fortnox price lists are "
                f"in {BASE_CURRENCY}",
            )
        price_list = self.settings.get("price_list", "A")
        body = {"PriceList": price_list, "ArticleNumber": variant.sku, "FromQuantity": 0,
                "Price": price.amount}  # fmt: skip
        if not new:
            path = f"/3/prices/{quote(price_list, safe='')}/{quote(variant.sku, safe='')}"
            try:
                await self.client.put(path, {"Price": body})
                return
            except ConnectorError as exc:
                if exc.error_class is not ErrorClass.NOT_FOUND:
                    raise
        await self.client.post("/3/prices", {"Price": body})
