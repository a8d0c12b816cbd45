"""Customer invoices and credit notes: one model for both (fact sheet §4.5, §4.6, §7.5).

Writes are `CustomerInvoiceUpdateDto` / `CustomerCreditNoteUpdateDto` (DtoValue); lines are in
`invoiceLines` on invoices but in `lines` on credit notes, each with a plain `operation` and the
`lineNumber` it targets. `vatCodeId` holds a VAT **category**; the VAT itself is the
intersection with the customer's VAT zone (§4.9). Unit prices exclude VAT.

Lifecycle: a new document is Balanced (Hold with `hold`); `release` (`settlement`) makes it Open
and refuses
further edits; a fully paid or credited document is Closed. A credit note's `applicationLines`
name released invoices of the same customer; they are applied when the note is released.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import reference
from brygga.sandbox.vismanet.company import day, now, stamp
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.wrapper import (
    DATE,
    DECIMAL,
    FLAG,
    INTEGER,
    TEXT,
    Field,
    choice,
    unwrap,
    unwrap_lines,
)

Record = dict[str, Any]
CENT = Decimal("0.01")
OPEN_STATES = ("Hold", "Balanced")


@dataclass(frozen=True)
class Kind:
    collection: str
    document_type: str
    dto: str
    lines_key: str
    path: str  # where a document is read, for `Location`
    first_number: int


INVOICE = Kind("invoices", "Invoice", "CustomerInvoiceUpdateDto", "invoiceLines",
               "/v1/customerinvoice", 100001)  # fmt: skip
CREDIT_NOTE = Kind("credit_notes", "CreditNote", "CustomerCreditNoteUpdateDto", "lines",
                   "/v1/customerCreditNote", 200001)  # fmt: skip
TEXTS = ("invoiceText", "customerRefNumber", "externalReference", "paymentReference", "note")
HEADER: dict[str, Field] = {
    "customerNumber": TEXT,
    "referenceNumber": TEXT,
    "overrideNumberSeries": FLAG,
    "documentDate": DATE,
    "documentDueDate": DATE,
    "currencyId": TEXT,
    "exchangeRate": DECIMAL,
    "creditTermsId": TEXT,
    "customerVatZoneId": TEXT,
    "hold": FLAG,
    **dict.fromkeys(TEXTS, TEXT),
}
LINE: dict[str, Field] = {
    "lineNumber": INTEGER,
    "inventoryNumber": TEXT,
    "description": TEXT,
    "quantity": DECIMAL,
    "unitPriceInCurrency": DECIMAL,
    "manualAmountInCurrency": DECIMAL,
    "discountPercent": DECIMAL,
    "discountAmountInCurrency": DECIMAL,
    "uom": TEXT,
    "vatCodeId": TEXT,
    "note": TEXT,
}
APPLICATION: dict[str, Field] = {
    "documentType": choice("Invoice"),
    "refNbr": TEXT,
    "amountPaid": DECIMAL,
}


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def create(store: DocumentStore, kind: Kind, payload: Record) -> Record:
    values = unwrap(payload, HEADER, kind.dto)
    number = values.get("referenceNumber") if values.get("overrideNumberSeries") else None
    if number and store.get(kind.collection, number) is not None:
        raise _error("creating", f"Document '{number}' already exists.")
    if not values.get("customerNumber"):
        raise _error("creating", "'Customer' cannot be empty.")
    values.setdefault("documentDate", now())
    record: Record = {
        "referenceNumber": number or "",
        "documentType": kind.document_type,
        "status": "Balanced",
        "hold": False,
        kind.lines_key: [],
        "applications": [],
        "createdDateTime": stamp(),
        "_applications": [],
    }
    return _write(store, kind, record, payload, values, "creating")


def update(store: DocumentStore, kind: Kind, record: Record, payload: Record) -> Record:
    if record["status"] not in OPEN_STATES:
        raise _error("updating", "The document is released and cannot be changed.")
    return _write(store, kind, record, payload, unwrap(payload, HEADER, kind.dto), "updating")


def _write(
    store: DocumentStore, kind: Kind, record: Record, payload: Record, values: Record, verb: str
) -> Record:
    record = dict(record)
    lines = unwrap_lines(payload.get(kind.lines_key), LINE, kind.dto)
    try:
        _header(store, record, values)
        current = [dict(line) for line in record[kind.lines_key]]
        record[kind.lines_key] = _lines(store, current, lines)
        if kind is CREDIT_NOTE and "applicationLines" in payload:
            applied = unwrap_lines(payload["applicationLines"], APPLICATION, kind.dto)
            record["_applications"] = _applications(store, record, applied)
        _totals(store, kind, record)
    except VismaError as error:
        raise _error(verb, error.text) from None
    record["status"] = "Hold" if record["hold"] else "Balanced"
    record["lastModifiedDateTime"] = stamp()
    if not record["referenceNumber"]:  # numbered last: a refused document uses no number
        number = ""
        while not number or store.get(kind.collection, number) is not None:
            number = str(store.next_number(kind.collection, kind.first_number))
        record["referenceNumber"] = number
    store.put(kind.collection, record["referenceNumber"], record)
    return record


def _header(store: DocumentStore, record: Record, values: Record) -> None:
    if "customerNumber" in values:
        customer = store.get("customers", values["customerNumber"] or "")
        if customer is None:
            raise VismaError(400, f"Customer '{values['customerNumber']}' cannot be found.")
        record["customer"] = {"number": customer["number"], "name": customer.get("name", "")}
        values.setdefault("currencyId", customer.get("currencyId"))
        values.setdefault("creditTermsId", customer["creditTerms"]["id"])
        values.setdefault("customerVatZoneId", customer["vatZone"]["id"])
    for name in TEXTS:
        if name in values:
            record[name] = values[name] or ""
    if "hold" in values:
        record["hold"] = bool(values["hold"])
    if "documentDate" in values:
        record["documentDate"] = day(values["documentDate"])
        record["financialPeriod"] = values["documentDate"].strftime("%Y%m")
        record["postPeriod"] = values["documentDate"].strftime("%m%Y")
    if values.get("creditTermsId"):
        terms = reference.pair(reference.CREDIT_TERMS, values["creditTermsId"], "CreditTerms")
        record["creditTerms"] = terms
    if "documentDueDate" in values:
        record["documentDueDate"] = day(values["documentDueDate"])
    elif "documentDate" in values or "creditTermsId" in values:
        days = reference.CREDIT_TERMS[record["creditTerms"]["id"]][1]
        due = datetime.fromisoformat(record["documentDate"]) + timedelta(days=days)
        record["documentDueDate"] = day(due)
    if values.get("customerVatZoneId"):
        zone = reference.pair(reference.VAT_ZONES, values["customerVatZoneId"], "VatZone")
        record["customerVatZone"] = zone
    if values.get("currencyId"):
        currency = values["currencyId"]
        if not reference.currency_known(store, currency):
            raise VismaError(400, f"Currency '{currency}' cannot be found in the system.")
        record["currencyId"] = currency
        if "exchangeRate" not in values:
            on = datetime.fromisoformat(record["documentDate"])
            record["exchangeRate"] = reference.rate_to_base(store, currency, on)
    if values.get("exchangeRate"):
        record["exchangeRate"] = values["exchangeRate"]


def _lines(
    store: DocumentStore, current: list[Record], changes: list[tuple[str, Record]]
) -> list[Record]:
    for operation, values in changes:
        if operation == "Insert":
            number = max((line["lineNumber"] for line in current), default=0) + 1
            current.append(_line(store, {"lineNumber": number}, values))
            continue
        index = next(
            (i for i, line in enumerate(current) if line["lineNumber"] == values.get("lineNumber")),
            None,
        )
        if index is None:
            raise VismaError(400, f"Line number '{values.get('lineNumber')}' cannot be found.")
        if operation == "Delete":
            current.pop(index)
        else:
            current[index] = _line(store, current[index], values)
    return current


def _line(store: DocumentStore, line: Record, values: Record) -> Record:
    line = dict(line)
    if values.get("inventoryNumber"):
        item = store.get("inventory", values["inventoryNumber"])
        if item is None:
            raise VismaError(
                400, f"Inventory item '{values['inventoryNumber']}' cannot be found in the system."
            )
        line |= {"inventoryNumber": item["inventoryNumber"], "description": item["description"]}
        line |= {"uom": item["salesUnit"], "unitPriceInCurrency": item["defaultPrice"]}
        line["vatCode"] = item["vatCode"]
    line.setdefault("quantity", Decimal(1))
    line.setdefault("discountPercent", Decimal(0))
    line.setdefault("discountAmountInCurrency", Decimal(0))
    line.setdefault("manualDiscount", False)
    for name in ("description", "quantity", "unitPriceInCurrency", "note"):
        if name in values:
            line[name] = values[name]
    if "uom" in values:
        if values["uom"] is None:  # an explicit null is a value, and an invalid one (§3.1)
            raise VismaError(400, "'UOM' cannot be empty.")
        line["uom"] = values["uom"]
    if "vatCodeId" in values:
        category = values["vatCodeId"] or ""
        if category not in reference.VAT_CATEGORIES:
            raise VismaError(400, f"TaxCategoryID '{category}' cannot be found in the system.")
        line["vatCode"] = reference.pair(reference.VAT_CATEGORIES, category, "VatCategory")
    if values.get("discountAmountInCurrency") is not None:
        line |= {
            "discountAmountInCurrency": values["discountAmountInCurrency"],
            "manualDiscount": True,
        }
    elif values.get("discountPercent") is not None:
        line |= {"discountPercent": values["discountPercent"], "manualDiscount": False}
    if "manualAmountInCurrency" in values:
        line["manualAmountInCurrency"] = values["manualAmountInCurrency"]
    if line.get("unitPriceInCurrency") is None:
        raise VismaError(400, "'Unit price' cannot be empty.")
    line.setdefault("vatCode", reference.pair(reference.VAT_CATEGORIES, "1", "VatCategory"))
    return line


def _applications(
    store: DocumentStore, record: Record, changes: list[tuple[str, Record]]
) -> list[Record]:
    applied = {entry["refNbr"]: entry for entry in record["_applications"]}
    for operation, values in changes:
        number = values.get("refNbr") or ""
        if operation == "Delete":
            applied.pop(number, None)
            continue
        invoice = store.get(INVOICE.collection, number)
        if invoice is None or invoice["status"] != "Open":
            raise VismaError(400, f"Invoice '{number}' cannot be found among released documents.")
        if invoice["customer"]["number"] != record["customer"]["number"]:
            raise VismaError(400, f"Invoice '{number}' belongs to another customer.")
        if invoice["currencyId"] != record["currencyId"]:
            raise VismaError(400, f"Invoice '{number}' is in another currency.")
        applied[number] = {"refNbr": number, "amountPaid": values.get("amountPaid")}
    return list(applied.values())


def _totals(store: DocumentStore, kind: Kind, record: Record) -> None:
    """Line amounts, VAT per VAT id, document totals in document and base currency."""
    rate = Decimal(record["exchangeRate"])
    zone = record["customerVatZone"]["id"]
    taxes: dict[str, Record] = {}
    detail = discounts = Decimal(0)
    for line in record[kind.lines_key]:
        gross = Decimal(line["quantity"]) * Decimal(line["unitPriceInCurrency"])
        if line["manualDiscount"]:
            discount = money(Decimal(line["discountAmountInCurrency"]))
        else:
            discount = money(gross * Decimal(line["discountPercent"]) / 100)
        amount = line.get("manualAmountInCurrency")
        amount = money(gross) - discount if amount is None else money(Decimal(amount))
        vat = reference.vat_for(store, line["vatCode"]["id"], zone)
        if vat is None:
            raise VismaError(
                400, f"TaxCategoryID '{line['vatCode']['id']}' cannot be found in the system."
            )
        tax = taxes.setdefault(vat["vatId"], vat | {"taxable": Decimal(0)})
        tax["taxable"] += amount
        unit = Decimal(line["unitPriceInCurrency"])
        line |= {"unitPrice": money(unit * rate), "discountAmountInCurrency": discount}
        line |= {"discountAmount": money(discount * rate), "amountInCurrency": amount}
        line |= {"amount": money(amount * rate)}
        detail += amount
        discounts += discount
    details = [
        {
            "taxId": vat_id,
            "vatId": {"number": vat_id, "description": tax["description"]},
            "vatRate": tax["rate"],
            "taxableAmount": money(tax["taxable"]),
            "vatAmount": money(tax["taxable"] * tax["rate"] / 100),
        }
        for vat_id, tax in taxes.items()
    ]
    vat_total = sum((entry["vatAmount"] for entry in details), Decimal(0))
    taxable = sum((e["taxableAmount"] for e in details if e["vatRate"]), Decimal(0))
    totals = {
        "detailTotal": detail,
        "discountTotal": discounts,
        "vatTaxableTotal": taxable,
        "vatExemptTotal": detail - taxable,
        "vatTotal": vat_total,
        "amount": detail + vat_total,
        "balance": detail + vat_total,
    }
    for name, value in totals.items():
        record[f"{name}InCurrency"] = money(value)
        record[name] = money(value * rate)
    record["taxDetails"] = details


def _error(verb: str, text: str) -> VismaError:
    return VismaError(400, f"Error {verb} document. Error: {text}")
