"""SalesOrders V3 orders: create, patch, versions and read forms (fact sheet §4.2).

An order is stored whole, with its lines and taxes hidden (`_lines`, `_taxes`); `view` gives
the read form for the requested expansions and `list_item` the list form. Every write bumps
the order's `version`, an 8-byte row version in base64 that is also its ETag. Setting `status`
must be the only change of a patch (`PatchSalesOrderCommand`). Null properties are left out of
reads, as the V3 contracts do (`NullValueHandling.Ignore`).
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import orderlines, reference
from brygga.sandbox.vismanet.company import BASE_CURRENCY, COMPANY_NAME, instant
from brygga.sandbox.vismanet.errors import Problem, VismaError, invalid
from brygga.sandbox.vismanet.orderlines import (
    TEXT_LIMITS,
    patch_address,
    patch_contact,
)

Record = dict[str, Any]
PREFIX = "/api/v3/SalesOrders"
ORDER_TYPES = {"SO": "Sales order"}
NEW_STATUSES = ("Open", "Hold")
PATCH_STATUSES = ("Open", "Hold", "BackOrder", "Cancelled", "Completed")
EXPANSIONS = {
    "billing": "billing",
    "payment": "paymentSettings",
    "financialinformation": "financialInformation",
    "shipping": "shipping",
    "customer": "customer",
    "note": "note",
    "freight": "freight",
}


def create(store: DocumentStore, values: Record) -> Record:
    order_type = values.get("type")
    if order_type not in ORDER_TYPES:
        raise invalid(
            "type", f"Order type '{order_type}' is not an active order type.", "OrderTypeNotFound"
        )
    order_id = values.get("orderId") if values.get("overrideNumberSeries") else None
    if values.get("overrideNumberSeries") and not order_id:
        raise invalid(
            "orderId", "orderId is required with overrideNumberSeries.", "OrderIdRequired"
        )
    if order_id and store.get("sales_orders", f"{order_type}/{order_id}") is not None:
        raise Problem(409, f"Sales order {order_type} {order_id} already exists.")
    customer_values = values.get("customer") or {}
    customer = store.get("customers", customer_values.get("id") or "")
    if customer is None or customer["status"] != "Active":
        raise invalid("customer.id", "The customer is not found or not active.", "CustomerNotFound")
    date = values.get("date") or datetime.now(UTC)
    status = values.get("status") or "Open"
    if status not in NEW_STATUSES:
        raise invalid("status", "status must be null, empty, Open or Hold.", "InvalidStatus")
    order: Record = {
        "type": order_type,
        "orderId": order_id or "",
        "branch": {"id": "1", "description": COMPANY_NAME},
        "date": instant(date),
        "cancelBy": instant(date + timedelta(days=30)),
        "requestOn": instant(values.get("requestOn") or date),
        "isRotRutDeductible": False,
        "currencyId": customer.get("currencyId") or BASE_CURRENCY,
        "status": {"description": status, "cancelled": False, "hold": status == "Hold"},
        "customer": {
            "internalId": customer["internalId"],
            "id": customer["number"],
            "name": customer["name"],
            "taxZone": reference.pair(reference.VAT_ZONES, customer["vatZone"]["id"], "VatZone"),
            "location": {"id": "MAIN", "name": "Primary Location"},
        },
        "billing": {
            "address": orderlines.customer_address(customer, "invoiceAddress"),
            "contact": orderlines.customer_contact(customer, "invoiceContact"),
        },
        "shipping": {
            "address": orderlines.customer_address(customer, "deliveryAddress"),
            "contact": orderlines.customer_contact(customer, "deliveryContact"),
            "scheduledDate": instant(date),
            "shipSeparately": False,
            "rule": "CancelRemainder",
            "residentialDelivery": False,
            "saturdayDelivery": False,
            "insurance": False,
            "priority": 0,
        },
        "financialInformation": {
            "invoiceSeparately": False,
            "terms": reference.pair(
                reference.CREDIT_TERMS, customer["creditTerms"]["id"], "CreditTerms"
            ),
        },
        "paymentSettings": {},
        "freight": {
            "volume": 0,
            "weight": 0,
            "cost": Decimal(0),
            "premiumAmount": Decimal(0),
            "taxCategoryId": "1",
        },
        "emailed": False,
        "_created": instant(datetime.now(UTC)),
        "_lines": [],
    }
    _apply(store, order, values, replace=True)
    for index, line in enumerate(values.get("orderLines", [])):
        new = orderlines.new_line(store, index + 1, line, f"orderLines[{index}].")
        order["_lines"].append(new | {"orderDate": order["date"], "branch": order["branch"]})
    # Numbered last, so that a refused order uses no number.
    while not order["orderId"] or store.get("sales_orders", _key(order)) is not None:
        order["orderId"] = f"{store.next_number(f'sales_order_{order_type}'):06d}"
    return _save(store, order)


def patch(store: DocumentStore, order: Record, values: Record) -> Record:
    order = copy.deepcopy(order)  # the stored order stays as it is if the patch is refused
    if "status" in values:
        if len(values) > 1:
            raise invalid(
                "status", "When status is set, no other fields may be patched.", "StatusMustBeAlone"
            )
        if values["status"] not in PATCH_STATUSES:
            raise invalid("status", f"Invalid status '{values['status']}'.", "InvalidStatus")
        status = values["status"]
        cancelled, hold = status == "Cancelled", status == "Hold"
        order["status"] = {"description": status, "cancelled": cancelled, "hold": hold}
        return _save(store, order)
    _apply(store, order, values, replace=False)
    return _save(store, order)


def _apply(store: DocumentStore, order: Record, values: Record, replace: bool) -> None:
    """Header fields shared by create and patch."""
    for path, limit in TEXT_LIMITS.items():
        head, _, leaf = path.rpartition(".")
        text = (values.get(head) or {}).get(leaf) if head else values.get(path)
        if text is not None and len(text) > limit:
            raise invalid(
                path,
                f"The length of '{path}' must be {limit} characters or fewer.",
                "MaximumLengthValidator",
            )
    for name in ("description", "note"):
        if name in values:
            order[name] = values[name]
    for name in ("date", "requestOn", "cancelBy"):
        if name in values:
            order[name] = instant(values[name])
    customer = values.get("customer") or {}
    for name in ("contactId", "order", "refNo"):
        if name in customer:
            order["customer"][name] = customer[name]
    if customer.get("termsId"):
        terms = _reference(reference.CREDIT_TERMS, customer["termsId"], "customer.termsId")
        order["financialInformation"]["terms"] = terms
    if values.get("taxZoneId"):
        zone = _reference(reference.VAT_ZONES, values["taxZoneId"], "taxZoneId")
        order["customer"]["taxZone"] = zone
    if values.get("currencyId"):
        if not reference.currency_known(store, values["currencyId"]):
            raise invalid("currencyId", "The currency is not found.", "CurrencyNotFound")
        order["currencyId"] = values["currencyId"]
    for part in ("billing", "shipping"):
        given = values.get(part) or {}
        if "address" in given:
            order[part]["address"] = patch_address(
                order[part]["address"], given["address"], replace, f"{part}.address."
            )
        if "contact" in given:
            order[part]["contact"] = patch_contact(
                order[part]["contact"], given["contact"], replace
            )
    shipping = values.get("shipping") or {}
    for name in ("shipSeparately", "rule"):
        if name in shipping:
            order["shipping"][name] = shipping[name]
    if "scheduledDate" in shipping:
        order["shipping"]["scheduledDate"] = instant(shipping["scheduledDate"])
    financial = values.get("financialInformation") or {}
    for name, value in financial.items():
        is_moment = isinstance(value, datetime)
        order["financialInformation"][name] = instant(value) if is_moment else value
    order["paymentSettings"] |= values.get("paymentSettings") or {}
    freight = values.get("freight") or {}
    if "taxCategoryId" in freight:
        _reference(reference.VAT_CATEGORIES, freight["taxCategoryId"], "freight.taxCategoryId")
    order["freight"] |= freight


def _reference(table: dict[str, Any], key: str, path: str) -> dict[str, str]:
    try:
        return reference.pair(table, key, path)
    except VismaError as error:
        raise invalid(path, error.text, "NotFound") from None


def _save(store: DocumentStore, order: Record) -> Record:
    moment = datetime.fromisoformat(order["date"]).replace(tzinfo=None)
    try:
        rate = reference.rate_to_base(store, order["currencyId"], moment)
    except VismaError as error:
        raise Problem(400, error.text) from None
    orderlines.totals(store, order, rate)
    version = store.next_number("sales_order_version")
    order["version"] = base64.b64encode(version.to_bytes(8, "big")).decode()
    order["lastModified"] = instant(datetime.now(UTC))
    store.put("sales_orders", _key(order), order)
    return order


def _key(order: Record) -> str:
    return f"{order['type']}/{order['orderId']}"


def etag(order: Record) -> str:
    return f'"{order["version"]}"'


def matches(if_match: str, order: Record) -> bool:
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")]
    return "*" in tags or order["version"] in tags


def compact(value: Any) -> Any:
    """Nulls left out, recursively (`NullValueHandling.Ignore`)."""
    if isinstance(value, dict):
        return {key: compact(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [compact(item) for item in value]
    return value


def view(order: Record, expand: set[str]) -> Record:
    shown = {key: value for key, value in order.items() if not key.startswith("_")}
    wanted = set(EXPANSIONS) if "all" in expand else expand
    for name, part in EXPANSIONS.items():
        if name not in wanted:
            shown.pop(part, None)
    if "customer" not in wanted:
        shown["customer"] = {key: order["customer"][key] for key in ("internalId", "id", "name")}
    return compact(shown)


def list_item(order: Record, base: str) -> Record:
    href = f"{base}{PREFIX}/{order['type']}/{order['orderId']}"
    return compact(
        {
            "_links": {"self": {"href": href}},
            "type": order["type"],
            "orderId": order["orderId"],
            "status": order["status"]["description"],
            "date": order["date"],
            "shippingScheduledDate": order["shipping"]["scheduledDate"],
            "customerId": order["customer"]["id"],
            "customerName": order["customer"]["name"],
            "orderQty": order["orderQty"],
            "orderTotal": order["totals"]["orderTotal"],
            "taxTotal": order["totals"]["taxTotal"],
            "currency": order["currencyId"],
            "location": order["customer"]["location"]["id"],
            "requestOn": order["requestOn"],
            "customerOrder": order["customer"].get("order"),
            "customerRefNo": order["customer"].get("refNo"),
            "description": order.get("description"),
            "lastModified": order["lastModified"],
        }
    )
