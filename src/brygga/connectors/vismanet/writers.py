"""Creating and updating customers, sales orders and items in Visma.net, and finding them again."""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from typing import Any

from brygga.connectors import customer_search
from brygga.connectors.customer_search import SEARCH_PAGE_SIZE, Query
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.cards import customer_card
from brygga.connectors.vismanet.client import VismanetClient, dto
from brygga.connectors.vismanet.currencies import VismanetRates
from brygga.connectors.vismanet.mapping import (
    barcodes,
    customer_to_visma,
    filter_stamp,
    item_to_visma,
    order_header,
    order_lines,
    order_to_v3,
)
from brygga.connectors.vismanet.options import Options
from brygga.engine.finance.rates import ExchangeRate, rated
from brygga.engine.protocols import NO_SETTINGS, Candidate, Settings, Written
from brygga.model import Customer, CustomerCard, Order, Product

ORDERS = "/api/v3/SalesOrders"
EDITABLE = ("Open", "Hold")
CANCELLABLE = ("Open", "Hold", "BackOrder")
PLAIN_ID = re.compile(r"[A-Za-z0-9._-]+")
LINE_PROPERTY = re.compile(r"orderLines\[(\d+)\]\.inventoryId")
CATEGORY_FIX = "fix the vat_categories setting (oss_vat_categories for OSS sales)"
VAT_PROPERTIES = {"taxZoneId": "fix the vat_zones setting (oss_vat_zones for OSS sales)"}


def item_path(sku: str) -> str:
    """`/v1/inventory/{sku}`; keys with reserved URL characters go as `b64(...)` (§3.6)."""
    if PLAIN_ID.fullmatch(sku):
        return f"/v1/inventory/{sku}"
    encoded = base64.urlsafe_b64encode(sku.encode()).decode().rstrip("=")
    return f"/v1/inventory/b64({encoded})"


