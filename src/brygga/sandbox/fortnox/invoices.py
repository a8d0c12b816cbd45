"""Invoice records (fact sheet §4.3, §4.4): fields, defaults, derived amounts and the list.

The shape follows a recorded live invoice (accodeing/fortnox-api,
`invoices/save_new_fully_populated.yml`, 2026): `Credit` is the string "false"/"true",
references default to "0", unset period dates are "" and rows carry `PriceExcludingVAT`,
`TotalExcludingVAT` and contribution figures. Derived on every write:
- `DueDate` = `InvoiceDate` + the days of `TermsOfPayment` (a numeric code; others count as 30
  days, an assumption), unless the request sets it;
- `OCR` = number + length digit + Luhn check digit ("133" for invoice 1, as recorded), unless set;
- `Balance` = `TotalToPay` less payments and write-offs (in the invoice currency) and less what
  a full credit settled; `FinalPayDate` = the last payment date once the balance is 0.
`DocumentNumber` in the payload is ignored: numbers come from the company's series.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from brygga.sandbox.fortnox.documents import EMAIL, DocumentKind, from_customer, write
from brygga.sandbox.fortnox.errors import INVOICE_NOT_FOUND, FortnoxError
from brygga.sandbox.fortnox.fields import AMOUNT, DAY, FLAG, TEXT, Field, plain, text
from brygga.sandbox.fortnox.lists import ListSpec, date_range, flags, natural
from brygga.sandbox.fortnox.rows import INVOICE_ROWS
from brygga.sandbox.fortnox.tenant import today
from brygga.sandbox.fortnox.totals import ZERO, cents, vat_of
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
WRITABLE: dict[str, Field] = {
    "Address1": TEXT, "Address2": TEXT, "AdministrationFee": AMOUNT, "City": text(1024),
    "Comments": text(1024), "CostCenter": TEXT, "Country": TEXT,
    "CreditInvoiceReference": TEXT, "Currency": text(3), "CurrencyRate": AMOUNT,
    "CurrencyUnit": AMOUNT, "CustomerName": TEXT, "CustomerNumber": TEXT,
    "DeliveryAddress1": text(1024), "DeliveryAddress2": text(1024), "DeliveryCity": text(1024),
    "DeliveryCountry": TEXT, "DeliveryDate": DAY, "DeliveryName": text(1024),
    "DeliveryZipCode": text(1024), "DueDate": DAY, "EUQuarterlyReport": FLAG,
    "ExternalInvoiceReference1": text(80), "ExternalInvoiceReference2": text(80),
    "Freight": AMOUNT, "InvoiceDate": DAY,
    "InvoiceType": text(None, "INVOICE", "AGREEMENTINVOICE", "INTRESTINVOICE",
                        "SUMMARYINVOICE", "CASHINVOICE"),
    "Language": text(None, "SV", "EN"), "NotCompleted": FLAG, "OCR": TEXT,
    "OurReference": text(50), "OutboundDate": DAY,
    "PaymentWay": text(None, "", "CASH", "CARD", "AG"), "Phone1": text(1024),
    "Phone2": text(1024), "PriceList": TEXT, "PrintTemplate": TEXT, "Project": TEXT,
    "Remarks": text(1024), "TaxReductionType": text(None, "none", "rot", "rut", "green"),
    "TermsOfDelivery": TEXT, "TermsOfPayment": TEXT, "VATIncluded": FLAG, "WayOfDelivery": TEXT,
    "YourOrderNumber": text(75), "YourReference": text(50), "ZipCode": text(1024),
}  # fmt: skip
EDI: dict[str, Field] = {
    "EDIGlobalLocationNumber": text(13), "EDIGlobalLocationNumberDelivery": text(13),
    "EDIInvoiceExtra1": TEXT, "EDIInvoiceExtra2": TEXT, "EDIOurElectronicReference": TEXT,
    "EDIYourElectronicReference": TEXT,
}  # fmt: skip
# `fortnox_Invoice` fields missing from `fortnox_InvoicePayload` (§7), plus live-only ones.
READ_ONLY = frozenset({
    "@url", "@urlTaxReductionList", "AccountingMethod", "AdministrationFeeVAT", "Balance",
    "BasisTaxReduction", "Booked", "Cancelled", "ContractReference", "ContributionPercent",
    "ContributionValue", "Credit", "DocumentNumber", "FinalPayDate", "FreightVAT", "Gross",
    "HouseWork", "InvoicePeriodEnd", "InvoicePeriodReference", "InvoicePeriodStart",
    "InvoiceReference", "LastRemindDate", "Net", "NoxFinans", "OfferReference",
    "OrderReference", "OrganisationNumber", "Reminders", "RoundOff", "Sent", "TaxReduction",
    "TimeBasisReference", "Total", "TotalToPay", "TotalVAT", "VoucherNumber", "VoucherSeries",
    "VoucherYear", "WarehouseReady",
})  # fmt: skip
DAYS_WITHOUT_NUMERIC_TERMS = 30


def _blank(customer: Record) -> Record:
    email = {
        "EmailAddressFrom": None,
        "EmailAddressTo": customer["EmailInvoice"] or customer["Email"],
        "EmailAddressCC": customer["EmailInvoiceCC"],
        "EmailAddressBCC": customer["EmailInvoiceBCC"],
        "EmailSubject": "Faktura {no}",
        "EmailBody": "",
    }
    edi = dict.fromkeys(EDI, "") | {"EDIStatus": ""}
    return from_customer(customer) | {
        "AccountingMethod": "ACCRUAL", "AdministrationFee": ZERO, "BasisTaxReduction": 0,
        "Booked": False, "Cancelled": False, "Comments": "", "ContractReference": "0",
        "Credit": "false", "CreditInvoiceReference": "0",
        "CustomerNumber": customer["CustomerNumber"], "DeliveryDate": None,
        "DocumentNumber": None, "DueDate": None, "EDIInformation": edi,
        "EUQuarterlyReport": False, "EmailInformation": email, "ExternalInvoiceReference1": "",
        "ExternalInvoiceReference2": "", "FinalPayDate": None, "Freight": ZERO,
        "InvoiceDate": today(), "InvoicePeriodEnd": "", "InvoicePeriodStart": "",
        "InvoiceReference": "0", "InvoiceRows": [], "InvoiceType": "INVOICE", "Labels": [],
        "Language": "SV", "LastRemindDate": None, "NotCompleted": False, "NoxFinans": False,
        "OCR": "", "OfferReference": "0", "OrderReference": "0", "OutboundDate": None,
        "PaymentWay": "", "PrintTemplate": "st", "Remarks": "", "Reminders": 0, "Sent": False,
        "TaxReduction": None, "TaxReductionType": "none", "TimeBasisReference": None,
        "VATIncluded": customer["ShowPriceVATIncluded"], "VoucherNumber": None,
        "VoucherSeries": None, "VoucherYear": None, "WarehouseReady": False,
        "YourOrderNumber": "", "_Credited": ZERO, "_Payments": [],
    }  # fmt: skip


INVOICE = DocumentKind(
    counter="invoice",
    date="InvoiceDate",
    rows=INVOICE_ROWS,
    writable=WRITABLE,
    read_only=READ_ONLY,
    nested={"EmailInformation": EMAIL, "EDIInformation": EDI},
    blank=_blank,
)


def save(store: DocumentStore, invoice: Record | None, payload: Record) -> Record:
    """A new or updated invoice with every derived field; not yet stored."""
    due_given = bool(payload.get("DueDate"))
    redate = invoice is None or bool({"InvoiceDate", "TermsOfPayment"} & payload.keys())
    record = write(store, INVOICE, invoice, payload)
    if not due_given and (redate or not record["DueDate"]):
        record["DueDate"] = _due(record)
    if not record["OCR"]:
        record["OCR"] = ocr(record["DocumentNumber"])
    return settle(store, record)


def settle(store: DocumentStore, invoice: Record) -> Record:
    """The invoice with `Balance`, `FinalPayDate` and the rows' VAT-exclusive figures."""
    payments = [store.get("invoicepayments", number) for number in invoice["_Payments"]]
    paid = sum((paid_amount(payment) for payment in payments if payment), ZERO)
    balance = Decimal(invoice["TotalToPay"]) - paid - Decimal(invoice["_Credited"])
    dates = [payment["PaymentDate"] for payment in payments if payment]
    final = max(dates) if dates and balance == 0 else None
    rows = [_row_figures(row, bool(invoice["VATIncluded"])) for row in invoice["InvoiceRows"]]
    value = sum((Decimal(row["ContributionValue"]) for row in rows), ZERO)
    excluding = sum((Decimal(row["TotalExcludingVAT"]) for row in rows), ZERO)
    return invoice | {
        "Balance": plain(balance),
        "ContributionPercent": plain(_percent(value, excluding)),
        "ContributionValue": plain(value),
        "FinalPayDate": final,
        "InvoiceRows": rows,
    }


