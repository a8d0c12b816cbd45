"""Customer invoices, credit notes and payments ↔ the canonical model (§4.5–§4.7).

An invoice belongs to a shop order when it was made from a sales order (its lines carry
`soOrderNbr`) and it carries the order's customer order number, which Brygga set to the shop
order number, in `externalReference` (or `customerRefNumber`). Document prices exclude VAT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.vismanet.client import dto, lines
from brygga.connectors.vismanet.mapping import money
from brygga.connectors.vismanet.options import Options
from brygga.engine.finance import (
    FinanceError,
    erp_vat,
    erp_vat_in,
    nearest_net_with_vat,
    split_refund,
)
from brygga.engine.finance.apportion import apportion
from brygga.model import (
    CreditNote,
    Invoice,
    Money,
    OrderLine,
    Payment,
    Refund,
    Shipping,
    ShippingPart,
)

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
    """Item lines as order lines; lines without an item (freight, fees) and lines of the
    shipping item as shipping, a part per VAT rate where there are several. The rounding
    item's line is bookkeeping (cents in the total), not something the shop sold."""
    currency = document["currencyId"]
    by_category = rates(document, options)
    items, other = [], []
    for line in document.get(key) or []:
        if line.get("inventoryNumber") == options.rounding_item:
            continue
        rate = by_category.get((line.get("vatCode") or {}).get("id", ""), Decimal(0))
        amount = Decimal(line["amountInCurrency"])
        if line.get("inventoryNumber") in ("", None, options.shipping_item):
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
        by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
        for _, amount, rate in other:
            by_rate[rate] += amount
        parts = [
            ShippingPart(tax_rate=rate, amount=Money(amount=amount, currency=currency),
                         tax=Money(amount=erp_vat(amount, rate), currency=currency))
            for rate, amount in sorted(by_rate.items(), reverse=True)
        ]  # fmt: skip
        shipping = Shipping(
            description=other[0][0].get("description") or "Shipping",
            amount=Money(amount=sum(by_rate.values(), Decimal(0)), currency=currency),
            tax_rate=max(parts, key=lambda part: part.amount.amount).tax_rate,
            parts=parts if len(parts) > 1 else [],
        )
    return items, shipping


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


# --- shop refunds → credit notes (§4.6) -----------------------------------------------------


@dataclass
class _Piece:
    """A credit-note line being priced: what it refunds (VAT included) at its rate."""

    row: dict[str, Any]
    rate: Decimal
    gross: Decimal
    net: Decimal = Decimal(0)


def credit_note_for_refund(
    refund: Refund,
    invoice: dict[str, Any],
    options: Options,
    credited: Mapping[Decimal, Decimal] | None = None,
) -> dict[str, Any]:
    """A credit note for the customer of `invoice` whose VAT per rate mirrors the invoice's.

    Refunded amounts include VAT (shops refund what the customer paid). Returned SKUs are lines
    at their invoice line's VAT category, shipping a line at the freight's, and what those do
    not explain is split over the invoice's VAT rates in proportion to its gross per rate, one
    line per rate (`brygga.engine.finance.split_refund`; `credited` is the gross per rate that
    earlier credit notes took back). Prices exclude VAT, and Visma.net computes VAT once per
    rate on the document's nets (§4.9): see `_priced`."""
    by_category = rates(invoice, options)
    categories = {
        line["inventoryNumber"]: (line.get("vatCode") or {}).get("id", "")
        for line in invoice.get("invoiceLines") or []
        if line.get("inventoryNumber")
    }
    pieces = []
    for line in refund.lines:
        category = categories.get(line.sku) or options.category(None)
        row = {"inventoryNumber": line.sku, "quantity": line.quantity, "vatCodeId": category}
        pieces.append(_Piece(row, by_category.get(category, Decimal(0)), line.amount.amount))
    if refund.shipping is not None and refund.shipping.amount:
        pieces += _shipping(refund.shipping.amount, invoice, options)
    rest = refund.total.amount - sum((piece.gross for piece in pieces), Decimal(0))
    if rest:
        taken: dict[Decimal, Decimal] = defaultdict(Decimal, credited or {})
        for piece in pieces:
            taken[piece.rate] += piece.gross
        try:
            parts = split_refund(rest, gross_by_rate(invoice, options), taken)
        except FinanceError as error:
            raise ConnectorError(
                ErrorClass.DATA,
                f"refund {refund.source_id}: the {rest} its lines and shipping do not explain "
                f"cannot be credited on invoice {invoice['referenceNumber']}: {error}",
            ) from None
        for part in parts:
            row = {"description": f"Refund {refund.source_id}", "quantity": Decimal(1),
                   "vatCodeId": options.category(part.rate)}  # fmt: skip
            pieces.append(_Piece(row, part.rate, part.gross))
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
    return dto(header) | {"lines": lines(_priced(pieces, options))}


