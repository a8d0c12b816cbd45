"""ERP invoices and credit notes reflected on Centra orders (centra.md §4.2–§4.4, §4.10).

Centra has no invoice or credit-note objects to write (§4.4). An ERP invoice means the goods
went out and the money is due, so it becomes a shipment of the invoiced lines, captured and
shipped (settings `capture` and `ship`); a credit note becomes a return of the credited lines.
The ERP number is kept in the ID-conversion table (§4.10): it is the one place Centra keeps
another system's keys, per integration and object type, and it finds them again by that key.
Invoice numbers are entries of object type Shipment, credit-note numbers of type Return.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.lookups import Lookups
from brygga.connectors.centra.mutations import (
    CAPTURE_SHIPMENT,
    COMPLETE_RETURN,
    COMPLETE_SHIPMENT,
    CREATE_RETURN,
    CREATE_SHIPMENT,
    SET_ID_CONVERSIONS,
)
from brygga.connectors.centra.queries import ORDER_FULFILMENT
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import CreditNote, Invoice, OrderLine


async def _order(client: CentraClient, reference: str, document: str) -> dict[str, Any]:
    """The Centra order a document's shop order number names (its `number`, §4.10)."""
    if not reference.strip().isdigit():
        raise ConnectorError(
            ErrorClass.DATA,
            f"{document} has shop order reference {reference!r}, which is not a Centra order "
            "number",
        )
    orders = (await client.query(ORDER_FULFILMENT, {"number": int(reference)}))["orders"]
    if not orders:
        raise ConnectorError(
            ErrorClass.NOT_FOUND,
            f"Centra has no order {reference} (or it is on hold) for {document}",
        )
    return orders[0]


def _units(lines: list[OrderLine], order: dict[str, Any], document: str) -> Counter[str]:
    """Whole units per SKU of the lines that are items of the order; other lines (shipping,
    fees) have no counterpart on a Centra shipment or return."""
    skus = {(line["productSize"] or {}).get("SKU") for line in order["lines"]}
    units: Counter[str] = Counter()
    for line in lines:
        if line.sku not in skus:
            continue
        if line.quantity != line.quantity.to_integral_value():
            raise ConnectorError(
                ErrorClass.DATA, f"{document}: {line.quantity} of {line.sku} is not whole units"
            )
        units[line.sku] += int(line.quantity)
    if not units:
        raise ConnectorError(
            ErrorClass.DATA,
            f"none of the articles of {document} are items of Centra order {order['number']}",
        )
    return units


async def _link(client: CentraClient, object_type: str, internal_id: int, number: str) -> None:
    entry = {"objectType": object_type, "internalId": internal_id, "externalId": number}
    await client.mutate(SET_ID_CONVERSIONS, {"input": [entry]}, "setIdConversions")


def _sku_of(order: dict[str, Any]) -> dict[int, str]:
    return {line["id"]: (line["productSize"] or {}).get("SKU") or "" for line in order["lines"]}


class InvoiceWriter:
    """ERP invoices as Centra shipments, found again by the invoice number. The target id is
    the shipment id.

    The invoiced units not yet on a shipment get a new shipment, captured (setting `capture`,
    default true) and shipped (setting `ship`, default true; `send_email`, default false, has
    Centra mail the customer). When the shop already put every invoiced unit on shipments,
    the invoice is linked to the first of them, which is captured and shipped only where that
    is not done yet: nothing is done twice."""

    entity = "invoice"
    reuse_existing = True

    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.lookups = Lookups(client)

    async def find(self, record: Invoice) -> Written | None:
        shipment_id = await self.lookups.internal_id("Shipment", record.number)
        return None if shipment_id is None else Written(str(shipment_id), {"shipment": shipment_id})

    async def create(self, record: Invoice, links: dict[str, str]) -> Written:
        document = f"ERP invoice {record.number}"
        order = await _order(self.client, record.order_reference, document)
        wanted = _units(record.lines, order, document)
        capture = bool(self.settings.get("capture", True))
        ship = bool(self.settings.get("ship", True))
        on_shipments: Counter[int] = Counter()  # by order line
        for shipment in order["shipments"]:
            for item in shipment["lines"]:
                on_shipments[item["orderLine"]["id"]] += item["quantity"]
        lines = []
        for line in order["lines"]:
            sku = (line["productSize"] or {}).get("SKU")
            units = min(wanted[sku], line["quantity"] - on_shipments[line["id"]])
            if units > 0:
                lines.append({"orderLine": {"id": line["id"]}, "quantity": units})
                wanted[sku] -= units
        if lines:
            shipment = await self._new_shipment(order, lines, capture, ship)
        else:
            shipment = await self._existing_shipment(order, record, capture, ship)
        await _link(self.client, "Shipment", shipment["id"], record.number)
        return Written(str(shipment["id"]), {"order": order["number"], "shipment": shipment})

    async def update(self, target_id: str, record: Invoice, links: dict[str, str]) -> Written:
        # A shipment once captured and shipped stays so; a changed ERP invoice (booked, paid)
        # changes nothing in Centra.
        return Written(target_id, {"shipment": int(target_id)})

    async def _new_shipment(
        self, order: dict[str, Any], lines: list[dict[str, Any]], capture: bool, ship: bool
    ) -> dict[str, Any]:
        shipment: dict[str, Any] = {
            "order": {"number": order["number"]},
            "lines": lines,
            "isGoodToGo": True,
            "capture": capture,
            "sendEmail": bool(self.settings.get("send_email", False)),
        }
        if ship:
            shipment["shippedAt"] = "now"  # relative times are accepted here (§3.3)
        payload = await self.client.mutate(CREATE_SHIPMENT, {"input": shipment}, "createShipment")
        return payload["shipment"]

    async def _existing_shipment(
        self, order: dict[str, Any], record: Invoice, capture: bool, ship: bool
    ) -> dict[str, Any]:
        skus, invoiced = _sku_of(order), {line.sku for line in record.lines}
        shipment = next(
            (
                s
                for s in order["shipments"]
                if any(skus[item["orderLine"]["id"]] in invoiced for item in s["lines"])
            ),
            None,
        )
        if shipment is None:  # every unit is on shipments, none of them invoiced ones
            raise ConnectorError(
                ErrorClass.DATA,
                f"ERP invoice {record.number}: its articles are on no shipment of Centra "
                f"order {order['number']}",
            )
        if capture and not shipment["isCaptured"]:
            await self.client.mutate(CAPTURE_SHIPMENT, {"id": shipment["id"]}, "captureShipment")
        if ship and not shipment["isShipped"]:
            completion = {"sendEmail": bool(self.settings.get("send_email", False))}
            variables = {"id": shipment["id"], "input": completion}
            await self.client.mutate(COMPLETE_SHIPMENT, variables, "completeShipment")
        return {"id": shipment["id"], "number": shipment["number"]}