class _Writer:
    def __init__(self, client: VismanetClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.options = Options.of(settings)


class CustomerWriter(_Writer):
    """Customers, reused by organisation number (`corporateId`) or e-mail when Visma.net
    already knows them; there is no external-reference filter (§4.1)."""

    entity = "customer"
    reuse_existing = True

    async def find(self, record: Customer) -> Written | None:
        if record.organisation_number:
            wanted = _digits(record.organisation_number)
            found = await self._first(
                {"corporateId": record.organisation_number},
                lambda c: _digits(c.get("corporateId") or "") == wanted,
            )
            if found is not None:
                return found
        if record.email:
            email = record.email.lower()
            return await self._first(
                {"email": record.email},
                lambda c: ((c.get("mainContact") or {}).get("email") or "").lower() == email,
            )
        return None

    async def _first(self, params: dict[str, str], matches: Any) -> Written | None:
        # Filter semantics are unconfirmed (§8): compare the results exactly.
        async for page in self.client.pages("/v1/customer", **params):
            for customer in page:
                if matches(customer) and _active(customer):
                    return Written(str(customer["number"]), customer)
        return None

    async def candidates(self, card: CustomerCard) -> list[Candidate]:
        """Customers that may be `card`, by the rules of brygga.connectors.customer_search.
        The spec describes the filters as equalities ("Equals Phone 1 for customer.",
        `GET /v1/customer`), so the phone goes whole, in E.164, and the name is the full name
        or company; there is no postcode filter (§4.1)."""
        queries = [
            {"email": customer_search.email(card)},
            {"corporateId": customer_search.organisation_number(card)},
            {"vatRegistrationId": customer_search.vat_number(card)},
            {"phone": customer_search.phone_number(card)},
            {"name": customer_search.full_name(card)},
        ]
        return await customer_search.search(queries, self._candidates)

    async def _candidates(self, query: Query) -> list[Candidate]:
        page = await self.client.first_page("/v1/customer", SEARCH_PAGE_SIZE, **query)
        return [Candidate(str(c["number"]), customer_card(c), c) for c in page if _active(c)]

    async def create(self, record: Customer, links: dict[str, str]) -> Written:
        body = customer_to_visma(record, self.options, create=True)
        number = await self.client.create("/v1/customer", body)
        return Written(number, await self.client.get(f"/v1/customer/{number}"))

    async def update(self, target_id: str, record: Customer, links: dict[str, str]) -> Written:
        path = f"/v1/customer/{target_id}"
        await self.client.put(path, customer_to_visma(record, self.options, create=False))
        return Written(target_id, await self.client.get(path))


class OrderWriter(_Writer):
    """SalesOrders V3 orders (§4.2), found again by the shop order number in the customer
    order number (`customer.order`, listed as `customerOrder`)."""

    entity = "order"
    reuse_existing = False

    def __init__(self, client: VismanetClient, settings: Settings = NO_SETTINGS) -> None:
        super().__init__(client, settings)
        self.rates = VismanetRates(client, settings, self.options)

    def _path(self, order_id: str = "") -> str:
        return f"{ORDERS}/{self.options.order_type}" + (f"/{order_id}" if order_id else "")

    async def find(self, record: Order) -> Written | None:
        # `filter` matches substrings of several fields: compare exactly.
        async for item in self.client.v3_items(self._path(), filter=record.number):
            if item.get("customerOrder") == record.number:
                return Written(str(item["orderId"]), item)
        return None

    async def create(self, record: Order, links: dict[str, str]) -> Written:
        rate = await self.rates.of(record)
        record = rated(record, rate)
        body = order_to_v3(record, links["customer"], self.options)
        if self.options.record_exchange_rates:
            await self._record_rate(record)
        try:
            order_id = await self.client.create(ORDERS, body, v3=True)
        except ConnectorError as error:
            raise _name_the_sku(error, record) from None
        if record.cancelled:
            return self.rates.stamped(await self.update(order_id, record, links), rate)
        # The create answers 201 with only a `Location` (§4.2); the order is not read back,
        # so an order costs one request. The outcome keeps what was sent.
        return self.rates.stamped(Written(order_id, body), rate)

    async def update(self, target_id: str, record: Order, links: dict[str, str]) -> Written:
        path = self._path(target_id)
        order, etag = await self.client.v3_get(path)
        status = order["status"]["description"]
        rate: ExchangeRate | None = None
        if record.cancelled:
            if status == "Cancelled":
                return Written(target_id, order)
            if status not in CANCELLABLE:
                raise _conflict(record, target_id, status, "cannot be cancelled any more")
            await self.client.v3_patch(path, {"status": "Cancelled"}, etag)
        else:
            if status not in EDITABLE:
                raise _conflict(record, target_id, status, "cannot be changed any more")
            lines, _ = await self.client.v3_get(f"{path}/lines")
            if _line_keys(lines["value"]) != _line_keys(order_lines(record, self.options)):
                raise ConnectorError(
                    ErrorClass.CONFLICT,
                    f"the lines of shop order {record.number} changed; change sales order "
                    f"{target_id} in Visma.net by hand (Brygga updates header, addresses and "
                    "freight only)",
                )
            rate = await self.rates.of(record)
            patch = {
                "currencyId": record.currency,
                "customer": {"order": record.number, "refNo": record.number},
            }
            await self.client.v3_patch(path, patch | order_header(record, self.options), etag)
        order, _ = await self.client.v3_get(path)
        return self.rates.stamped(Written(target_id, order), rate)

    async def _record_rate(self, record: Order) -> None:
        """The order's exchange rate (the shop's or the table's, currencies.py) as the SPOT
        rate of the order date, unless Visma.net already has that rate then (§4.8)."""
        base = self.options.base_currency
        if record.currency == base or record.base_currency != base:
            return
        day = record.created_at.astimezone(self.options.zone).replace(tzinfo=None)
        day = day.replace(hour=0, minute=0, second=0, microsecond=0)
        stamp = filter_stamp(day.replace(tzinfo=self.options.zone), self.options.zone)
        params = {"fromCurrency": record.currency, "toCurrency": base, "rateType": "SPOT"}
        known = await self.client.get("/v2/currencyrate", fromDate=stamp, toDate=stamp, **params)
        if any(Decimal(rate["rate"]) == record.exchange_rate for rate in known or []):
            return
        rate = {
            "fromCurrencyId": record.currency,
            "toCurrencyId": base,
            "rateType": "SPOT",
            "effectiveDate": day.isoformat(),
            "rate": record.exchange_rate,
            "multDiv": "Multiply",
        }
        await self.client.request("POST", "/v2/currencyrate", json=dto(rate))


def _line_keys(lines: list[dict[str, Any]]) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    """What makes two sets of order lines the same: item, quantity, price and discount."""
    return [
        (
            str((line.get("inventory") or {}).get("id") or line.get("inventoryId")),
            Decimal(line["quantity"]),
            Decimal(line["unitPrice"]),
            Decimal(line.get("discountAmount") or 0),
        )
        for line in lines
    ]


def _conflict(record: Order, order_id: str, status: str, what: str) -> ConnectorError:
    return ConnectorError(
        ErrorClass.CONFLICT,
        f"sales order {order_id} of shop order {record.number} is {status} in Visma.net and "
        f"{what}; handle the change in Visma.net",
    )


def _name_the_sku(error: ConnectorError, record: Order) -> ConnectorError:
    """V3 names the refused property by path (`orderLines[1].inventoryId`, `taxZoneId`): say
    which SKU, or which VAT setting, the merchant must fix."""
    problems = (error.payload or {}).get("errors") if isinstance(error.payload, dict) else None
    for key in problems or {}:
        match = LINE_PROPERTY.fullmatch(key)
        if match and int(match.group(1)) < len(record.lines):
            sku = record.lines[int(match.group(1))].sku
            error.error_class = ErrorClass.DATA
            error.message = (
                f"item {sku} of shop order {record.number} does not exist or is not active in "
                "Visma.net; create or activate the item, or map the shop SKU to a Visma.net "
                "item in the orders flow's `value_maps` setting (`lines.sku`)"
            )
        elif key in VAT_PROPERTIES or key.endswith(".taxCategoryId"):
            error.error_class = ErrorClass.DATA
            error.message = (
                f"Visma.net refused the VAT of shop order {record.number} ({key}: "
                f"{'; '.join(map(str, problems[key]))}); {VAT_PROPERTIES.get(key, CATEGORY_FIX)}"
            )
    return error


def _active(customer: dict[str, Any]) -> bool:
    """Inactive customers are not reused."""
    return customer.get("status") != "Inactive"


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isalnum()).upper()


