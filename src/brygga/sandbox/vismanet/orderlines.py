"""The SalesOrders V3 order model: body fields, addresses and contacts, lines, totals (§4.2).

Field names and shapes follow the V3 contracts (`NewSalesOrderCommand`,
`PatchSalesOrderCommand`, `SalesOrderDto`, `SalesOrderLineDto` in the client generated from the
V3 swagger, `ON-IT/Visma.Net` `Visma.Net.SalesOrderNG/Models/Contracts.cs`). Unit prices exclude
VAT; VAT per line and on freight is the intersection of the order's tax zone and the tax
category (§4.9). A given address or contact replaces the customer's default completely on
create ("No default values from the customer will be set"), field by field on patch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import reference
from brygga.sandbox.vismanet.documents import money
from brygga.sandbox.vismanet.errors import Problem, invalid
from brygga.sandbox.vismanet.wrapper import (
    DECIMAL,
    FLAG,
    INSTANT,
    INTEGER,
    TEXT,
    group,
    items,
)

Record = dict[str, Any]
ADDRESS = group(
    line1=TEXT,
    line2=TEXT,
    line3=TEXT,
    postalCode=TEXT,
    city=TEXT,
    countryId=TEXT,
    stateId=TEXT,
    overridesDefault=FLAG,
)
CONTACT = group(name=TEXT, attention=TEXT, phone1=TEXT, email=TEXT, overridesDefault=FLAG)
PARTY = group(address=ADDRESS, contact=CONTACT)
SHIPPING = group(
    scheduledDate=INSTANT,
    shipSeparately=FLAG,
    rule=TEXT,
    address=ADDRESS,
    contact=CONTACT,
    preferredWarehouseId=TEXT,
    shipViaId=TEXT,
)
FINANCIAL = group(
    invoiceSeparately=FLAG,
    invoiceDate=INSTANT,
    invoiceId=TEXT,
    postPeriod=TEXT,
    dueDate=INSTANT,
    cashDiscountDate=INSTANT,
)
PAYMENT = group(paymentMethodId=TEXT, cashAccountId=TEXT, paymentReference=TEXT)
FREIGHT = group(cost=DECIMAL, premiumAmount=DECIMAL, taxCategoryId=TEXT)
LINE = dict(
    inventoryId=TEXT,
    description=TEXT,
    unitOfMeasure=TEXT,
    quantity=DECIMAL,
    unitCost=DECIMAL,
    unitPrice=DECIMAL,
    warehouseId=TEXT,
    taxCategoryId=TEXT,
    discountPercent=DECIMAL,
    discountAmount=DECIMAL,
    hasManualPrice=FLAG,
    hasManualDiscount=FLAG,
    note=TEXT,
    externalLink=TEXT,
    shippingRule=TEXT,
    requestDate=INSTANT,
    shipDate=INSTANT,
)
COMMON = dict(
    currencyId=TEXT,
    date=INSTANT,
    requestOn=INSTANT,
    cancelBy=INSTANT,
    description=TEXT,
    status=TEXT,
    shipping=SHIPPING,
    billing=PARTY,
    financialInformation=FINANCIAL,
    paymentSettings=PAYMENT,
    freight=FREIGHT,
    taxZoneId=TEXT,
    note=TEXT,
    branchId=TEXT,
)
NEW_ORDER = COMMON | dict(
    type=TEXT,
    orderId=TEXT,
    overrideNumberSeries=FLAG,
    customer=group(
        id=TEXT, contactId=INTEGER, order=TEXT, refNo=TEXT, locationId=TEXT, termsId=TEXT, gln=TEXT
    ),
    orderLines=items(**LINE),
)
PATCH_ORDER = COMMON | dict(
    customer=group(contactId=INTEGER, order=TEXT, refNo=TEXT, locationId=TEXT, termsId=TEXT)
)
TEXT_LIMITS = {"description": 255, "note": 2048, "customer.order": 40, "customer.refNo": 40}


def customer_address(customer: Record, kind: str) -> Record:
    address = customer[kind]
    return {
        "id": address["addressId"],
        "overridesDefault": False,
        "line1": address.get("addressLine1"),
        "line2": address.get("addressLine2"),
        "line3": address.get("addressLine3"),
        "postalCode": address.get("postalCode"),
        "city": address.get("city"),
        "country": {"id": address["country"]["id"], "name": address["country"]["name"]}
        if address.get("country")
        else None,
    }


def customer_contact(customer: Record, kind: str) -> Record:
    contact = customer[kind]
    fields = ("name", "attention", "email", "phone1", "phone2", "fax")
    return {"id": contact["contactId"], "overridesDefault": False} | {
        name: contact.get(name) for name in fields
    }


def patch_address(address: Record, values: Record, replace: bool, prefix: str) -> Record:
    """`address` with `values`; `replace` drops what `values` lacks (a new order's address)."""
    kept = {"id": address["id"]} if replace else dict(address)
    for name in ("line1", "line2", "line3", "postalCode", "city"):
        if name in values or replace:
            kept[name] = values.get(name)
    if "countryId" in values or replace:
        code = (values.get("countryId") or "").upper()
        name = reference.country_name(code) if code else None
        if code and name is None:
            raise invalid(
                f"{prefix}countryId", f"Country '{code}' is not found.", "CountryNotFound"
            )
        kept["country"] = {"id": code, "name": name} if code else None
    return kept | {"overridesDefault": values.get("overridesDefault", True)}


def patch_contact(contact: Record, values: Record, replace: bool) -> Record:
    kept = {"id": contact["id"]} if replace else dict(contact)
    for name in ("name", "attention", "phone1", "email"):
        if name in values or replace:
            kept[name] = values.get(name)
    return kept | {"overridesDefault": values.get("overridesDefault", True)}


def new_line(store: DocumentStore, line_id: int, values: Record, prefix: str) -> Record:
    item = store.get("inventory", values.get("inventoryId") or "")
    if item is None or item["status"] != "Active":
        raise invalid(
            f"{prefix}inventoryId",
            "The inventory item is not found or not active.",
            "InventoryItemNotFound",
        )
    category = values.get("taxCategoryId") or item["vatCode"]["id"]
    if category not in reference.VAT_CATEGORIES:
        raise invalid(
            f"{prefix}taxCategoryId",
            f"Tax category '{category}' is not found.",
            "TaxCategoryNotFound",
        )
    manual_price = values.get("hasManualPrice", "unitPrice" in values)
    price = values["unitPrice"] if manual_price and "unitPrice" in values else item["defaultPrice"]
    return {
        "lineId": line_id,
        "sortOrder": line_id,
        "lineType": "GoodsForInventory" if item["stockItem"] else "NonStockItem",
        "operation": "Issue",
        "inventory": {
            "id": item["inventoryNumber"],
            "description": item["description"],
            "baseUnit": item["baseUnit"],
        },
        "unitOfMeasure": values.get("unitOfMeasure") or item["salesUnit"],
        "quantity": values.get("quantity", Decimal(0)),
        "unitCost": values.get("unitCost", Decimal(0)),
        "unitPrice": Decimal(price),
        "description": values.get("description") or item["description"],
        "shippingRule": values.get("shippingRule") or "CancelRemainder",
        "completed": False,
        "discountPercent": values.get("discountPercent", Decimal(0)),
        "discountAmount": values.get("discountAmount"),
        "hasManualDiscount": values.get(
            "hasManualDiscount", "discountPercent" in values or "discountAmount" in values
        ),
        "hasManualPrice": bool(manual_price),
        "externalLink": values.get("externalLink"),
        "taxCategoryId": category,
        "warehouseId": values.get("warehouseId") or item["defaultWarehouse"]["id"],
        "note": values.get("note"),
        "billedQuantity": Decimal(0),
        "quantityOnShipments": Decimal(0),
        "freeItem": False,
        "openLine": True,
        "commissionable": False,
    }


def totals(store: DocumentStore, order: Record, rate: Decimal) -> None:
    """Line amounts, taxes and the totals of `order`, in order and base currency."""
    zone = order["customer"]["taxZone"]["id"]
    taxes: dict[str, Record] = {}

    def tax(amount: Decimal, category: str) -> None:
        vat = reference.vat_for(store, category, zone)
        if vat is None:
            raise Problem(400, f"Tax category '{category}' cannot be used in tax zone '{zone}'.")
        entry = taxes.setdefault(vat["vatId"], vat | {"taxable": Decimal(0)})
        entry["taxable"] += amount

    lines_total = discount_total = quantity = Decimal(0)
    for line in order["_lines"]:
        before = money(Decimal(line["quantity"]) * Decimal(line["unitPrice"]))
        discount = line["discountAmount"]
        if discount is None or not line["hasManualDiscount"]:
            discount = money(before * Decimal(line["discountPercent"]) / 100)
        extended = before - Decimal(discount)
        line |= {"lineTotalBeforeDiscount": before, "discountAmount": Decimal(discount)}
        line |= {"extendedPrice": extended, "baseOrderQuantity": line["quantity"]}
        line["openQuantity"] = line["quantity"]
        tax(extended, line["taxCategoryId"])
        lines_total += extended
        discount_total += Decimal(discount)
        quantity += Decimal(line["quantity"])
    freight = order["freight"]
    freight_amount = money(Decimal(freight["cost"]) + Decimal(freight["premiumAmount"]))
    if freight_amount:
        tax(freight_amount, freight["taxCategoryId"])
    order["_taxes"] = [
        {
            "taxId": vat_id,
            "taxRate": entry["rate"],
            "taxableAmount": money(entry["taxable"]),
            "taxAmount": money(entry["taxable"] * entry["rate"] / 100),
            "exemptTax": entry["rate"] == 0,
            "includeInTaxable": entry["rate"] != 0,
            "isPendingTax": False,
            "isStatisticalTax": False,
            "isReverseTax": vat_id == "EUVF",
            "taxType": "Vat",
        }
        for vat_id, entry in taxes.items()
    ]
    tax_total = sum((entry["taxAmount"] for entry in order["_taxes"]), Decimal(0))
    taxable = sum((e["taxableAmount"] for e in order["_taxes"] if e["taxRate"]), Decimal(0))
    amounts = {
        "orderTotal": lines_total + freight_amount + tax_total,
        "taxableTotal": taxable,
        "taxExemptTotal": lines_total + freight_amount - taxable,
        "taxTotal": tax_total,
        "discountTotal": discount_total,
        "freightTotal": freight_amount,
        "unbilledAmount": lines_total + freight_amount + tax_total,
        "unshippedAmount": lines_total,
        "paymentTotal": Decimal(0),
    }
    order["totals"] = {}
    for name, value in amounts.items():
        order["totals"] |= {name: money(value), f"{name}InBaseCurrency": money(value * rate)}
    freight |= {"amount": freight_amount, "amountInBaseCurrency": money(freight_amount * rate)}
    freight["costInBaseCurrency"] = money(Decimal(freight["cost"]) * rate)
    freight["premiumAmountInBaseCurrency"] = money(Decimal(freight["premiumAmount"]) * rate)
    order["orderQty"] = quantity
