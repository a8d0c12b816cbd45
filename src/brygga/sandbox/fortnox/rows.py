"""Document rows (order and invoice rows) on create and update (fact sheet §3.5, §4.2, §4.3).

On PUT, rows without `RowId` are matched by position (all rows to keep must be sent); once any
row carries a `RowId`, listed rows are updated, rows without one are added and rows not listed
are removed. RowIds are handed out afresh on every write. A new row takes its description,
unit, VAT and price from its article, and its account, unless given, from the customer's VAT
type and the row's rate; an account set on a row must be in the chart and active (§4.10).
VAT may also be a rate of the company's OSS countries. Quantities are kept as strings, as the
API returns them.
Order rows have `OrderedQuantity` (and `DeliveredQuantity` defaults to it); invoice rows have
only `DeliveredQuantity`, which is what gets invoiced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from brygga.sandbox.fortnox.errors import (
    ARTICLE_NOT_IN_REQUEST,
    WRONG_BODY,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    FLAG,
    INTEGER,
    QUANTITY,
    TEXT,
    Field,
    clean,
    plain,
    text,
)
from brygga.sandbox.fortnox.tenant import account, existing, sales_account, vat_rate
from brygga.sandbox.fortnox.totals import cents
from brygga.sandbox.storage import DocumentStore

Row = dict[str, Any]
INVOICE_ROW: dict[str, Field] = {
    "AccountNumber": INTEGER, "ArticleNumber": TEXT, "CostCenter": TEXT,
    "DeliveredQuantity": QUANTITY, "Description": text(255), "Discount": AMOUNT,
    "DiscountType": text(None, "AMOUNT", "PERCENT"), "HouseWork": FLAG,
    "HouseWorkHoursToReport": INTEGER, "HouseWorkType": TEXT, "Price": AMOUNT, "Project": TEXT,
    "RowId": INTEGER, "StockPointCode": TEXT, "Unit": TEXT, "VAT": AMOUNT, "VATCode": TEXT,
}  # fmt: skip
INVOICE_ROW_READ_ONLY = frozenset({"ContributionPercent", "ContributionValue", "Cost",
                                  "PriceExcludingVAT", "Total", "TotalExcludingVAT"})  # fmt: skip
# The recorded live order shows MP1 for 25 %; MP2/MP3 follow Fortnox's naming (inferred). OSS
# rates get none.
VAT_CODES = {Decimal(25): "MP1", Decimal(12): "MP2", Decimal(6): "MP3"}
NO_SWEDISH_VAT = ("SEREVERSEDVAT", "EUREVERSEDVAT", "EXPORT")


@dataclass(frozen=True)
class RowKind:
    """What distinguishes order rows from invoice rows."""

    key: str  # the document's row list: `OrderRows` / `InvoiceRows`
    quantity: str  # the quantity that is totalled
    writable: dict[str, Field]
    read_only: frozenset[str]
    counter: str  # the RowId counter
    extra: Row = field(default_factory=dict)  # fields only this kind has, as on a new row


ORDER_ROWS = RowKind(
    key="OrderRows",
    quantity="OrderedQuantity",
    writable=INVOICE_ROW | {"Description": TEXT, "OrderedQuantity": QUANTITY, "StockPointId": TEXT},
    read_only=frozenset({"ContributionPercent", "ContributionValue", "ReservedQuantity", "Total"}),
    counter="orderrow",
    extra={"OrderedQuantity": "0", "ReservedQuantity": "0", "StockPointId": None},
)
INVOICE_ROWS = RowKind(
    key="InvoiceRows",
    quantity="DeliveredQuantity",
    writable=INVOICE_ROW,
    read_only=INVOICE_ROW_READ_ONLY,
    counter="invoicerow",
)


def merge_rows(kind: RowKind, incoming: Any, current: list[Row]) -> list[tuple[Row | None, Row]]:
    """Pairs of (existing row or None for a new one, the request's fields for it)."""
    if not isinstance(incoming, list) or not all(isinstance(row, dict) for row in incoming):
        raise FortnoxError(400, WRONG_BODY, "Ingen eller felaktig typ av data.")
    changes = [clean(row, kind.writable, kind.read_only) for row in incoming]
    if any(change.get("RowId") is not None for change in changes):
        by_id = {row["RowId"]: row for row in current}
        pairs: list[tuple[Row | None, Row]] = []
        for change in changes:
            row_id = change.pop("RowId", None)
            if row_id is not None and row_id not in by_id:
                raise invalid_value(f"Raden med RowId {row_id} finns inte på dokumentet")
            pairs.append((by_id.get(row_id) if row_id is not None else None, change))
        return pairs
    for change in changes:
        change.pop("RowId", None)
    return [(current[i] if i < len(current) else None, c) for i, c in enumerate(changes)]


def build_rows(
    store: DocumentStore,
    kind: RowKind,
    document: dict[str, Any],
    pairs: list[tuple[Row | None, Row]],
    vat_type: str,
) -> list[Row]:
    """Complete, validated rows, each with a new RowId; `vat_type` is the customer's."""
    rows = []
    for base, change in pairs:
        row = (base or _new_row(store, kind, document, change, vat_type)) | change
        number = change.get("ArticleNumber")
        if number and existing(store, "articles", number) is None:
            raise FortnoxError(400, ARTICLE_NOT_IN_REQUEST, "Kunde inte hitta artikel")
        rate = row["VAT"] if row["VAT"] is not None else Decimal(0)
        row["VAT"] = plain(vat_rate(store, rate, oss=True))
        if "VATCode" not in change:
            row["VATCode"] = VAT_CODES.get(row["VAT"], "")
        if kind.quantity == "OrderedQuantity":
            if base is None and "DeliveredQuantity" not in change:
                row["DeliveredQuantity"] = row["OrderedQuantity"]
            row["OrderedQuantity"] = row["OrderedQuantity"] or "0"
        row["DeliveredQuantity"] = row["DeliveredQuantity"] or "0"
        if row["AccountNumber"] is None:
            row["AccountNumber"] = sales_account(vat_type, row["VAT"])
        # Checked when set: a kept row keeps an account deactivated since (unconfirmed).
        if base is None or "AccountNumber" in change:
            account(store, row["AccountNumber"])
        row["RowId"] = store.next_number(kind.counter)
        rows.append(dict(sorted(row.items())))
    return rows


def _new_row(
    store: DocumentStore, kind: RowKind, document: dict[str, Any], change: Row, vat_type: str
) -> Row:
    article = existing(store, "articles", change.get("ArticleNumber") or "") or {}
    vat = Decimal(0) if vat_type in NO_SWEDISH_VAT else article.get("VAT", Decimal(25))
    price = Decimal(0)
    if article.get("SalesPrice") is not None:
        # SalesPrice is in SEK; convert to the document's currency (price-list currency prices
        # are not emulated).
        rate = Decimal(document["CurrencyUnit"]) / Decimal(document["CurrencyRate"])
        price = plain(cents(Decimal(article["SalesPrice"]) * rate))
    return kind.extra | {
        "AccountNumber": None,
        "ArticleNumber": "",
        "CostCenter": "",
        "DeliveredQuantity": "0",
        "Description": article.get("Description", ""),
        "Discount": Decimal(0),
        "DiscountType": "PERCENT",
        "HouseWork": False,
        "HouseWorkHoursToReport": None,
        "HouseWorkType": None,
        "Price": price,
        "Project": "",
        "StockPointCode": None,
        "Unit": article.get("Unit", ""),
        "VAT": vat,
    }
