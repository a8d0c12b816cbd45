"""Shop refunds → customer credit notes, captured payments → customer payments (§4.6, §4.7),
both against the Visma.net invoice of the shop order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.client import VismanetClient, dto, lines
from brygga.connectors.vismanet.documents import (
    RELEASED,
    application,
    credit_note_for_refund,
    gross_by_rate,
    payment_to_visma,
    rates,
)
from brygga.connectors.vismanet.mapping import money
from brygga.connectors.vismanet.options import Options
from brygga.engine.finance import rate_key
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import Payment, PaymentStatus, Refund

INVOICES = "/v1/customerinvoice"
CREDIT_NOTES = "/v1/customerCreditNote"
PAYMENTS = "/v1/customerPayment"


async def invoice_of_order(client: VismanetClient, order_number: str) -> dict[str, Any]:
    """The released invoice of a shop order, found by the shop order number that invoices
    carry from the sales order (§4.5); an open one with a balance first."""
    found: list[dict[str, Any]] = []
    for field in ("externalReference", "customerRefNumber"):
        # Match semantics of these filters are unconfirmed (§8): compare exactly.
        async for page in client.pages(INVOICES, **{field: order_number}):
            found += [doc for doc in page if doc.get(field) == order_number]
        if found:
            break
    released = [doc for doc in found if doc["status"] in RELEASED and doc["status"] != "Voided"]
    if not released:
        waiting = " (its invoice is not released yet)" if found else ""
        raise ConnectorError(
            ErrorClass.NOT_FOUND,
            f"Visma.net has no released invoice for shop order {order_number} yet{waiting}; "
            "invoice and release the order in Visma.net first",
        )
    released.sort(key=lambda doc: (Decimal(doc["balanceInCurrency"]) <= 0, doc["referenceNumber"]))
    return await client.get(f"{INVOICES}/{released[0]['referenceNumber']}")


def _open_balance(invoice: dict[str, Any]) -> Decimal:
    return Decimal(invoice["balanceInCurrency"]) if invoice["status"] == "Open" else Decimal(0)


class _Writer:
    def __init__(self, client: VismanetClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.options = Options.of(settings)


class RefundWriter(_Writer):
    """One credit note per refund, applied to the order's invoice while it has a balance; the
    shop refund id is in `customerRefNumber`, the shop order number in `externalReference`.
    The order's refunds together never credit more than its invoice.

    A credit note is in the invoice's VAT zone, at the VAT categories the invoice charged its
    rates in (under OSS the destination country's, not the customer card's). A first refund of
    the whole invoice credits it line for line, as Fortnox's full credit does: the invoice's
    rounding line may be negative, and a split of the total over the positive rates would
    then take back a cent more or less VAT than was charged."""

    entity = "refund"
    reuse_existing = False

    async def find(self, record: Refund) -> Written | None:
        async for page in self.client.pages(CREDIT_NOTES, customerRefNumber=record.source_id):
            for note in page:
                if note.get("customerRefNumber") == record.source_id:
                    return Written(str(note["referenceNumber"]), note)
        return None

    async def create(self, record: Refund, links: dict[str, str]) -> Written:
        invoice = await invoice_of_order(self.client, record.order_reference)
        body = self._credit_note(record, invoice, await self._credited(record, invoice))
        balance = _open_balance(invoice)
        if balance > 0:  # a paid invoice takes no credit: the note stays open for a payout
            body["applicationLines"] = application(invoice)
        number = await self.client.create("/v2/customerCreditNote", body)
        path = f"{CREDIT_NOTES}/{number}"
        note = await self.client.get(path)
        if balance > 0 and Decimal(note["balanceInCurrency"]) > balance:
            capped = application(invoice, balance)[0] | {"operation": "Update"}
            await self.client.put(path, {"applicationLines": [capped]})
        if self.options.release_documents:
            await self.client.action(f"{path}/action/release")
        return Written(number, await self.client.get(path))

    async def update(self, target_id: str, record: Refund, links: dict[str, str]) -> Written:
        path = f"{CREDIT_NOTES}/{target_id}"
        note = await self.client.get(path)
        if note["status"] in RELEASED:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"credit note {target_id} for shop refund {record.source_id} is released in "
                "Visma.net and cannot change; correct it there",
            )
        invoice = await invoice_of_order(self.client, record.order_reference)
        body = self._credit_note(record, invoice, await self._credited(record, invoice))
        removed = [{"lineNumber": line["lineNumber"]} for line in note.get("lines") or []]
        body["lines"] = lines(removed, "Delete") + body["lines"]
        await self.client.put(path, body)
        return Written(target_id, await self.client.get(path))

    def _credit_note(
        self, record: Refund, invoice: dict[str, Any], credited: dict[Decimal, Decimal]
    ) -> dict[str, Any]:
        options = _invoice_options(invoice, self.options)
        if not credited and record.total.amount == money(Decimal(invoice["amountInCurrency"])):
            whole = record.model_copy(update={"lines": [], "shipping": None})
            body = credit_note_for_refund(whole, invoice, options) | {
                "lines": lines(_invoice_lines(invoice))
            }
        else:
            body = credit_note_for_refund(record, invoice, options, credited)
        zone = (invoice.get("customerVatZone") or {}).get("id")
        return body | dto({"customerVatZoneId": zone}) if zone else body

    async def _credited(self, record: Refund, invoice: dict[str, Any]) -> dict[Decimal, Decimal]:
        """The gross per VAT rate the order's other credit notes took back (they carry the
        shop order number in `externalReference`, as Brygga writes them); a DATA error when
        the refund is more than what they left of the invoice."""
        credited: dict[Decimal, Decimal] = defaultdict(Decimal)
        others = []
        # `taxDetails` tell a zone's single rate from the categories' own (`rates`).
        params = {"externalReference": record.order_reference, "expandTaxDetails": "true"}
        async for page in self.client.pages(CREDIT_NOTES, **params):
            for note in page:
                if (
                    note.get("externalReference") == record.order_reference
                    and note.get("customerRefNumber") != record.source_id
                    and note["status"] != "Voided"
                ):
                    others.append(str(note["referenceNumber"]))
                    for rate, gross in gross_by_rate(note, self.options).items():
                        credited[rate] += gross
        invoiced = money(Decimal(invoice["amountInCurrency"]))
        taken = money(sum(credited.values(), Decimal(0)))
        if record.total.amount > invoiced - taken:
            earlier = f" and credit notes {', '.join(others)} took back {taken}" if others else ""
            raise ConnectorError(
                ErrorClass.DATA,
                f"refund {record.source_id} of {record.total} is more than the "
                f"{invoiced - taken} left to credit on invoice {invoice['referenceNumber']} of "
                f"shop order {record.order_reference}: the invoice is for {invoiced}{earlier}; "
                "check the refund in the shop",
            )
        return dict(credited)


def _invoice_options(invoice: dict[str, Any], options: Options) -> Options:
    """`options` with the VAT category the invoice used for each of its rates."""
    used = {
        rate_key(rate): category for category, rate in rates(invoice, options).items() if category
    }
    return replace(options, vat_categories=options.vat_categories | used)


def _invoice_lines(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """The invoice's lines as credit-note lines: the same nets at the same VAT categories."""
    rows = []
    for line in invoice.get("invoiceLines") or []:
        row = {
            "description": line.get("description") or "Credit",
            "quantity": Decimal(line["quantity"]),
            "unitPriceInCurrency": Decimal(line["unitPriceInCurrency"]),
            "manualAmountInCurrency": Decimal(line["amountInCurrency"]),
            "vatCodeId": line["vatCode"]["id"],
        }
        if line.get("inventoryNumber"):
            row["inventoryNumber"] = line["inventoryNumber"]
        rows.append(row)
    return rows


