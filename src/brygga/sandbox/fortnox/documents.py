"""Sales documents (orders and invoices): one write path for create and partial update.

Both take their omitted header fields from the customer (name, addresses, references, currency,
terms, `VATIncluded` from `ShowPriceVATIncluded`), need a currency of the company's (its rate is
the currency's `SellRate` unless the document gives one), and get rows and totals recomputed on
every write (fact sheet §3.5, §4.2, §4.3). Read-only fields sent on write are ignored, as the
live API does (§7: orders are posted as the full `fortnox_Order`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from brygga.sandbox.fortnox.errors import CUSTOMER_NOT_IN_REQUEST, FortnoxError, invalid_value
from brygga.sandbox.fortnox.fields import INTEGER, TEXT, Field, clean
from brygga.sandbox.fortnox.rows import NO_SWEDISH_VAT, RowKind, build_rows, merge_rows
from brygga.sandbox.fortnox.tenant import currency, settings, timestamp, today
from brygga.sandbox.fortnox.totals import compute
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
EMAIL: dict[str, Field] = {name: TEXT for name in ("EmailAddressFrom", "EmailAddressTo",
    "EmailAddressCC", "EmailAddressBCC", "EmailSubject", "EmailBody")}  # fmt: skip
FROM_CUSTOMER = {
    "Address1": "Address1", "Address2": "Address2", "City": "City", "CostCenter": "CostCenter",
    "Country": "Country", "Currency": "Currency", "CustomerName": "Name",
    "DeliveryAddress1": "DeliveryAddress1", "DeliveryAddress2": "DeliveryAddress2",
    "DeliveryCity": "DeliveryCity", "DeliveryCountry": "DeliveryCountry",
    "DeliveryName": "DeliveryName", "DeliveryZipCode": "DeliveryZipCode",
    "OrganisationNumber": "OrganisationNumber", "OurReference": "OurReference",
    "Phone1": "Phone1", "Phone2": "Phone2", "PriceList": "PriceList", "Project": "Project",
    "TermsOfDelivery": "TermsOfDelivery", "TermsOfPayment": "TermsOfPayment",
    "WayOfDelivery": "WayOfDelivery", "YourReference": "YourReference", "ZipCode": "ZipCode",
}  # fmt: skip


@dataclass(frozen=True)
class DocumentKind:
    counter: str  # the DocumentNumber counter: `order` / `invoice`
    date: str  # `OrderDate` / `InvoiceDate`, today when not given
    rows: RowKind
    writable: dict[str, Field]
    read_only: frozenset[str]
    nested: dict[str, dict[str, Field]]  # objects updated field by field (EmailInformation)
    blank: Callable[[Record], Record]  # a new document of a customer, before the request


def customer_of(store: DocumentStore, number: str | None) -> Record:
    record = store.get("customers", number or "")
    if record is None or record.get("_Deleted"):
        raise FortnoxError(400, CUSTOMER_NOT_IN_REQUEST, "Kunde inte hämta/hitta kund (kundnummer)")
    return record


def from_customer(customer: Record) -> Record:
    """The header fields a new document copies from its customer."""
    return {field: customer[source] or "" for field, source in FROM_CUSTOMER.items()}


def write(
    store: DocumentStore, kind: DocumentKind, document: Record | None, payload: Record
) -> Record:
    """A new document (`document` None) or `document` updated by a request's fields, with rows
    and totals recomputed. Numbered only once it is valid."""
    incoming_rows = payload.pop(kind.rows.key, None)
    nested = {name: payload.pop(name) for name in kind.nested if name in payload}
    labels = payload.pop("Labels", None)
    changes = clean(payload, kind.writable, kind.read_only)
    number = changes.get("CustomerNumber", document and document["CustomerNumber"])
    customer = customer_of(store, number)
    if document is None:
        document = kind.blank(customer)
    updated = document | changes
    updated[kind.date] = updated[kind.date] or today()
    for name, value in nested.items():
        if not isinstance(value, dict):
            raise invalid_value(f"Ogiltigt värde för {name}")
        updated[name] = document[name] | clean(value, kind.nested[name], frozenset())
    if labels is not None:
        updated["Labels"] = _labels(labels)
    found = currency(store, updated["Currency"] or "")
    if "Currency" in changes or "CurrencyRate" not in document:
        updated["CurrencyRate"] = changes.get("CurrencyRate", found["SellRate"])
        updated["CurrencyUnit"] = changes.get("CurrencyUnit", found["Unit"])
    if not updated["CurrencyRate"] or not updated["CurrencyUnit"]:
        raise invalid_value("CurrencyRate och CurrencyUnit måste vara större än noll")
    existing = document[kind.rows.key]
    if incoming_rows is None:
        pairs: list[tuple[Record | None, Record]] = [(row, {}) for row in existing]
    else:
        pairs = merge_rows(kind.rows, incoming_rows, existing)
    rows = build_rows(store, kind.rows, updated, pairs, customer["VATType"])
    updated[kind.rows.key] = rows
    updated["HouseWork"] = any(row["HouseWork"] for row in rows)
    no_vat = customer["VATType"] in NO_SWEDISH_VAT
    freight_rate = Decimal(0) if no_vat else Decimal(settings(store)["FreightVAT"])
    round_off = updated["Currency"] == "SEK"
    updated = compute(updated, freight_rate, round_off, kind.rows.key, kind.rows.quantity)
    if updated["DocumentNumber"] is None:
        updated["DocumentNumber"] = str(store.next_number(kind.counter))
    return dict(sorted(updated.items())) | {"_LastModified": timestamp()}


def _labels(labels: Any) -> list[dict[str, int]]:
    if not isinstance(labels, list) or not all(isinstance(label, dict) for label in labels):
        raise invalid_value("Ogiltigt värde för Labels")
    return [clean(label, {"Id": INTEGER}, frozenset()) for label in labels]
