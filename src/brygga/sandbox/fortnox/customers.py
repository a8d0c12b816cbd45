"""`/3/customers` (fact sheet §4.1): list, create, read, partial update, delete.

Numbers are strings, auto-assigned from a counter when omitted, and stay reserved after a
delete (2000637). Omitted fields get the company's defaults, as in recorded live responses
(Type COMPANY, VATType SEVAT, Currency SEK, PriceList A; unset addresses are null). `Country`,
`DeliveryCountry` and `VisitingCountry` are derived from the country codes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.errors import (
    CUSTOMER_NOT_FOUND,
    CUSTOMER_NUMBER_USED,
    FortnoxError,
    invalid_value,
)
from brygga.sandbox.fortnox.fields import (
    AMOUNT,
    FLAG,
    INTEGER,
    TEXT,
    Field,
    clean,
    read_wrapped,
    text,
)
from brygga.sandbox.fortnox.lists import ListSpec, list_response, natural
from brygga.sandbox.fortnox.tenant import country_name, currency, settings, timestamp
from brygga.sandbox.storage import DocumentStore

DELIVERY_TYPES = ("PRINT", "EMAIL", "PRINTSERVICE", "ELECTRONICINVOICE")  # live adds the last
_LONG = text(1024)
WRITABLE: dict[str, Field] = {
    "Active": FLAG, "Address1": _LONG, "Address2": _LONG, "City": _LONG, "Comments": _LONG,
    "CostCenter": TEXT, "CountryCode": text(2), "Currency": text(3), "CustomerNumber": _LONG,
    "DeliveryAddress1": _LONG, "DeliveryAddress2": _LONG, "DeliveryCity": _LONG,
    "DeliveryCountryCode": text(2), "DeliveryFax": _LONG, "DeliveryName": _LONG,
    "DeliveryPhone1": _LONG, "DeliveryPhone2": _LONG, "DeliveryZipCode": text(10),
    "Email": _LONG, "EmailInvoice": _LONG, "EmailInvoiceBCC": _LONG, "EmailInvoiceCC": _LONG,
    "EmailOffer": _LONG, "EmailOfferBCC": _LONG, "EmailOfferCC": _LONG, "EmailOrder": _LONG,
    "EmailOrderBCC": _LONG, "EmailOrderCC": _LONG, "ExternalReference": _LONG, "Fax": _LONG,
    "GLN": text(13), "GLNDelivery": text(13), "InvoiceAdministrationFee": AMOUNT,
    "InvoiceDiscount": AMOUNT, "InvoiceFreight": AMOUNT, "InvoiceRemark": _LONG, "Name": _LONG,
    "OrganisationNumber": text(30), "OurReference": text(50), "Phone1": _LONG, "Phone2": _LONG,
    "PriceList": TEXT, "Project": TEXT, "SalesAccount": INTEGER, "ShowPriceVATIncluded": FLAG,
    "TermsOfDelivery": TEXT, "TermsOfPayment": TEXT, "Type": text(None, "PRIVATE", "COMPANY"),
    "VATNumber": TEXT,
    "VATType": text(None, "SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT"),
    "VisitingAddress": text(128), "VisitingCity": text(128), "VisitingCountryCode": text(2),
    "VisitingZipCode": text(10), "WWW": text(128), "WayOfDelivery": TEXT,
    "YourReference": text(50), "ZipCode": text(10),
}  # fmt: skip
NESTED: dict[str, dict[str, Field]] = {
    "DefaultDeliveryTypes": dict.fromkeys(
        ("Invoice", "Offer", "Order"), text(None, *DELIVERY_TYPES)
    ),
    "DefaultTemplates": dict.fromkeys(("CashInvoice", "Invoice", "Offer", "Order"), TEXT),
}
READ_ONLY = frozenset({"@url", "Country", "DeliveryCountry", "VisitingCountry"})
COUNTRIES = {"CountryCode": "Country", "DeliveryCountryCode": "DeliveryCountry",
             "VisitingCountryCode": "VisitingCountry"}  # fmt: skip
# Unset in a new customer: null, as recorded live (the other text fields are "").
_NULL = ("Address1", "Address2", "City", "Comments", "CostCenter", "Country", "CountryCode",
         "Fax", "GLN", "GLNDelivery", "InvoiceAdministrationFee", "InvoiceDiscount",
         "InvoiceFreight", "Phone1", "Phone2", "SalesAccount", "ZipCode")  # fmt: skip
_NULL_PREFIXES = ("Delivery", "Visiting")


def defaults(store: DocumentStore) -> dict[str, Any]:
    """A new customer before its fields are applied, in the live API's key order."""
    record: dict[str, Any] = {name: "" for name in sorted(WRITABLE.keys() | READ_ONLY - {"@url"})}
    record |= dict.fromkeys(name for name in record if name.startswith(_NULL_PREFIXES))
    record |= dict.fromkeys(_NULL)
    record |= {
        "Active": True,
        "Currency": "SEK",
        "DefaultDeliveryTypes": {"Invoice": "PRINT", "Offer": "PRINT", "Order": "PRINT"},
        "DefaultTemplates": dict.fromkeys(NESTED["DefaultTemplates"], "DEFAULTTEMPLATE"),
        "PriceList": "A",
        "ShowPriceVATIncluded": False,
        "TermsOfPayment": settings(store)["TermsOfPayment"],
        "Type": "COMPANY",
        "VATType": "SEVAT",
    }
    return dict(sorted(record.items()))