class PaymentWriter(_Writer):
    """Customer payments applied to the order's invoice and released; the shop's payment id
    is the payment's `paymentRef` (§4.7). What gift cards and store credit paid (method
    "gift_card") is paid by the payment method `gift_card_payment_method` and the cash account
    `gift_card_cash_account` (empty: the method's own), e.g. one posted to the liability of
    unredeemed gift cards (BAS 2421); the method has no default here, the pair templates give
    it."""

    entity = "payment"
    reuse_existing = False

    async def find(self, record: Payment) -> Written | None:
        try:
            invoice = await invoice_of_order(self.client, record.order_reference)
        except ConnectorError as error:
            if error.error_class is ErrorClass.NOT_FOUND:
                return None  # no invoice, so no payment was applied to one
            raise
        reference = record.source_id[:40]
        params = {"invoiceRefNbr": invoice["referenceNumber"]}
        async for page in self.client.pages(PAYMENTS, **params):
            for payment in page:
                if payment.get("paymentRef") == reference:
                    return Written(str(payment["refNbr"]), payment)
        return None

    async def create(self, record: Payment, links: dict[str, str]) -> Written:
        if record.status is not PaymentStatus.SUCCEEDED:
            raise ConnectorError(
                ErrorClass.DATA,
                f"shop payment {record.source_id} is {record.status}; only captured payments "
                "are booked in Visma.net",
            )
        invoice = await invoice_of_order(self.client, record.order_reference)
        if _open_balance(invoice) <= 0:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"invoice {invoice['referenceNumber']} of shop order {record.order_reference} "
                "has nothing left to pay in Visma.net; check it there",
            )
        body = self._body(record, invoice)
        try:
            number = await self.client.create(PAYMENTS, body)
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA or not record.by_gift_card:
                raise
            account = self.settings.get("gift_card_cash_account") or "the method's own"
            raise ConnectorError(
                ErrorClass.DATA,
                f"{error.message}; gift-card payment {record.source_id} was sent with payment "
                f"method {body['paymentMethod']['value']} (setting gift_card_payment_method) and "
                f"cash account {account} (setting gift_card_cash_account): check both in "
                "Visma.net, or change the settings",
                status=error.status,
                code=error.code,
                payload=error.payload,
            ) from error
        path = f"{PAYMENTS}/{number}"
        if self.options.release_documents:
            await self.client.action(f"{path}/action/release", dto({"type": "Payment"}))
        return Written(number, await self.client.get(path))

    async def update(self, target_id: str, record: Payment, links: dict[str, str]) -> Written:
        payment = await self.client.get(f"{PAYMENTS}/{target_id}")
        if Decimal(payment["paymentAmount"]) != record.amount.amount:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"payment {target_id} in Visma.net is for {payment['paymentAmount']}, shop "
                f"payment {record.source_id} is now {record.amount}; correct it in Visma.net",
            )
        return Written(target_id, payment)

    def _body(self, record: Payment, invoice: dict[str, Any]) -> dict[str, Any]:
        """The payment; a gift-card one with the gift cards' payment method and cash account
        instead of the card payments'."""
        body = payment_to_visma(record, invoice, self.options)
        if not record.by_gift_card:
            return body
        method = self.settings.get("gift_card_payment_method")
        if not method:
            raise ConnectorError(
                ErrorClass.DATA,
                f"shop payment {record.source_id} of {record.amount} was paid by gift card or "
                "store credit, and the setting gift_card_payment_method names no Visma.net "
                "payment method for it; set it to the payment method of gift cards (posted to "
                "the gift-card liability account, BAS 2421)",
            )
        body.pop("cashAccount", None)
        account = self.settings.get("gift_card_cash_account")
        means = {"paymentMethod": str(method)} | ({"cashAccount": str(account)} if account else {})
        return body | dto(means)