def paid_amount(payment: Record) -> Decimal:
    """What a payment settles, in the invoice currency: AmountCurrency plus write-offs."""
    write_offs = sum((Decimal(w["Amount"] or ZERO) for w in payment["WriteOffs"]), ZERO)
    return Decimal(payment["AmountCurrency"]) + write_offs


def _row_figures(row: Record, included: bool) -> Record:
    """Row figures derived from its total; article costs are not emulated (Cost 0), so the
    contribution is the whole amount excluding VAT, as in the recorded invoice."""
    total, price, rate = Decimal(row["Total"]), Decimal(row["Price"] or ZERO), Decimal(row["VAT"])
    excluding = total - vat_of(total, rate, True) if included else total
    price_excluding = cents(price * 100 / (100 + rate)) if included else price
    return row | {
        "ContributionPercent": str(plain(_percent(excluding, excluding))),
        "ContributionValue": str(plain(excluding)),
        "Cost": 0,
        "PriceExcludingVAT": plain(price_excluding),
        "TotalExcludingVAT": plain(excluding),
    }


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return cents(part * 100 / whole) if whole else ZERO


def _due(invoice: Record) -> str:
    terms = str(invoice["TermsOfPayment"] or "")
    days = int(terms) if terms.isdigit() else DAYS_WITHOUT_NUMERIC_TERMS
    return (date.fromisoformat(invoice["InvoiceDate"]) + timedelta(days=days)).isoformat()


