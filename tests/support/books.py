"""What the posting harness (tests/support/posting.py) needs of an ERP's books beyond Brygga's
writers: its staff invoicing a posted order, and an invoice or credit note read back and summed
as the ERP booked it, with the connector's own reading code.

Amounts come out the way the shop sees them: a credit note's net, VAT and gross are positive.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Protocol

import httpx

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.reading import credit_note_from_fortnox, number
from brygga.connectors.fortnox.refunds import gross_by_rate as fortnox_gross_by_rate
from brygga.connectors.fortnox.totals import totals_of
from brygga.connectors.vismanet.documents import credit_note_from_visma
from brygga.connectors.vismanet.documents import gross_by_rate as vismanet_gross_by_rate
from brygga.connectors.vismanet.finance import invoice_of_order
from brygga.connectors.vismanet.options import Options
from brygga.engine.protocols import Settings
from brygga.model import CreditNote, Order
from brygga.model.totals import DocumentTotals

Record = dict[str, Any]
# A credit note as the stream maps it; its net, VAT per rate and gross; and its gross per VAT
# rate as booked, where that is not what it was sent (None: it is).
Read = tuple[CreditNote, DocumentTotals, dict[Decimal, Decimal] | None]


class Books(Protocol):
    def __init__(self, client: Any, settings: Settings, staff: httpx.AsyncClient) -> None: ...

    async def invoice(self, order: Order, target_id: str) -> Record:
        """Invoice the posted order `target_id` as the ERP's staff do; its invoice, read."""
        ...

    def shipping_apart(self, invoice: Record) -> bool:
        """Whether the ERP takes the VAT of shipping on its own, not with the rest of its rate:
        then a refund's shipping is credited so too."""
        ...

    def invoiced(
        self, invoice: Record, order: Order
    ) -> tuple[DocumentTotals, dict[Decimal, Decimal]]:
        """The invoice of `order`: its net, VAT per rate and gross, and its gross per VAT rate
        as a refund is weighed by it. Raises a DATA ConnectorError when the document does not
        add up."""
        ...

    async def credit_note(self, target_id: str, invoice: Record) -> Read:
        """The credit note as the credit-notes stream maps it, its net, VAT per rate and
        gross, and its gross per VAT rate as booked when that differs from what was sent."""
        ...


class FortnoxBooks:
    """Staff invoice an order with `PUT /3/orders/{n}/createinvoice` (fortnox.md §4.3). An
    invoice carries an order's header fields and VAT arithmetic, so the reconciliation's
    `totals_of` sums it too, its rows being `InvoiceRows`."""

    def __init__(self, client: Any, settings: Settings, staff: httpx.AsyncClient) -> None:
        self.client = client

    async def invoice(self, order: Order, target_id: str) -> Record:
        return (await self.client.put(f"/3/orders/{target_id}/createinvoice"))["Invoice"]

    def shipping_apart(self, invoice: Record) -> bool:
        return bool(number(invoice.get("Freight")))  # `FreightVAT` is its own (fortnox.md §4.2)

    def invoiced(
        self, invoice: Record, order: Order
    ) -> tuple[DocumentTotals, dict[Decimal, Decimal]]:
        # `Freight` carries the shipping at the shop's rate (the order mapping sees to it), which
        # `FreightVAT` cannot show on a freight of an öre or two.
        shipping = order.shipping
        freight_rate = shipping.tax_rate if shipping and self.shipping_apart(invoice) else None
        return _fortnox_totals(invoice), fortnox_gross_by_rate(invoice, freight_rate)

    async def credit_note(self, target_id: str, invoice: Record) -> Read:
        credit = (await self.client.get(f"/3/invoices/{target_id}"))["Invoice"]
        totals = _fortnox_totals(credit)
        credited = DocumentTotals(
            totals.currency,
            -totals.net,
            -totals.gross,
            {rate: -vat for rate, vat in totals.tax.items()},
            -totals.rounding,
        )
        # Rows VAT included book the gross per rate they are sent (fortnox.md §6).
        return credit_note_from_fortnox(credit), credited, None


def _fortnox_totals(document: Record) -> DocumentTotals:
    return totals_of(document | {"OrderRows": document["InvoiceRows"]})


class VismanetBooks:
    """Staff invoice the oldest open shop orders, this one among them: the sandbox's staff
    simulation (`/_sandbox/simulate` `invoice_orders`), since the API has no route that
    invoices a sales order (vismanet.md §4.10). A document's VAT per rate is Visma.net's own
    (`taxDetails`), checked against the connector's reading of it (`gross_by_rate`)."""

    def __init__(self, client: Any, settings: Settings, staff: httpx.AsyncClient) -> None:
        self.client = client
        self.staff = staff
        self.options = Options.of(settings)

    async def invoice(self, order: Order, target_id: str) -> Record:
        # The simulation's most; orders posted since the last call are far fewer.
        response = await self.staff.post("/_sandbox/simulate", json={"invoice_orders": 1000})
        response.raise_for_status()
        return await invoice_of_order(self.client, order.number)

    def shipping_apart(self, invoice: Record) -> bool:
        return False  # freight is a line at its VAT category

    def invoiced(
        self, invoice: Record, order: Order
    ) -> tuple[DocumentTotals, dict[Decimal, Decimal]]:
        return self._totals(invoice), vismanet_gross_by_rate(invoice, self.options)

    async def credit_note(self, target_id: str, invoice: Record) -> Read:
        note = await self.client.get(f"/v1/customerCreditNote/{target_id}")
        totals, booked = self._totals(note), self._booked(note)
        return credit_note_from_visma(note, invoice, self.options), totals, booked

    def _booked(self, document: Record) -> dict[Decimal, Decimal]:
        """Net plus VAT per rate: a cent the net at a rate could not carry is on the rounding
        item at 0 % (brygga.connectors.vismanet.documents)."""
        gross: dict[Decimal, Decimal] = defaultdict(Decimal)
        for detail in document["taxDetails"]:
            amounts = Decimal(detail["taxableAmount"]), Decimal(detail["vatAmount"])
            gross[Decimal(detail["vatRate"])] += sum(amounts, Decimal(0))
        return dict(gross)

    def _totals(self, document: Record) -> DocumentTotals:
        tax: dict[Decimal, Decimal] = defaultdict(Decimal)
        for detail in document["taxDetails"]:
            tax[Decimal(detail["vatRate"])] += Decimal(detail["vatAmount"])
        gross = Decimal(document["amountInCurrency"])
        read = vismanet_gross_by_rate(document, self.options)
        ours = self._booked(document)
        if sum(ours.values(), Decimal(0)) != gross or _nonzero(read) != _nonzero(ours):
            raise ConnectorError(
                ErrorClass.DATA,
                f"Visma.net document {document['referenceNumber']} of {gross}: its taxDetails "
                f"give {ours} gross per VAT rate, the connector reads {read}",
            )
        return DocumentTotals(document["currencyId"], gross - sum(tax.values()), gross, dict(tax))


def _nonzero(amounts: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
    return {rate: amount for rate, amount in amounts.items() if amount}


BOOKS: dict[str, type[Books]] = {"fortnox": FortnoxBooks, "vismanet": VismanetBooks}
