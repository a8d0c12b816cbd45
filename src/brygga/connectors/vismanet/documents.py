"""Customer invoices, credit notes and payments ↔ the canonical model (§4.5–§4.7).

An invoice belongs to a shop order when it was made from a sales order (its lines carry
`soOrderNbr`) and it carries the order's customer order number, which Brygga set to the shop
order number, in `externalReference` (or `customerRefNumber`). Document prices exclude VAT.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from brygga.connectors.vismanet.client import dto, lines
from brygga.connectors.vismanet.mapping import gross, money
from brygga.connectors.vismanet.options import Options
from brygga.model import CreditNote, Invoice, Money, OrderLine, Payment, Refund, Shipping

RELEASED = ("Open", "Closed", "Voided")  # posted; Hold and Balanced may still change (§4.5)


def order_reference(document: dict[str, Any]) -> str:
    """The shop order number of an invoice made from a sales order, else ""."""
    from_order = any(line.get("soOrderNbr") for line in document.get("invoiceLines") or [])
    if not from_order:
        return ""
    return document.get("externalReference") or document.get("customerRefNumber") or ""


def invoice_from_visma(document: dict[str, Any], options: Options) -> Invoice:
    currency = document["currencyId"]
    items, shipping = _lines(document, "invoiceLines", options)
    return Invoice(
        source_id=document["referenceNumber"],
        number=document["referenceNumber"],
        order_reference=order_reference(document),
        customer_reference=(document.get("customer") or {}).get("number", ""),
        issued_on=_day(document["documentDate"]),
        due_on=_day(document["documentDueDate"]) if document.get("documentDueDate") else None,
        currency=currency,
        exchange_rate=Decimal(document.get("exchangeRate") or 1),
        prices_include_tax=False,
        lines=items,
        shipping=shipping,
        total=Money(amount=Decimal(document["amountInCurrency"]), currency=currency),
        cancelled=document["status"] == "Voided",
    )


def credited_invoices(note: dict[str, Any]) -> list[str]:
    """The invoices a released credit note was applied to (`applications`, §4.6)."""
    return [
        str(entry["refNbr"])
        for entry in note.get("applications") or []
        if entry.get("docType") == "Invoice" and entry.get("refNbr")
    ]


def credit_note_from_visma(
    note: dict[str, Any], invoice: dict[str, Any], options: Options
) -> CreditNote:
    currency = note["currencyId"]
    items, shipping = _lines(note, "lines", options)
    return CreditNote(
        source_id=note["referenceNumber"],
        number=note["referenceNumber"],
        invoice_reference=invoice["referenceNumber"],
        order_reference=order_reference(invoice),
        issued_on=_day(note["documentDate"]),
        currency=currency,
        prices_include_tax=False,
        lines=items,
        shipping=shipping,
        total=Money(amount=Decimal(note["amountInCurrency"]), currency=currency),
    )


def rates(document: dict[str, Any], options: Options) -> dict[str, Decimal]:
    """The VAT rate each VAT category of a document's lines got: the document's only rate when
    it has one (a zone may turn every category into 0 %), else the categories' own rates."""
    found = {Decimal(entry["vatRate"]) for entry in document.get("taxDetails") or []}
    categories = {
        (line.get("vatCode") or {}).get("id", "")
        for key in ("invoiceLines", "lines")
        for line in document.get(key) or []
    }
    if len(found) == 1:
        return dict.fromkeys(categories, found.pop())
    return {category: options.rate_of(category) or Decimal(0) for category in categories}


def _lines(
    document: dict[str, Any], key: str, options: Options
) -> tuple[list[OrderLine], Shipping | None]:
    """Item lines as order lines; lines without an item (freight, fees) as shipping. The
    rounding item's line is bookkeeping (cents in the total), not something the shop sold."""
    currency = document["currencyId"]
    by_category = rates(document, options)
    items, other = [], []
    for line in document.get(key) or []:
        if line.get("inventoryNumber") == options.rounding_item:
            continue
        rate = by_category.get((line.get("vatCode") or {}).get("id", ""), Decimal(0))
        amount = Decimal(line["amountInCurrency"])
        if not line.get("inventoryNumber"):
            other.append((line, amount, rate))
            continue
        quantity = Decimal(line["quantity"])
        listed = Decimal(line["unitPriceInCurrency"])
        items.append(
            OrderLine(
                source_id=str(line["lineNumber"]),
                sku=line["inventoryNumber"],
                description=line.get("description") or line["inventoryNumber"],
                quantity=quantity,
                unit_price=Money(amount=amount / quantity, currency=currency),
                unit_list_price=Money(amount=listed, currency=currency),
                tax_rate=rate,
            )
        )
    shipping = None
    if other:
        total = sum((amount for _, amount, _ in other), Decimal(0))
        shipping = Shipping(
            description=other[0][0].get("description") or "Shipping",
            amount=Money(amount=total, currency=currency),
            tax_rate=other[0][2],
        )
    return items, shipping


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


# --- shop refunds → credit notes (§4.6) -----------------------------------------------------


