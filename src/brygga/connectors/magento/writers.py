"""Writing stock, invoices and credit memos into Magento, and finding them again.

Magento has no external-reference field on invoices or credit memos (magento.md §4.5, §4.6):
Brygga writes the ERP document number into a comment ("Fortnox invoice 1042") and finds the
document again by that comment among the order's invoices or credit memos.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.magento.client import MagentoClient
from brygga.connectors.magento.mapping import dec, gross, to_base, visible_items
from brygga.connectors.magento.search import Criteria
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import CENT, CreditNote, Invoice, OrderLine, StockLevel

Record = dict[str, Any]


class StockWriter:
    """Absolute on-hand quantities on one MSI source (setting `source`, default "default");
    Magento derives the salable quantity (§4.4). Target id: the SKU."""

    entity = "stock"
    reuse_existing = False

    def __init__(self, client: MagentoClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.source = str(settings.get("source", "default"))

    async def find(self, record: StockLevel) -> Written | None:
        criteria = Criteria().where("sku", record.sku).where("source_code", self.source)
        items = await self.client.everything("/inventory/source-items", criteria)
        # `eq` compares without case (MySQL): the SKU must match exactly.
        found = next((item for item in items if item["sku"] == record.sku), None)
        return Written(record.sku, found) if found else None

    async def create(self, record: StockLevel, links: dict[str, str]) -> Written:
        return (await self.write_many([record]))[0]

    async def update(self, target_id: str, record: StockLevel, links: dict[str, str]) -> Written:
        return (await self.write_many([record]))[0]

    async def write_many(self, levels: list[StockLevel]) -> list[Written]:
        """One request for many SKUs: the endpoint takes an array (§4.4). With the Web API
        input limit switched on, Magento takes at most 20 per request (§2)."""
        items = [
            {
                "sku": level.sku,
                "source_code": self.source,
                "quantity": level.quantity,
                "status": 1 if level.quantity > 0 else 0,
            }
            for level in levels
        ]
        await self.client.post("/inventory/source-items", {"sourceItems": items})
        return [Written(item["sku"], item) for item in items]


class _DocumentWriter:
    """What invoices and credit memos share: the order by number, the comment that links."""

    kind: str  # "invoice" / "credit note", as the comment names it
    path: str  # the order's documents: /invoices or /creditmemos

    def __init__(self, client: MagentoClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.erp = str(settings.get("erp_name", "ERP"))
        self.notify = bool(settings.get("notify_customer", False))

    def marker(self, record: Invoice | CreditNote) -> str:
        return f"{self.erp} {self.kind} {record.number}"

    async def find(self, record: Invoice | CreditNote) -> Written | None:
        order = await self.client.order_by_number(record.order_reference)
        if order is None:
            return None
        for document in await self.documents(order):
            if self.marker(record) in _comments(document):
                return Written(str(document["entity_id"]), document)
        return None

    async def documents(self, order: Record) -> list[Record]:
        criteria = Criteria().where("order_id", str(order["entity_id"])).sorted_by("entity_id")
        return await self.client.everything(self.path, criteria)

    async def order(self, record: Invoice | CreditNote) -> Record:
        what = f"{self.erp} {self.kind} {record.number}"
        if not record.order_reference:
            raise ConnectorError(
                ErrorClass.DATA, f"{what} names no Magento order number; it was not made from a "
                "shop order, so there is nothing to link it to in Magento"
            )  # fmt: skip
        order = await self.client.order_by_number(record.order_reference)
        if order is None:
            raise ConnectorError(
                ErrorClass.NOT_FOUND,
                f"Magento has no order {record.order_reference} for {what}; check the order "
                "number on the document",
            )
        return order

    def items(
        self, order: Record, record: Invoice | CreditNote, left: Callable[[Record], Decimal]
    ) -> list[Record]:
        """The order lines to take, by SKU, up to what is `left` of each (§4.5, §4.6)."""
        items = []
        for sku, wanted in _quantities(record.lines).items():
            matching = [item for item in visible_items(order) if item["sku"] == sku]
            if not matching:
                raise ConnectorError(
                    ErrorClass.DATA,
                    f"{self.marker(record)} has SKU {sku}, which is not on Magento order "
                    f"{order['increment_id']}",
                )
            for item in matching:
                take = min(wanted, left(item))
                if take > 0:
                    items.append({"order_item_id": item["item_id"], "qty": take})
                    wanted -= take
        return items

    def comment(self, record: Invoice | CreditNote) -> Record:
        return {"comment": self.marker(record), "is_visible_on_front": 0}


class InvoiceWriter(_DocumentWriter):
    """ERP invoices as Magento invoices of the order (`capture` setting, default false: only
    online payment methods capture). An order already invoiced at checkout gets the comment on
    its existing invoice instead (§4.5). Magento invoices cannot change, so update keeps it."""

    entity = "invoice"
    reuse_existing = False
    kind = "invoice"
    path = "/invoices"

    def __init__(self, client: MagentoClient, settings: Settings = NO_SETTINGS) -> None:
        super().__init__(client, settings)
        self.capture = bool(settings.get("capture", False))

    async def create(self, record: Invoice, links: dict[str, str]) -> Written:
        order = await self.order(record)
        items = self.items(order, record, _to_invoice)
        if not items:
            return await self._link_existing(order, record)
        body = {
            "capture": self.capture,
            "notify": self.notify,
            "items": items,
            "appendComment": True,
            "comment": self.comment(record),
        }
        invoice_id = str(await self.client.post(f"/order/{order['entity_id']}/invoice", body))
        return Written(invoice_id, await self.client.get(f"/invoices/{invoice_id}"))

    async def update(self, target_id: str, record: Invoice, links: dict[str, str]) -> Written:
        return Written(target_id, await self.client.get(f"/invoices/{target_id}"))

    async def _link_existing(self, order: Record, record: Invoice) -> Written:
        prefix = f"{self.erp} {self.kind} "
        free = [
            invoice
            for invoice in await self.documents(order)
            if not any(text.startswith(prefix) for text in _comments(invoice))
        ]
        if not free:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"Magento order {order['increment_id']} has nothing left to invoice for "
                f"{self.marker(record)}, and no invoice of it is free to link",
            )
        invoice = free[0]
        note = self.comment(record) | {"parent_id": invoice["entity_id"], "is_customer_notified": 0}
        await self.client.post("/invoices/comments", {"entity": note})
        return Written(
            str(invoice["entity_id"]), await self.client.get(f"/invoices/{invoice['entity_id']}")
        )


class CreditNoteWriter(_DocumentWriter):
    """ERP credit notes as offline credit memos of the order: items by SKU, the shipping
    credited, and an adjustment for what the lines do not explain (an amount-only credit).
    Shipping and adjustments are sent in the base currency, as Magento reads them (§4.6);
    setting `shipping_includes_tax` (default true) says how the store enters shipping."""

    entity = "credit_note"
    reuse_existing = False
    kind = "credit note"
    path = "/creditmemos"

    def __init__(self, client: MagentoClient, settings: Settings = NO_SETTINGS) -> None:
        super().__init__(client, settings)
        self.shipping_includes_tax = bool(settings.get("shipping_includes_tax", True))

    async def create(self, record: CreditNote, links: dict[str, str]) -> Written:
        order = await self.order(record)
        if record.currency != order["order_currency_code"]:
            raise ConnectorError(
                ErrorClass.DATA,
                f"{self.marker(record)} is in {record.currency}, but Magento order "
                f"{order['increment_id']} is in {order['order_currency_code']}",
            )
        items = self.items(order, record, _to_refund)
        if record.lines and not items:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"the lines of {self.marker(record)} are already refunded in Magento order "
                f"{order['increment_id']}",
            )
        credited = record.shipping_with_tax
        shipping = credited.amount if credited else Decimal(0)
        adjustment = record.total.amount - _refund_value(order, items) - shipping
        if abs(adjustment) <= CENT * max(1, len(items)):
            adjustment = Decimal(0)  # the cents Magento's own share rounding leaves
        body = {
            # An empty list refunds everything still invoiced; a zero line refunds nothing.
            "items": items or [{"order_item_id": visible_items(order)[0]["item_id"], "qty": 0}],
            "notify": self.notify,
            "appendComment": True,
            "comment": self.comment(record),
            "arguments": {
                "shipping_amount": self._shipping(order, shipping),
                "adjustment_positive": to_base(order, max(adjustment, Decimal(0))),
                "adjustment_negative": to_base(order, max(-adjustment, Decimal(0))),
            },
        }
        memo_id = str(await self.client.post(f"/order/{order['entity_id']}/refund", body))
        return Written(memo_id, await self.client.get(f"/creditmemo/{memo_id}"))

    async def update(self, target_id: str, record: CreditNote, links: dict[str, str]) -> Written:
        return Written(target_id, await self.client.get(f"/creditmemo/{target_id}"))

    def _shipping(self, order: Record, amount: Decimal) -> Decimal:
        """The base-currency shipping to refund: the share `amount` is of what is left, so
        that all of it comes out exactly (0 must be sent: no value refunds all that is left)."""
        left = {
            prefix: dec(order.get(f"{prefix}shipping_amount"))
            - dec(order.get(f"{prefix}shipping_refunded"))
            + dec(order.get(f"{prefix}shipping_tax_amount"))
            - dec(order.get(f"{prefix}shipping_tax_refunded"))
            for prefix in ("", "base_")
        }
        if not amount or not left[""]:
            return to_base(order, amount)
        base = left["base_"]
        if not self.shipping_includes_tax:
            base -= dec(order.get("base_shipping_tax_amount")) - dec(
                order.get("base_shipping_tax_refunded")
            )
        return (base * amount / left[""]).quantize(CENT, ROUND_HALF_UP)


def _to_invoice(item: Record) -> Decimal:
    return dec(item["qty_ordered"]) - dec(item.get("qty_invoiced")) - dec(item.get("qty_canceled"))


def _to_refund(item: Record) -> Decimal:
    return dec(item.get("qty_invoiced")) - dec(item.get("qty_refunded"))


def _refund_value(order: Record, items: list[Record]) -> Decimal:
    """What Magento will refund for `items`: each unit's share of its line as paid."""
    by_id = {item["item_id"]: item for item in order["items"]}
    value = sum(
        (gross(by_id[i["order_item_id"]]) * i["qty"] / dec(by_id[i["order_item_id"]]["qty_ordered"])
         for i in items),
        Decimal(0),
    )  # fmt: skip
    return value.quantize(CENT, ROUND_HALF_UP)


def _quantities(lines: list[OrderLine]) -> dict[str, Decimal]:
    """Quantity per SKU; lines without one (freight, fees) are not order items."""
    quantities: dict[str, Decimal] = {}
    for line in lines:
        if line.sku:
            quantities[line.sku] = quantities.get(line.sku, Decimal(0)) + line.quantity
    return quantities


def _comments(document: Record) -> list[str]:
    return [(c.get("comment") or "").strip() for c in document.get("comments") or []]