class CreditNoteWriter:
    """ERP credit notes as Centra returns of the credited units, found again by the credit
    note number. The target id is the return id, which is also the id the refunds stream
    reads it by, so the return is not sent back to the ERP as a refund.

    A return belongs to one shipped shipment (§4.3): the invoice's shipment when the credit
    note names an invoice Brygga linked, else the first shipped shipment that holds all the
    credited units. Credited shipping is paid back with the return. Units go back to stock
    only with setting `restock` (default false: the ERP, which sends stock levels, decides);
    the return is completed unless setting `complete_return` is false.

    Centra's GraphQL API cannot refund money (§4.3): the refund itself is made in Centra's
    admin or the payment provider."""

    entity = "credit_note"
    reuse_existing = True

    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.lookups = Lookups(client)

    async def find(self, record: CreditNote) -> Written | None:
        return_id = await self.lookups.internal_id("Return", record.number)
        return None if return_id is None else Written(str(return_id), {"return": return_id})

    async def create(self, record: CreditNote, links: dict[str, str]) -> Written:
        document = f"ERP credit note {record.number}"
        order = await _order(self.client, record.order_reference, document)
        wanted = _units(record.lines, order, document)
        shipment, lines = await self._shipment(order, record, wanted)
        returned: dict[str, Any] = {
            "shipment": {"id": shipment["id"]},
            "lines": lines,
            "comment": f"Credit note {record.number}",
            "returnStockActionPolicy": (
                {"releaseItemsBackToWarehouse": True}
                if self.settings.get("restock", False)
                else {"removeItemsFromStock": True}
            ),
        }
        amount = record.shipping_with_tax
        if amount is not None and amount.amount > 0:
            returned["shippingCost"] = {
                "value": {"value": amount.amount, "currencyIsoCode": amount.currency}
            }
        payload = await self.client.mutate(CREATE_RETURN, {"input": returned}, "createReturn")
        return_id = int(payload["return"]["id"])
        # Linked before completing, so a run that stops in between finds this return.
        await _link(self.client, "Return", return_id, record.number)
        status = payload["return"]["status"]
        if self.settings.get("complete_return", True):
            done = await self.client.mutate(COMPLETE_RETURN, {"id": return_id}, "completeReturn")
            status = done["return"]["status"]
        body = {"order": order["number"], "shipment": shipment["id"], "status": status}
        return Written(str(return_id), {"return": return_id, **body})

    async def update(self, target_id: str, record: CreditNote, links: dict[str, str]) -> Written:
        # A return cannot be edited through the API; the ERP corrects with a new credit note.
        return Written(target_id, {"return": int(target_id)})

    async def _shipment(
        self, order: dict[str, Any], record: CreditNote, wanted: Counter[str]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The shipment to return the units on, and the return lines."""
        preferred = None
        if record.invoice_reference:
            preferred = await self.lookups.internal_id("Shipment", record.invoice_reference)
        skus = _sku_of(order)
        # Units of each order line not returned yet: returns of a shipment come from its
        # shipped units, and Centra refuses a return of more than that.
        left = {
            line["id"]: line["shippedQuantity"] - line["returnedQuantity"]
            for line in order["lines"]
        }
        shipped = sorted(
            (s for s in order["shipments"] if s["isShipped"]),
            key=lambda s: s["id"] != preferred,
        )
        for shipment in shipped:
            lines, needed = [], Counter(wanted)
            for item in shipment["lines"]:
                line_id = item["orderLine"]["id"]
                units = min(needed[skus[line_id]], item["quantity"], left[line_id])
                if units > 0:
                    lines.append({"shipmentLine": {"id": item["id"]}, "quantity": units})
                    needed[skus[line_id]] -= units
            if not +needed:
                return shipment, lines
        credited = ", ".join(f"{units} × {sku}" for sku, units in sorted(wanted.items()))
        raise ConnectorError(
            ErrorClass.DATA,
            f"ERP credit note {record.number}: no shipped shipment of Centra order "
            f"{order['number']} has {credited} left to return; a Centra return belongs to one "
            "shipment, so ship the goods first or credit each shipment separately",
        )