def credit_note_for_refund(
    refund: Refund, invoice: dict[str, Any], options: Options
) -> dict[str, Any]:
    """A credit note for the customer of `invoice`, lines by SKU and quantity at the invoice's
    VAT categories; refunded amounts include VAT (shops refund what the customer paid)."""
    by_category = rates(invoice, options)
    categories = {
        line["inventoryNumber"]: (line.get("vatCode") or {}).get("id", "")
        for line in invoice.get("invoiceLines") or []
        if line.get("inventoryNumber")
    }
    rows = []
    for line in refund.lines:
        category = categories.get(line.sku) or options.category(None)
        rate = by_category.get(category, Decimal(0))
        amount = money(line.amount.amount / (1 + rate / 100))
        rows.append(
            {
                "inventoryNumber": line.sku,
                "quantity": line.quantity,
                "unitPriceInCurrency": (amount / line.quantity).quantize(Decimal("0.0001")),
                "manualAmountInCurrency": amount,
                "vatCodeId": category,
            }
        )
    if refund.shipping is not None and refund.shipping.amount:
        rows.append(_amount_line("Shipping refund", refund.shipping.amount, invoice, options))
    if not rows:  # an amount-only refund: spread over the invoice's VAT categories
        rows = _spread_amount(refund, invoice, by_category)
    header = {
        "customerNumber": invoice["customer"]["number"],
        "currencyId": refund.total.currency,
        "documentDate": refund.created_at.astimezone(options.zone).date().isoformat(),
        "externalReference": refund.order_reference,
        # The shop refund id is how Brygga finds this credit note again (§4.6).
        "customerRefNumber": refund.source_id,
        "invoiceText": f"Refund {refund.source_id} of invoice {invoice['referenceNumber']}",
    }
    if invoice.get("exchangeRate"):
        header["exchangeRate"] = Decimal(invoice["exchangeRate"])
    return dto(header) | {"lines": lines(rows)}


def _amount_line(
    text: str, amount: Decimal, invoice: dict[str, Any], options: Options
) -> dict[str, Any]:
    """A line without item, at the VAT category of the invoice's freight (else its first
    line)."""
    invoiced = invoice.get("invoiceLines") or []
    freight = [line for line in invoiced if not line.get("inventoryNumber")] or invoiced
    category = (freight[0].get("vatCode") or {}).get("id") if freight else None
    category = category or options.category(None)
    rate = rates(invoice, options).get(category) or options.rate_of(category) or Decimal(0)
    value = money(amount / (1 + rate / 100))
    return {"description": text, "quantity": Decimal(1), "unitPriceInCurrency": value,
            "vatCodeId": category}  # fmt: skip


def _spread_amount(
    refund: Refund, invoice: dict[str, Any], by_category: dict[str, Decimal]
) -> list[dict[str, Any]]:
    """The refund's total split over the invoice's VAT categories in proportion to their
    gross amounts, so that the VAT credited matches the VAT invoiced."""
    weights: dict[str, Decimal] = {}
    for line in invoice.get("invoiceLines") or []:
        category = (line.get("vatCode") or {}).get("id", "")
        rate = by_category.get(category, Decimal(0))
        weights[category] = weights.get(category, Decimal(0)) + gross(
            Decimal(line["amountInCurrency"]), rate
        )
    whole = sum(weights.values(), Decimal(0)) or Decimal(1)
    left, rows = refund.total.amount, []
    for position, (category, weight) in enumerate(sorted(weights.items())):
        share = (
            left if position == len(weights) - 1 else money(refund.total.amount * weight / whole)
        )
        left -= share
        value = money(share / (1 + by_category.get(category, Decimal(0)) / 100))
        rows.append({"description": f"Refund {refund.source_id}", "quantity": Decimal(1),
                     "unitPriceInCurrency": value, "vatCodeId": category})  # fmt: skip
    return rows


def application(invoice: dict[str, Any], amount: Decimal | None = None) -> list[dict[str, Any]]:
    row: dict[str, Any] = {"documentType": "Invoice", "refNbr": invoice["referenceNumber"]}
    if amount is not None:
        row["amountPaid"] = amount
    return lines([row])


# --- captured payments → customer payments (§4.7) -------------------------------------------


def payment_to_visma(payment: Payment, invoice: dict[str, Any], options: Options) -> dict[str, Any]:
    applied = min(payment.amount.amount, Decimal(invoice["balanceInCurrency"]))
    header = {
        "type": "Payment",
        "customer": invoice["customer"]["number"],
        "applicationDate": payment.paid_at.astimezone(options.zone).date().isoformat(),
        # The shop's payment id (PSP reference) is how Brygga finds this payment again.
        "paymentRef": payment.source_id[:40],
        "paymentMethod": options.payment_method,
        "currency": payment.amount.currency,
        "paymentAmount": payment.amount.amount,
        "invoiceText": f"Shop payment for order {payment.order_reference}"[:150],
    }
    if options.cash_account:
        header["cashAccount"] = options.cash_account
    row = {"documentType": "Invoice", "refNbr": invoice["referenceNumber"], "amountPaid": applied}
    return dto(header) | {"paymentLines": lines([row])}
