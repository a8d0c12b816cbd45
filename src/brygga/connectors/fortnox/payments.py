"""Captured shop payments as Fortnox invoice payments on the invoice of the order (§4.5)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.invoices import invoice_of_order
from brygga.connectors.fortnox.mapping import FORTNOX_TIME_ZONE
from brygga.connectors.fortnox.reading import number
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import CENT, Money, Payment, PaymentStatus

Record = dict[str, Any]


class PaymentWriter:
    """Settings: `mode_of_payment` (a code from `/3/modesofpayments`) and
    `mode_of_payment_account` (the bank account booked); unset, Fortnox's defaults apply.
    What gift cards and store credit paid (method "gift_card") is a payment by the mode of
    payment `gift_card_mode_of_payment` instead, booked to that mode's account (the liability
    of unredeemed gift cards, BAS 2421); that setting has no default here, the pair templates
    give it. Payments have no external reference field (§4.5): one is found again as a payment
    of the order's invoice of the same kind (by the gift-card mode or not) and amount, and an
    invoice already paid in full in Fortnox is not paid twice."""

    entity = "payment"
    reuse_existing = True

    def __init__(self, client: FortnoxClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings

    async def find(self, record: Payment) -> Written | None:
        invoice = await invoice_of_order(self.client, record.order_reference)
        payments = [p for p in await self._payments(invoice) if self._same_kind(p, record)]
        for payment in payments:
            if number(payment["AmountCurrency"]) == record.amount.amount:
                return Written(str(payment["Number"]), payment)
        if payments and number(invoice["Balance"]) == 0:
            return Written(str(payments[-1]["Number"]), payments[-1])
        return None

    async def create(self, record: Payment, links: dict[str, str]) -> Written:
        if record.status is not PaymentStatus.SUCCEEDED:
            raise ConnectorError(
                ErrorClass.DATA,
                f"payment {record.source_id} is {record.status}; only succeeded captures mark "
                "a Fortnox invoice paid",
            )
        self._mode(record)  # a gift-card payment without its mode is refused before any write
        invoice = await invoice_of_order(self.client, record.order_reference)
        balance = number(invoice["Balance"])
        # SEK totals are rounded to whole kronor, up or down, and the difference is `RoundOff`
        # (fortnox.md §6): the payment of the exact shop total, or of its rest, pays the
        # rounded balance. A shop's gift-card part comes first, so it is paid exactly.
        rounding = abs(number(invoice.get("RoundOff") or 0))
        if 0 < abs(record.amount.amount - balance) <= rounding:
            record = record.model_copy(update={"amount": Money.of(balance, record.amount.currency)})
        if balance == 0:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"invoice {invoice['DocumentNumber']} of shop order {record.order_reference} has "
                f"nothing left to pay in Fortnox (paid or credited); shop payment "
                f"{record.source_id} of {record.amount} needs a refund or a manual booking",
            )
        if record.amount.amount > balance:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"payment {record.source_id} of {record.amount} is more than the open balance "
                f"{balance} {invoice['Currency']} of invoice {invoice['DocumentNumber']} "
                f"(shop order {record.order_reference})",
            )
        body = {"InvoiceNumber": int(invoice["DocumentNumber"])} | self._fields(record, invoice)
        try:
            created = await self.client.post("/3/invoicepayments", {"InvoicePayment": body})
        except ConnectorError as error:
            raise self._explained(error, record) from error
        payment = created["InvoicePayment"]
        return Written(str(payment["Number"]), payment)

    async def update(self, target_id: str, record: Payment, links: dict[str, str]) -> Written:
        path = f"/3/invoicepayments/{target_id}"
        current = (await self.client.get(path))["InvoicePayment"]
        if current["Booked"]:
            raise ConnectorError(
                ErrorClass.CONFLICT,
                f"Fortnox payment {target_id} of shop payment {record.source_id} is booked and "
                "cannot change",
            )
        invoice = (await self.client.get(f"/3/invoices/{current['InvoiceNumber']}"))["Invoice"]
        body = {"InvoiceNumber": current["InvoiceNumber"]} | self._fields(record, invoice)
        try:
            updated = await self.client.put(path, {"InvoicePayment": body})
        except ConnectorError as error:
            raise self._explained(error, record) from error
        return Written(target_id, updated["InvoicePayment"])

    def _mode(self, record: Payment) -> tuple[str | None, str]:
        """The mode of payment of `record` (None: Fortnox's default) and its setting."""
        if not record.by_gift_card:
            return self.settings.get("mode_of_payment") or None, "mode_of_payment"
        mode = self.settings.get("gift_card_mode_of_payment")
        if not mode:
            raise ConnectorError(
                ErrorClass.DATA,
                f"shop payment {record.source_id} of {record.amount} was paid by gift card or "
                "store credit, and the setting gift_card_mode_of_payment names no Fortnox mode "
                "of payment for it; set it to the code of the mode of payment booked to the "
                "gift-card liability account (BAS 2421)",
            )
        return str(mode), "gift_card_mode_of_payment"

    def _same_kind(self, payment: Record, record: Payment) -> bool:
        """Both by the gift-card mode of payment, or both not."""
        mode = self.settings.get("gift_card_mode_of_payment")
        by_gift_card = bool(mode) and payment.get("ModeOfPayment") == mode
        return by_gift_card == record.by_gift_card

    def _explained(self, error: ConnectorError, record: Payment) -> ConnectorError:
        """Fortnox's refusal of a payment that names a mode of payment, with the setting that
        chose the mode: an unknown code is the likely cause."""
        mode, setting = self._mode(record)
        if error.error_class is not ErrorClass.DATA or mode is None:
            return error
        return ConnectorError(
            ErrorClass.DATA,
            f"{error.message}; shop payment {record.source_id} was sent with mode of payment "
            f"{mode} (setting {setting}): check that Fortnox has a mode of payment {mode}, or "
            "change the setting",
            status=error.status,
            code=error.code,
            payload=error.payload,
        )

    def _fields(self, record: Payment, invoice: Record) -> Record:
        """Amounts in the invoice currency and in SEK at the invoice's rate; the currency must
        match the invoice's, and the date may not precede the invoice date (§4.5)."""
        if record.amount.currency != invoice["Currency"]:
            raise ConnectorError(
                ErrorClass.DATA,
                f"payment {record.source_id} is in {record.amount.currency} but invoice "
                f"{invoice['DocumentNumber']} is in {invoice['Currency']}",
            )
        rate = number(invoice["CurrencyRate"]) / (number(invoice["CurrencyUnit"]) or 1)
        paid_on = record.paid_at.astimezone(FORTNOX_TIME_ZONE).date().isoformat()
        mode, _ = self._mode(record)
        # A gift-card payment is booked to its mode's own account, not the bank account.
        account = None if record.by_gift_card else self.settings.get("mode_of_payment_account")
        fields: Record = {
            "AmountCurrency": record.amount.amount,
            "Amount": (record.amount.amount * rate).quantize(CENT, ROUND_HALF_UP),
            "Currency": invoice["Currency"],
            "CurrencyRate": invoice["CurrencyRate"],
            "CurrencyUnit": invoice["CurrencyUnit"],
            "PaymentDate": max(paid_on, invoice["InvoiceDate"]),
            "ModeOfPayment": mode,
            "ModeOfPaymentAccount": account or None,
        }
        return {key: value for key, value in fields.items() if value is not None}

    async def _payments(self, invoice: Record) -> list[Record]:
        """The invoice's payments, read whole (list items lack `AmountCurrency`)."""
        payments = []
        params = {"invoicenumber": str(invoice["DocumentNumber"])}
        async for items in self.client.items("/3/invoicepayments", "InvoicePayments", **params):
            for item in items:
                if str(item["InvoiceNumber"]) == str(invoice["DocumentNumber"]):
                    path = f"/3/invoicepayments/{item['Number']}"
                    payments.append((await self.client.get(path))["InvoicePayment"])
        return payments