def gross_by_rate(document: dict[str, Any], options: Options) -> dict[Decimal, Decimal]:
    """What an invoice or credit note booked per VAT rate, VAT included: the lines' nets per
    rate plus the VAT Visma.net computes once on them (§4.9)."""
    by_category = rates(document, options)
    nets: dict[Decimal, Decimal] = defaultdict(Decimal)
    for key in ("invoiceLines", "lines"):
        for line in document.get(key) or []:
            rate = by_category.get((line.get("vatCode") or {}).get("id", ""), Decimal(0))
            nets[rate] += Decimal(line["amountInCurrency"])
    return {rate: net + erp_vat(net, rate) for rate, net in nets.items()}


def _shipping(amount: Decimal, invoice: dict[str, Any], options: Options) -> list[_Piece]:
    """Refunded shipping at the VAT categories of the invoice's freight lines (lines without an
    item, or of the shipping item when shipping was split over several rates), split over them
    as their amounts are; with none, at the category of the invoice's first line."""
    invoiced = invoice.get("invoiceLines") or []
    shipping_items = ("", None, options.shipping_item)
    freight = [line for line in invoiced if line.get("inventoryNumber") in shipping_items]
    weights: dict[str, Decimal] = defaultdict(Decimal)
    for line in freight or invoiced[:1]:
        category = (line.get("vatCode") or {}).get("id") or options.category(None)
        weights[category] += abs(Decimal(str(line.get("amountInCurrency") or 0)))
    weights = {c: w for c, w in weights.items() if w} or {options.category(None): Decimal(1)}
    shares = apportion(amount, weights) if amount > 0 else {next(iter(weights)): amount}
    found = rates(invoice, options)
    return [
        _Piece(
            {"description": "Shipping refund", "quantity": Decimal(1), "vatCodeId": category},
            found.get(category) or options.rate_of(category) or Decimal(0),
            share,
        )
        for category, share in shares.items()
        if share
    ]


def _priced(pieces: list[_Piece], options: Options) -> list[dict[str, Any]]:
    """The lines with nets on which Visma.net's VAT per rate is what an ERP takes out of that
    rate's refunded gross (`erp_vat_in`), so a refund of a rate's whole gross gives back its
    VAT. The net `gross - vat` does not always carry that VAT (at 25 %, one gross amount in
    five); then the net nearest to it that does is used and the cent between goes on the
    rounding item at 0 %, as for orders (`brygga.engine.finance.booking`)."""
    by_rate: dict[Decimal, list[_Piece]] = defaultdict(list)
    for piece in pieces:
        by_rate[piece.rate].append(piece)
    rounding = Decimal(0)
    for rate, group in by_rate.items():
        gross = sum((piece.gross for piece in group), Decimal(0))
        vat = erp_vat_in(gross, rate)
        net = nearest_net_with_vat(gross - vat, vat, rate)
        rounding += gross - vat - net
        for piece in group:
            piece.net = money(piece.gross / (1 + rate / 100))
        largest = max(group, key=lambda piece: piece.gross)
        largest.net += net - sum((piece.net for piece in group), Decimal(0))
    rows = []
    for piece in pieces:
        if "inventoryNumber" in piece.row:
            unit = (piece.net / piece.row["quantity"]).quantize(Decimal("0.0001"))
            rows.append(
                piece.row | {"unitPriceInCurrency": unit, "manualAmountInCurrency": piece.net}
            )
        else:
            rows.append(piece.row | {"unitPriceInCurrency": piece.net})
    if rounding:
        rows.append({"inventoryNumber": options.rounding_item, "description": "Rounding",
                     "quantity": Decimal(1), "unitPriceInCurrency": rounding,
                     "vatCodeId": options.category(Decimal(0))})  # fmt: skip
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
