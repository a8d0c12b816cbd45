"""`/3/orders` (fact sheet §4.2): list, create, read, partial update, cancel.

The spec posts orders as the full `fortnox_Order`, so read-only fields sent on write (totals,
`DocumentNumber`, `Cancelled`, `InvoiceReference`, ...) are ignored, as the live API does (§7).
Omitted header fields are copied from the customer (name, addresses, references, currency,
terms, `VATIncluded` from `ShowPriceVATIncluded`); the currency must be one of the company's,
and its rate is the currency's `SellRate` unless the order gives one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.fortnox.access import Access
from brygga.sandbox.fortnox.errors import (
    CUSTOMER_NOT_IN_REQUEST,
    INVALID_PARAMETER,
    ORDER_NOT_FOUND,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    DAY,
    FLAG,
    INTEGER,
    TEXT,
    Field,
    clean,
    read_wrapped,
    text,
)
from brygga.sandbox.fortnox.lists import ListSpec, base_url, list_response, natural, visible
from brygga.sandbox.fortnox.order_rows import NO_SWEDISH_VAT, build_rows, merge_rows
from brygga.sandbox.fortnox.tenant import currency, settings, timestamp, today
from brygga.sandbox.fortnox.totals import compute
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
WRITABLE: dict[str, Field] = {
    "Address1": TEXT, "Address2": TEXT, "AdministrationFee": AMOUNT, "City": TEXT,
    "Comments": TEXT, "CopyRemarks": FLAG, "CostCenter": TEXT, "Country": TEXT,
    "Currency": text(3), "CurrencyRate": AMOUNT, "CurrencyUnit": AMOUNT, "CustomerName": TEXT,
    "CustomerNumber": TEXT, "DeliveryAddress1": TEXT, "DeliveryAddress2": TEXT,
    "DeliveryCity": TEXT, "DeliveryCountry": TEXT, "DeliveryDate": DAY, "DeliveryName": TEXT,
    "DeliveryZipCode": TEXT, "ExternalInvoiceReference1": text(80),
    "ExternalInvoiceReference2": text(80), "Freight": AMOUNT, "Language": text(None, "SV", "EN"),
    "NotCompleted": FLAG, "OrderDate": DAY, "OrganisationNumber": TEXT,
    "OurReference": text(50), "OutboundDate": DAY, "Phone1": TEXT, "Phone2": TEXT,
    "PriceList": TEXT, "PrintTemplate": TEXT, "Project": TEXT, "Remarks": text(1024),
    "StockPointCode": TEXT, "StockPointId": TEXT,
    "TaxReductionType": text(None, "none", "rot", "rut", "green"), "TermsOfDelivery": TEXT,
    "TermsOfPayment": TEXT, "VATIncluded": FLAG, "WayOfDelivery": TEXT,
    "YourOrderNumber": text(75), "YourReference": text(50), "ZipCode": TEXT,
}  # fmt: skip
EMAIL = {name: TEXT for name in ("EmailAddressFrom", "EmailAddressTo", "EmailAddressCC",
                                 "EmailAddressBCC", "EmailSubject", "EmailBody")}  # fmt: skip
READ_ONLY = frozenset({
    "@url", "@urlTaxReductionList", "AdministrationFeeVAT", "BasisTaxReduction", "Cancelled",
    "ContributionPercent", "ContributionValue", "DeliveryState", "DocumentNumber", "FreightVAT",
    "Gross", "HouseWork", "InvoiceReference", "Net", "OfferReference", "OrderType", "RoundOff",
    "Sent", "TaxReduction", "TimeBasisReference", "Total", "TotalToPay", "TotalVAT",
    "WarehouseReady",
})  # fmt: skip
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
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _customer(store: DocumentStore, number: str | None) -> Record:
    record = store.get("customers", number or "")
    if record is None or record.get("_Deleted"):
        raise FortnoxError(400, CUSTOMER_NOT_IN_REQUEST, "Kunde inte hämta/hitta kund (kundnummer)")
    return record


def _new_order(customer: Record) -> Record:
    copied = {field: customer[source] or "" for field, source in FROM_CUSTOMER.items()}
    email = {
        "EmailAddressFrom": None,
        "EmailAddressTo": customer["EmailOrder"] or customer["Email"],
        "EmailAddressCC": customer["EmailOrderCC"],
        "EmailAddressBCC": customer["EmailOrderBCC"],
        "EmailSubject": "Order {no}",
        "EmailBody": "",
    }
    return copied | {
        "AdministrationFee": Decimal(0), "BasisTaxReduction": 0, "Cancelled": False,
        "Comments": "", "CopyRemarks": False, "CustomerNumber": customer["CustomerNumber"],
        "DeliveryDate": None, "DeliveryState": "delivery", "DocumentNumber": None,
        "EmailInformation": email, "ExternalInvoiceReference1": "",
        "ExternalInvoiceReference2": "", "Freight": Decimal(0), "InvoiceReference": "0",
        "Labels": [], "Language": "SV", "NotCompleted": False, "OfferReference": "0",
        "OrderDate": today(), "OrderRows": [], "OrderType": "Order", "OutboundDate": None,
        "PrintTemplate": "oc", "Remarks": "", "Sent": False, "StockPointCode": None,
        "StockPointId": None, "TaxReduction": None, "TaxReductionType": "none",
        "TimeBasisReference": None, "VATIncluded": customer["ShowPriceVATIncluded"],
        "WarehouseReady": False, "YourOrderNumber": "",
    }  # fmt: skip


def write(store: DocumentStore, order: Record | None, payload: Record) -> Record:
    """A new order (`order` None) or `order` updated by a request's fields, with rows and
    totals recomputed."""
    incoming_rows = payload.pop("OrderRows", None)
    email = payload.pop("EmailInformation", None)
    labels = payload.pop("Labels", None)
    changes = clean(payload, WRITABLE, READ_ONLY)
    customer = _customer(store, changes.get("CustomerNumber", order and order["CustomerNumber"]))
    if order is None:
        order = _new_order(customer)
    updated = order | changes
    updated["OrderDate"] = updated["OrderDate"] or today()
    if email is not None:
        if not isinstance(email, dict):
            raise invalid_value("Ogiltigt värde för EmailInformation")
        updated["EmailInformation"] = order["EmailInformation"] | clean(email, EMAIL, frozenset())
    if labels is not None:
        updated["Labels"] = _labels(labels)
    found = currency(store, updated["Currency"] or "")
    if "Currency" in changes or "CurrencyRate" not in order:
        updated["CurrencyRate"] = changes.get("CurrencyRate", found["SellRate"])
        updated["CurrencyUnit"] = changes.get("CurrencyUnit", found["Unit"])
    if not updated["CurrencyRate"] or not updated["CurrencyUnit"]:
        raise invalid_value("CurrencyRate och CurrencyUnit måste vara större än noll")
    if incoming_rows is None:
        pairs = [(row, {}) for row in order["OrderRows"]]
    else:
        pairs = merge_rows(incoming_rows, order["OrderRows"])
    updated["OrderRows"] = build_rows(store, updated, pairs, customer["VATType"])
    updated["HouseWork"] = any(row["HouseWork"] for row in updated["OrderRows"])
    no_vat = customer["VATType"] in NO_SWEDISH_VAT
    freight_rate = Decimal(0) if no_vat else Decimal(settings(store)["FreightVAT"])
    updated = compute(updated, freight_rate, round_off=updated["Currency"] == "SEK")
    if updated["DocumentNumber"] is None:  # numbered only once the order is valid
        updated["DocumentNumber"] = str(store.next_number("order"))
    return dict(sorted(updated.items())) | {"_LastModified": timestamp()}


def _labels(labels: Any) -> list[dict[str, int]]:
    if not isinstance(labels, list) or not all(isinstance(label, dict) for label in labels):
        raise invalid_value("Ogiltigt värde för Labels")
    return [clean(label, {"Id": INTEGER}, frozenset()) for label in labels]


def find(store: DocumentStore, number: str) -> Record:
    record = store.get("orders", number)
    if record is None:
        raise FortnoxError(404, ORDER_NOT_FOUND, "Kan inte hitta ordern.")
    return record


def _invoiced(order: Record) -> bool:
    return order["InvoiceReference"] not in ("", "0")


def _query_checks(query: dict[str, str]) -> list[Callable[[Record], bool]]:
    """`fromdate`/`todate` (OrderDate range) and the boolean `sent`/`notcompleted`."""
    checks: list[Callable[[Record], bool]] = []
    for parameter, keep in (("fromdate", str.__ge__), ("todate", str.__le__)):
        if parameter in query:
            bound = query[parameter]
            if not _DATE.fullmatch(bound):
                raise FortnoxError(400, INVALID_PARAMETER, "Ogiltig parameter i anropet.")
            checks.append(lambda order, b=bound, k=keep: k(order["OrderDate"], b))
    for parameter, name in (("sent", "Sent"), ("notcompleted", "NotCompleted")):
        if parameter in query:
            wanted = query[parameter].lower() == "true"
            checks.append(lambda order, n=name, w=wanted: bool(order[n]) == w)
    return checks


SEARCH = {
    "customername": "CustomerName", "customernumber": "CustomerNumber",
    "documentnumber": "DocumentNumber", "costcenter": "CostCenter", "project": "Project",
    "externalinvoicereference1": "ExternalInvoiceReference1",
    "externalinvoicereference2": "ExternalInvoiceReference2",
    "ourreference": "OurReference", "yourreference": "YourReference", "ordertype": "OrderType",
}  # fmt: skip


def _item(order: Record, base: str) -> Record:
    names = ("Cancelled", "Currency", "CustomerName", "CustomerNumber", "DeliveryDate",
             "DocumentNumber", "ExternalInvoiceReference1", "ExternalInvoiceReference2",
             "OrderDate", "OrderType", "Project", "Sent", "Total")  # fmt: skip
    url = f"{base}/3/orders/{order['DocumentNumber']}"
    return {"@url": url} | {name: order[name] for name in names}


LIST = ListSpec(
    plural="Orders",
    item=_item,
    sort_keys={
        "customername": lambda order: order["CustomerName"].lower(),
        "customernumber": lambda order: natural(order["CustomerNumber"]),
        "orderdate": lambda order: order["OrderDate"],
        "documentnumber": lambda order: natural(order["DocumentNumber"]),
        "total": lambda order: Decimal(order["Total"]),
    },
    default_sort="documentnumber",
    search={
        "customername": "CustomerName",
        "customernumber": "CustomerNumber",
        "documentnumber": "DocumentNumber",
        "costcenter": "CostCenter",
        "project": "Project",
        "externalinvoicereference1": "ExternalInvoiceReference1",
        "externalinvoicereference2": "ExternalInvoiceReference2",
        "ourreference": "OurReference",
        "yourreference": "YourReference",
        "ordertype": "OrderType",
    },
    filters={
        "cancelled": lambda order: order["Cancelled"],
        "invoicecreated": _invoiced,
        "invoicenotcreated": lambda order: not _invoiced(order) and not order["Cancelled"],
        # Inferred: open orders whose delivery date has passed.
        "expired": lambda order: (
            not _invoiced(order)
            and not order["Cancelled"]
            and bool(order["DeliveryDate"])
            and order["DeliveryDate"] < today()
        ),
    },
    predicates=_query_checks,
)


def router(store: DocumentStore, config: SandboxConfig, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/3/orders", dependencies=[access.requires("order")])

    def respond(request: Request, order: Record, status: int = 200) -> Response:
        base, number = base_url(request, config), order["DocumentNumber"]
        tax = f"{base}/3/taxreductions?filter=orders&referencenumber={number}"
        urls = {"@url": f"{base}/3/orders/{number}", "@urlTaxReductionList": tax}
        document = urls | visible(order)
        headers = {"Location": "orders"} if status == 201 else None  # as recorded live
        return DecimalJSONResponse({"Order": document}, status, headers)

    @routes.get("")
    async def list_orders(request: Request) -> Response:
        return list_response(request, config, store.all("orders"), LIST)

    @routes.post("")
    async def create_order(request: Request) -> Response:
        order = write(store, None, await read_wrapped(request, "Order"))
        store.put("orders", order["DocumentNumber"], order)
        return respond(request, order, 201)

    @routes.get("/{number}")
    async def get_order(request: Request, number: str) -> Response:
        return respond(request, find(store, number))

    @routes.put("/{number}")
    async def update_order(request: Request, number: str) -> Response:
        order = find(store, number)
        payload = await read_wrapped(request, "Order")
        if order["Cancelled"]:
            raise invalid_value("Ordern är makulerad och kan inte ändras")
        order = write(store, order, payload)
        store.put("orders", number, order)
        return respond(request, order)

    @routes.put("/{number}/cancel")
    async def cancel_order(request: Request, number: str) -> Response:
        order = find(store, number) | {"Cancelled": True, "_LastModified": timestamp()}
        store.put("orders", number, order)
        return respond(request, order)

    return routes