def apply(store: DocumentStore, record: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """`record` updated with a request's customer fields, validated."""
    nested = {name: payload.pop(name) for name in NESTED if name in payload}
    changes = clean(payload, WRITABLE, READ_ONLY)
    for name, value in nested.items():
        if not isinstance(value, dict):
            raise invalid_value(f"Ogiltigt värde för {name}")
        changes[name] = record[name] | clean(value, NESTED[name], frozenset())
    updated = record | changes
    if not updated.get("Name"):
        raise invalid_value("Kunden måste ha ett namn (Name)")
    if "Currency" in changes:
        currency(store, changes["Currency"] or "")
    if "PriceList" in changes and store.get("pricelists", changes["PriceList"] or "") is None:
        raise invalid_value(f"Kunde inte hitta prislista ({changes['PriceList']})")
    for code, name in COUNTRIES.items():
        if code in changes:
            updated[name] = country_name(changes[code])
    return updated | {"_LastModified": timestamp()}


def create(store: DocumentStore, payload: dict[str, Any]) -> dict[str, Any]:
    record = apply(store, defaults(store), payload)
    number = record["CustomerNumber"]
    if number and store.get("customers", number) is not None:
        raise FortnoxError(
            400,
            CUSTOMER_NUMBER_USED,
            f"Kundnummer {number} används redan. Kundnumret har redan använts men blivit raderat.",
        )
    while not number or store.get("customers", number) is not None:  # skip explicit numbers
        number = str(store.next_number("customer"))
    record["CustomerNumber"] = number
    store.put("customers", number, record)
    return record


def find(store: DocumentStore, number: str) -> dict[str, Any]:
    record = store.get("customers", number)
    if record is None or record.get("_Deleted"):
        raise FortnoxError(404, CUSTOMER_NOT_FOUND, "Kan inte hitta kunden.")
    return record


SEARCH = {
    "customernumber": "CustomerNumber", "name": "Name", "zipcode": "ZipCode", "city": "City",
    "email": "Email", "phone": "Phone1", "organisationnumber": "OrganisationNumber",
    "gln": "GLN", "glndelivery": "GLNDelivery",
}  # fmt: skip


def _item(record: dict[str, Any], base: str) -> dict[str, Any]:
    number = record["CustomerNumber"]
    return {
        "@url": f"{base}/3/customers/{number}",
        "Address1": record["Address1"],
        "Address2": record["Address2"],
        "City": record["City"],
        "CustomerNumber": number,
        "Email": record["Email"],
        "Name": record["Name"],
        "OrganisationNumber": record["OrganisationNumber"],
        "Phone": record["Phone1"],
        "ZipCode": record["ZipCode"],
    }


LIST = ListSpec(
    plural="Customers",
    item=_item,
    sort_keys={
        "customernumber": lambda record: natural(record["CustomerNumber"]),
        "name": lambda record: (record["Name"] or "").lower(),
    },
    default_sort="customernumber",
    search=SEARCH,
    filters={
        "active": lambda record: record["Active"],
        "inactive": lambda record: not record["Active"],
    },
)


def router(context: Context) -> APIRouter:
    routes = APIRouter(prefix="/3/customers", dependencies=[context.access.requires("customer")])
    store, events = context.store, context.events

    def respond(request: Request, record: dict[str, Any], status: int = 200) -> Response:
        path = f"/3/customers/{record['CustomerNumber']}"
        return context.reply(request, "Customer", path, record, status)

    def saved(record: dict[str, Any], kind: str) -> dict[str, Any]:
        store.put("customers", record["CustomerNumber"], record)
        events.emit("customers", kind, record["CustomerNumber"])
        return record

    @routes.get("")
    async def list_customers(request: Request) -> Response:
        return list_response(request, context.config, store.all("customers"), LIST)

    @routes.post("")
    async def create_customer(request: Request) -> Response:
        record = create(store, await read_wrapped(request, "Customer"))
        events.emit("customers", "customer-created-v1", record["CustomerNumber"])
        return respond(request, record, 201)

    @routes.get("/{number}")
    async def get_customer(request: Request, number: str) -> Response:
        return respond(request, find(store, number))

    @routes.put("/{number}")
    async def update_customer(request: Request, number: str) -> Response:
        record = find(store, number)
        payload = await read_wrapped(request, "Customer")
        payload.pop("CustomerNumber", None)  # the number is the identity; it does not change
        return respond(request, saved(apply(store, record, payload), "customer-updated-v2"))

    @routes.delete("/{number}", status_code=204)
    async def delete_customer(number: str) -> Response:
        # The record stays as a tombstone: its number is reserved for good (§4.1).
        saved(find(store, number) | {"_Deleted": True}, "customer-deleted-v1")
        return Response(status_code=204)

    return routes
