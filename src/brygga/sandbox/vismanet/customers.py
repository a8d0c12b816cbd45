"""`/v1/customer` (fact sheet §4.1): list, read, create, partial update, by number or internal id.

Writes use `CustomerUpdateDto` (DtoValue); reads are the flat `CustomerDto`, where references
come back as small objects (`customerClassId` → `customerClass{id, description}`, `countryId` →
`country{id, name}`). Numbers come from the number series; a `number` in the body is only used
with `overrideNumberSeries` (otherwise ignored, as Acumatica replaces the key of a new record in
an auto-numbered series — inferred). The customer class provides the defaults for VAT zone,
credit terms and currency (§7.14); `overrideWithClassValues` re-applies them when the class
changes. Invoice and delivery address and contact start as copies of the main ones.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import reference
from brygga.sandbox.vismanet.company import BASE_CURRENCY, base_url, stamp
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.paging import listing
from brygga.sandbox.vismanet.reference import visible
from brygga.sandbox.vismanet.wrapper import (
    FLAG,
    TEXT,
    Field,
    choice,
    group,
    path_id,
    read_dto,
    unwrap,
)

Record = dict[str, Any]
DTO = "CustomerUpdateDto"
STATUSES = ("Active", "OnHold", "CreditHold", "Inactive", "OneTime")
ADDRESS_LEAVES = ("addressLine1", "addressLine2", "addressLine3", "postalCode", "city")
CONTACT_LEAVES = ("name", "attention", "email", "web", "phone1", "phone2", "fax")
ADDRESS = group(**dict.fromkeys(ADDRESS_LEAVES, TEXT), countryId=TEXT, county=TEXT)
CONTACT = group(**dict.fromkeys(CONTACT_LEAVES, TEXT))
ADDRESSES = ("mainAddress", "invoiceAddress", "deliveryAddress")
# A new customer's invoice and delivery parts start as copies of the main ones.
COPIES = {
    "invoiceAddress": "mainAddress",
    "deliveryAddress": "mainAddress",
    "invoiceContact": "mainContact",
    "deliveryContact": "mainContact",
}
CONTACTS = ("mainContact", "invoiceContact", "deliveryContact")
TEXTS = ("name", "currencyId", "vatRegistrationId", "corporateId", "gln", "accountReference")
WRITABLE: dict[str, Field] = {
    "number": TEXT,
    "status": choice(*STATUSES),
    "customerClassId": TEXT,
    "creditTermsId": TEXT,
    "vatZoneId": TEXT,
    "overrideNumberSeries": FLAG,
    **dict.fromkeys(TEXTS, TEXT),
    **dict.fromkeys(ADDRESSES, ADDRESS),
    **dict.fromkeys(CONTACTS, CONTACT),
}


def create(store: DocumentStore, payload: Record) -> Record:
    values = unwrap(payload, WRITABLE, DTO)
    if not values.get("name"):
        raise VismaError(400, "Error creating customer. Error: 'Customer Name' cannot be empty.")
    number = values.get("number") if values.get("overrideNumberSeries") else None
    if number and store.get("customers", number) is not None:
        raise VismaError(
            400, f"Error creating customer. Error: Customer '{number}' already exists."
        )
    while not number or store.get("customers", number) is not None:
        number = str(store.next_number("customer_number", 10001))
    record: Record = {
        "internalId": store.next_number("customer_internal_id", 1001),
        "number": number,
        "name": values["name"],
        "status": "Active",
        "createdDateTime": stamp(),
    }
    record |= {kind: _address(store, {}) for kind in ADDRESSES}
    record |= {kind: _contact(store, {}) for kind in CONTACTS}
    values.setdefault("customerClassId", reference.DEFAULT_CUSTOMER_CLASS)
    for kind, main in COPIES.items():
        if kind not in values:
            values[kind] = values.get(main)
    record = _apply(store, record, values, class_defaults=True, verb="creating")
    store.put("customers", number, record)
    return record


def update(store: DocumentStore, record: Record, payload: Record) -> Record:
    values = unwrap(payload, WRITABLE, DTO)
    values.pop("number", None)  # renumbering is the changeCustomerCd action
    class_defaults = bool(payload.get("overrideWithClassValues")) and "customerClassId" in values
    record = _apply(store, record, values, class_defaults, verb="updating")
    store.put("customers", record["number"], record)
    return record


def _apply(
    store: DocumentStore, record: Record, values: Record, class_defaults: bool, verb: str
) -> Record:
    record = dict(record)
    try:
        if "customerClassId" in values:
            record["customerClass"] = reference.pair(
                reference.CUSTOMER_CLASSES, values["customerClassId"], "CustomerClass"
            )
            if class_defaults:
                zone = reference.CUSTOMER_CLASSES[values["customerClassId"]][1]
                values.setdefault("vatZoneId", zone)
                values.setdefault("creditTermsId", reference.DEFAULT_CREDIT_TERMS)
                values.setdefault("currencyId", BASE_CURRENCY)
        for name in TEXTS:
            if name in values:
                record[name] = values[name]
        if "status" in values:
            record["status"] = values["status"] or "Active"
        if "creditTermsId" in values:
            record["creditTerms"] = reference.pair(
                reference.CREDIT_TERMS, values["creditTermsId"], "CreditTerms"
            )
        if "vatZoneId" in values:
            zone = reference.pair(reference.VAT_ZONES, values["vatZoneId"], "VatZone")
            record["vatZone"] = zone | {"defaultVatCategory": reference.VAT_ZONES[zone["id"]][1]}
        if record.get("currencyId") and not reference.currency_known(store, record["currencyId"]):
            raise VismaError(
                400, f"Currency '{record['currencyId']}' cannot be found in the system."
            )
        for kind in ADDRESSES:
            if values.get(kind) is not None:
                record[kind] = _address(store, values[kind], record.get(kind))
        for kind in CONTACTS:
            if values.get(kind) is not None:
                record[kind] = _contact(store, values[kind], record.get(kind))
    except VismaError as error:
        raise VismaError(400, f"Error {verb} customer. Error: {error.text}") from None
    return record | {"lastModifiedDateTime": stamp()}


def _address(store: DocumentStore, values: Record, current: Record | None = None) -> Record:
    address = dict(current or {"addressId": store.next_number("address_id", 1)})
    for leaf in ADDRESS_LEAVES:
        if leaf in values:
            address[leaf] = values[leaf]
    if "countryId" in values:
        code = (values["countryId"] or "").upper()
        name = reference.country_name(code) if code else ""
        if name is None:
            raise VismaError(400, f"Country '{code}' cannot be found in the system.")
        address["country"] = {"id": code, "name": name}
    return address


def _contact(store: DocumentStore, values: Record, current: Record | None = None) -> Record:
    contact = dict(current or {"contactId": store.next_number("contact_id", 1)})
    contact |= {leaf: values[leaf] for leaf in CONTACT_LEAVES if leaf in values}
    return contact


def find(store: DocumentStore, number: str) -> Record:
    record = store.get("customers", path_id(number))
    if record is None:
        raise VismaError(404, f"Customer '{path_id(number)}' cannot be found in the system.")
    return record


def find_internal(store: DocumentStore, internal_id: str) -> Record:
    for record in store.all("customers"):
        if str(record["internalId"]) == internal_id:
            return record
    raise VismaError(404, f"Customer with internal id '{internal_id}' cannot be found.")


FILTERS = {
    "name": "name",
    "status": "status",
    "corporateId": "corporateId",
    "vatRegistrationId": "vatRegistrationId",
    "email": "mainContact.email",
    "phone": "mainContact.phone1",
}
MOMENTS = {"lastModifiedDateTime": "lastModifiedDateTime", "createdDateTime": "createdDateTime"}


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter(prefix="/v1/customer")

    @routes.get("")
    async def list_customers(request: Request) -> Response:
        return listing(request, store.all("customers"), visible, FILTERS, MOMENTS)

    @routes.post("")
    async def create_customer(request: Request) -> Response:
        record = create(store, await read_dto(request, DTO))
        location = f"{base_url(request, config)}/v1/customer/{record['number']}"
        return Response(status_code=201, headers={"Location": location})

    @routes.get("/internal/{internal_id}")
    async def get_internal(internal_id: str) -> Response:
        return DecimalJSONResponse(visible(find_internal(store, internal_id)))

    @routes.put("/internal/{internal_id}")
    async def put_internal(request: Request, internal_id: str) -> Response:
        update(store, find_internal(store, internal_id), await read_dto(request, DTO))
        return Response(status_code=204)

    @routes.get("/{number}")
    async def get_customer(number: str) -> Response:
        return DecimalJSONResponse(visible(find(store, number)))

    @routes.put("/{number}")
    async def put_customer(request: Request, number: str) -> Response:
        update(store, find(store, number), await read_dto(request, DTO))
        return Response(status_code=204)

    return routes
