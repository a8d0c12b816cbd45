"""`/V1/customers` (fact sheet §4.2): search, read, create, update.

An e-mail is unique per website (one website here). PUT merges into the stored customer: fields
it omits are kept, and `addresses` replaces the list when given. `default_billing` and
`default_shipping` are address ids as strings; a region without code or name shows only
`region_id: 0` (nulls are omitted). New passwords need 8 characters of 3 classes (the store's
defaults).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.magento.auth import Access
from brygga.sandbox.magento.data import ATTRIBUTE, ArrayOf, DataType, path_int, read_body
from brygga.sandbox.magento.data import require_fields as require
from brygga.sandbox.magento.errors import bad_request, no_such_entity
from brygga.sandbox.magento.search import Listing, search
from brygga.sandbox.magento.shop import CUSTOMER_GROUP, STORE_ID, WEBSITE_ID, now
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

Record = dict[str, Any]
REGION = DataType(
    "Magento\\Customer\\Api\\Data\\RegionInterface",
    {
        "region_code": "string",
        "region": "string",
        "region_id": "int",
        "extension_attributes": "mixed",
    },
)
_TEXT = ("company", "telephone", "fax", "postcode", "city", "firstname", "lastname", "middlename",
         "prefix", "suffix", "vat_id")  # fmt: skip
ADDRESS = DataType(
    "Magento\\Customer\\Api\\Data\\AddressInterface",
    {"id": "int", "customer_id": "int", "region": REGION, "region_id": "int",
     "country_id": "string", "street": ArrayOf("string"), "default_shipping": "bool",
     "default_billing": "bool", "extension_attributes": "mixed",
     "custom_attributes": ArrayOf(ATTRIBUTE)} | dict.fromkeys(_TEXT, "string"),
)  # fmt: skip
CUSTOMER = DataType(
    "Magento\\Customer\\Api\\Data\\CustomerInterface",
    {"id": "int", "group_id": "int", "default_billing": "string", "default_shipping": "string",
     "confirmation": "string", "created_at": "string", "updated_at": "string",
     "created_in": "string", "dob": "string", "email": "string", "firstname": "string",
     "lastname": "string", "middlename": "string", "prefix": "string", "suffix": "string",
     "gender": "int", "store_id": "int", "taxvat": "string", "website_id": "int",
     "addresses": ArrayOf(ADDRESS), "disable_auto_group_change": "int",
     "extension_attributes": DataType(
         "Magento\\Customer\\Api\\Data\\CustomerExtensionInterface",
         {"is_subscribed": "bool", "assistance_allowed": "int"}),
     "custom_attributes": ArrayOf(ATTRIBUTE)},
)  # fmt: skip
ADDRESS_REQUIRED = (
    "firstname",
    "lastname",
    "street",
    "city",
    "country_id",
    "telephone",
    "postcode",
)
EMAIL_TAKEN = "A customer with the same email address already exists in an associated website."
# Fields of a stored customer in the live API's order, and the defaults of a new one.
ORDER = (
    "group_id", "default_billing", "default_shipping", "created_at", "updated_at", "created_in",
    "dob", "email", "firstname", "lastname", "middlename", "prefix", "suffix", "gender",
    "store_id", "taxvat", "website_id",
)  # fmt: skip
DEFAULTS = {
    "group_id": CUSTOMER_GROUP,
    "created_in": "Default Store View",
    "store_id": STORE_ID,
    "website_id": WEBSITE_ID,
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def build(
    payload: Record, existing: Record | None, customer_id: int, address_id: Callable[[], int]
) -> Record:
    """The stored customer after a create (`existing` None) or a full update."""
    previous = existing or {}
    merged = previous | {k: v for k, v in payload.items() if k not in ("id", "addresses")}
    require(merged, ("email", "firstname", "lastname"))
    if not _EMAIL.fullmatch(merged["email"]):
        raise bad_request(
            'Invalid value of "%value" provided for the %fieldName field.',
            {"value": merged["email"], "fieldName": "email"},
        )
    addresses = previous.get("addresses", [])
    if payload.get("addresses") is not None:
        known = {a["id"] for a in addresses}
        addresses = [
            _address(a, a["id"] if a.get("id") in known else address_id(), customer_id)
            for a in payload["addresses"]
        ]
    for flag in ("default_billing", "default_shipping"):
        chosen = [str(a["id"]) for a in addresses if a.get(flag)]
        if chosen:
            merged[flag] = chosen[-1]
    stamp = now()
    customer = {"id": customer_id} | {name: merged.get(name, DEFAULTS.get(name)) for name in ORDER}
    extension = {"is_subscribed": False} | (merged.get("extension_attributes") or {})
    return customer | {
        "created_at": merged.get("created_at") or stamp,
        "updated_at": stamp,
        "addresses": addresses,
        "disable_auto_group_change": merged.get("disable_auto_group_change", 0),
        "extension_attributes": extension,
        "custom_attributes": merged.get("custom_attributes"),
    }


def _address(payload: Record, address_id: int, customer_id: int) -> Record:
    require(payload, ADDRESS_REQUIRED)
    region = payload.get("region") or {}
    region_id = region.get("region_id") or payload.get("region_id") or 0
    return {
        "id": address_id,
        "customer_id": customer_id,
        "region": {"region_code": region.get("region_code"), "region": region.get("region"),
                   "region_id": region_id},
        "region_id": region_id,
        "country_id": payload["country_id"],
        "street": payload["street"],
    } | {name: payload.get(name) for name in _TEXT} | {
        "default_shipping": bool(payload.get("default_shipping")),
        "default_billing": bool(payload.get("default_billing")),
    }  # fmt: skip


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise bad_request(
            "The password needs at least %1 characters. Create a new password and try again.", [8]
        )
    classes = [r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"]
    if sum(bool(re.search(c, password)) for c in classes) < 3:
        raise bad_request(
            "Minimum of different classes of characters in password is %1. Classes of "
            "characters: Lower Case, Upper Case, Digits, Special Characters.",
            [3],
        )


def _row(customer: Record) -> Record:
    row = {k: v for k, v in customer.items() if not isinstance(v, dict | list) and k != "id"}
    return row | {"entity_id": customer["id"]}


LISTING = Listing(
    key=lambda customer: customer["id"],
    row=_row,
    item=lambda customer: customer,
    nullable=frozenset({"dob", "gender", "taxvat", "middlename", "prefix", "suffix",
                        "default_billing", "default_shipping", "confirmation"}),
    eav=True,
)  # fmt: skip


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1/customers")
    reading = [access.requires("Magento_Customer::customer")]
    managing = [access.requires("Magento_Customer::manage")]

    def find(raw_id: str) -> Record:
        customer_id = path_int(raw_id)
        found = store.get("customers", str(customer_id))
        if found is None:
            raise no_such_entity("customerId", customer_id)
        return found

    def save(customer: Record) -> Response:
        taken = any(
            other["email"].casefold() == customer["email"].casefold()
            and other["website_id"] == customer["website_id"]
            and other["id"] != customer["id"]
            for other in store.all("customers")
        )
        if taken:
            raise bad_request(EMAIL_TAKEN)
        store.put("customers", str(customer["id"]), customer)
        return MagentoResponse(customer)

    def address_id() -> int:
        return store.next_number("customer_address")

    @routes.get("/search", dependencies=reading)
    async def search_customers(request: Request) -> Response:
        return search(request, store.all("customers"), LISTING)

    @routes.get("/{customer_id}", dependencies=reading)
    async def get_customer(customer_id: str) -> Response:
        return MagentoResponse(find(customer_id))

    @routes.post("", dependencies=managing)
    async def create_customer(request: Request) -> Response:
        params = {"customer": CUSTOMER, "password": "string", "redirectUrl": "string"}
        body = await read_body(request, params, "customer")
        if body.get("password") is not None:
            _check_password(body["password"])
        customer = build(body["customer"], None, 0, address_id)
        # Only a valid customer uses up an id, as an insert that fails rolls back.
        return save(_renumber(customer, store.next_number("customer")))

    @routes.put("/{customer_id}", dependencies=managing)
    async def update_customer(request: Request, customer_id: str) -> Response:
        existing = find(customer_id)
        body = await read_body(
            request, {"customer": CUSTOMER, "passwordHash": "string"}, "customer"
        )
        return save(build(body["customer"], existing, existing["id"], address_id))

    return routes


def _renumber(customer: Record, customer_id: int) -> Record:
    addresses = [a | {"customer_id": customer_id} for a in customer["addresses"]]
    return customer | {"id": customer_id, "addresses": addresses}