class ProductWriter(_Writer):
    """Inventory items keyed by `inventoryNumber` = SKU (§4.3); one variant per product."""

    entity = "product"
    reuse_existing = True

    async def find(self, record: Product) -> Written | None:
        sku = record.variants[0].sku
        item = await self.client.get_or_none(item_path(sku))
        return None if item is None else Written(item["inventoryNumber"], item)

    async def create(self, record: Product, links: dict[str, str]) -> Written:
        await self.client.create("/v1/inventory", item_to_visma(record, self.options, create=True))
        sku = record.variants[0].sku  # the key is the SKU; `Location` may encode it (§3.6)
        return await self._with_barcode(sku, record, await self.client.get(item_path(sku)))

    async def update(self, target_id: str, record: Product, links: dict[str, str]) -> Written:
        path = item_path(target_id)
        await self.client.put(path, item_to_visma(record, self.options, create=False))
        return await self._with_barcode(target_id, record, await self.client.get(path))

    async def _with_barcode(self, sku: str, record: Product, item: dict[str, Any]) -> Written:
        """The EAN as a Barcode cross-reference: the item DTO has no field for it (§4.3).

        A barcode already on the item is kept: the old code may still be on stock in hand.
        """
        ean = record.variants[0].ean
        if not ean or ean in barcodes(item):
            return Written(sku, item)
        reference = {"alternateType": "Barcode", "alternateID": ean}
        if item.get("baseUnit"):
            reference["uom"] = item["baseUnit"]
        # Answered 200 with an empty object, no Location (API reference).
        await self.client.request("POST", f"{item_path(sku)}/crossReferences", json=dto(reference))
        return Written(sku, await self.client.get(item_path(sku)))
