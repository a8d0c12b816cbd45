"""Fortnox JSON → the canonical model: articles, stock balances, invoices, credit invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from brygga.model import CreditNote, Invoice, Money, OrderLine, Product, Shipping, Variant

# Fortnox keeps prices, price lists and payments in the company's currency, SEK (§4.5, §4.7).
BASE_CURRENCY = "SEK"
Record = dict[str, Any]


def number(value: Any) -> Decimal:
    """Numbers arrive as numbers or strings, depending on the field and the day (§3.5)."""
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def is_true(value: Any) -> bool:
    """Invoice `Credit` is the string "true"/"false" live, a boolean in places (§4.3, §7)."""
    return str(value).lower() == "true"


def is_credit(document: dict[str, Any]) -> bool:
    """A credit invoice: `Credit` true, or a negative total, as on the unlinked credit
    invoices of later refunds (brygga.connectors.fortnox.refunds), which may lack `Credit`."""
    return is_true(document.get("Credit")) or number(document.get("Total")) < 0


def reference(value: Any) -> str:
    """A document reference; Fortnox writes "0" (or nothing) when there is none."""
    text = str(value or "")
    return "" if text == "0" else text


def product_from_fortnox(article: Record, active: bool) -> Product:
    """One article is one sellable variant; `SalesPrice` is its price in the preselected price
    list, in SEK (§4.6, §4.7)."""
    sku = str(article["ArticleNumber"])
    price = article.get("SalesPrice")
    vat = article.get("VAT")
    variant = Variant(
        sku=sku,
        name=article.get("Description") or sku,
        ean=article.get("EAN") or "",
        prices=[] if price in (None, "") else [Money(amount=number(price), currency=BASE_CURRENCY)],
        tax_rate=None if vat in (None, "") else number(vat),
    )
    return Product(
        source_id=sku, product_number=sku, name=variant.name, variants=[variant], active=active
    )


def invoice_from_fortnox(invoice: Record) -> Invoice:
    currency = invoice["Currency"]
    return Invoice(
        source_id=str(invoice["DocumentNumber"]),
        number=str(invoice["DocumentNumber"]),
        order_reference=invoice["ExternalInvoiceReference1"],
        customer_reference=str(invoice.get("CustomerNumber") or ""),
        issued_on=date.fromisoformat(invoice["InvoiceDate"]),
        due_on=date.fromisoformat(invoice["DueDate"]) if invoice.get("DueDate") else None,
        currency=currency,
        exchange_rate=_rate(invoice),
        prices_include_tax=bool(invoice["VATIncluded"]),
        lines=[_line(row, currency, 1) for row in _rows(invoice)],
        shipping=_shipping(invoice, currency, 1),
        total=Money(amount=number(invoice["Total"]), currency=currency),
        cancelled=bool(invoice.get("Cancelled")),
    )


def credit_note_from_fortnox(credit: Record) -> CreditNote:
    """A credit invoice: its rows carry negative quantities and its totals are negative; the
    credit note has them as positive amounts returned. Brygga keeps the shop refund id in
    `ExternalInvoiceReference2` of the credit invoices it writes."""
    currency = credit["Currency"]
    return CreditNote(
        source_id=str(credit["DocumentNumber"]),
        number=str(credit["DocumentNumber"]),
        invoice_reference=reference(credit["CreditInvoiceReference"]),
        order_reference=credit.get("ExternalInvoiceReference1") or "",
        refund_reference=credit.get("ExternalInvoiceReference2") or "",
        issued_on=date.fromisoformat(credit["InvoiceDate"]),
        currency=currency,
        prices_include_tax=bool(credit["VATIncluded"]),
        lines=[_line(row, currency, -1) for row in _rows(credit)],
        shipping=_shipping(credit, currency, -1),
        total=Money(amount=-number(credit["Total"]), currency=currency),
    )


def _rate(invoice: Record) -> Decimal:
    unit = number(invoice.get("CurrencyUnit")) or Decimal(1)
    return number(invoice.get("CurrencyRate")) / unit


def _rows(document: Record) -> list[Record]:
    """Rows that bill something; text-only rows have no quantity."""
    return [row for row in document["InvoiceRows"] if number(row.get("DeliveredQuantity"))]


def _line(row: Record, currency: str, sign: int) -> OrderLine:
    """A row as a line; `sign` -1 reads a credit row (negative quantity) as units returned.
    `Price` is before the row discount and `Total` after it (§4.3)."""
    quantity = number(row["DeliveredQuantity"]) * sign
    price, total = number(row.get("Price")), number(row.get("Total")) * sign
    if quantity < 0:  # a row against the document's direction, e.g. a negative price
        quantity, price = -quantity, -price
    discounted = bool(number(row.get("Discount")))
    unit_price = (total / quantity).quantize(Decimal("0.0001")) if discounted else price
    return OrderLine(
        source_id=str(row.get("RowId") or ""),
        sku=row.get("ArticleNumber") or "",
        description=row.get("Description") or "",
        quantity=quantity,
        unit_price=Money(amount=unit_price, currency=currency),
        unit_list_price=Money(amount=price, currency=currency) if discounted else None,
        tax_rate=number(row.get("VAT")),
    )


def _shipping(document: Record, currency: str, sign: int) -> Shipping | None:
    freight = number(document.get("Freight")) * sign
    if not freight:
        return None
    # The freight VAT rate is a company setting; derive it from the amounts (§4.3).
    vat = number(document.get("FreightVAT")) * sign
    included = bool(document.get("VATIncluded"))
    base = freight - vat if included else freight
    rate = (vat * 100 / base).quantize(Decimal(1)) if base else Decimal(0)
    return Shipping(amount=Money(amount=freight, currency=currency), tax_rate=rate)