def ocr(number: str) -> str:
    """Fortnox's default OCR: the number, a length digit and a Luhn check digit."""
    body = f"{number}{(len(number) + 2) % 10}"
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return f"{body}{(10 - total % 10) % 10}"


def find(store: DocumentStore, number: str) -> Record:
    record = store.get("invoices", number)
    if record is None:
        raise FortnoxError(404, INVOICE_NOT_FOUND, "Kan inte hitta fakturan.")
    return record


def _open(invoice: Record) -> bool:
    return not invoice["Cancelled"] and Decimal(invoice["Balance"]) != 0


ITEM = ("Balance", "Booked", "Cancelled", "CostCenter", "Currency", "CurrencyRate",
        "CurrencyUnit", "CustomerName", "CustomerNumber", "DocumentNumber", "DueDate",
        "ExternalInvoiceReference1", "ExternalInvoiceReference2", "InvoiceDate", "InvoiceType",
        "NoxFinans", "OCR", "VoucherNumber", "VoucherSeries", "VoucherYear", "WayOfDelivery",
        "TermsOfPayment", "Project", "Sent", "Total", "FinalPayDate")  # fmt: skip


def _item(invoice: Record, base: str) -> Record:
    item = {"@url": f"{base}/3/invoices/{invoice['DocumentNumber']}"}
    item |= {name: invoice[name] for name in ITEM}
    # Recorded live list items carry CurrencyRate as a string ("1"); the full invoice a number.
    return item | {"CurrencyRate": str(plain(Decimal(invoice["CurrencyRate"])))}


def _query_checks(query: dict[str, str]) -> list[Any]:
    checks = date_range(query, "InvoiceDate")
    checks += date_range(query, "FinalPayDate", "fromfinalpaydate", "tofinalpaydate")
    checks += flags(query, {"sent": "Sent", "notcompleted": "NotCompleted"})
    if "credit" in query:
        wanted = "true" if query["credit"].lower() == "true" else "false"
        checks.append(lambda invoice: invoice["Credit"] == wanted)
    if "articlenumber" in query:
        wanted = query["articlenumber"].lower()
        checks.append(
            lambda invoice: any(
                wanted in (row["ArticleNumber"] or "").lower() for row in invoice["InvoiceRows"]
            )
        )
    return checks


SEARCH = {
    "costcenter": "CostCenter", "currency": "Currency", "customername": "CustomerName",
    "customernumber": "CustomerNumber", "documentnumber": "DocumentNumber",
    "externalinvoicereference1": "ExternalInvoiceReference1",
    "externalinvoicereference2": "ExternalInvoiceReference2", "invoicetype": "InvoiceType",
    "ocr": "OCR", "ourreference": "OurReference", "project": "Project",
    "yourordernumber": "YourOrderNumber", "yourreference": "YourReference",
}  # fmt: skip


LIST = ListSpec(
    plural="Invoices",
    item=_item,
    sort_keys={
        "customername": lambda invoice: invoice["CustomerName"].lower(),
        "customernumber": lambda invoice: natural(invoice["CustomerNumber"]),
        "documentnumber": lambda invoice: natural(invoice["DocumentNumber"]),
        "invoicedate": lambda invoice: invoice["InvoiceDate"],
        "ocr": lambda invoice: natural(invoice["OCR"]),
        "total": lambda invoice: Decimal(invoice["Total"]),
    },
    default_sort="documentnumber",
    search=SEARCH,
    filters={
        "cancelled": lambda invoice: invoice["Cancelled"],
        "fullypaid": lambda invoice: not invoice["Cancelled"] and not _open(invoice),
        "unpaid": _open,
        "unpaidoverdue": lambda invoice: _open(invoice) and invoice["DueDate"] < today(),
        "unbooked": lambda invoice: not invoice["Booked"] and not invoice["Cancelled"],
    },
    predicates=_query_checks,
)
