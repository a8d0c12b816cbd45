"""What a fresh Fortnox sandbox holds: the company's reference data (currencies, price list A
with a price per article, articles, one stock point, VAT rates) and a few old customers.

Seeded once per data directory; a restart on the same `--data-dir` keeps every record and
counter as it was.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from brygga.sandbox import seed as demo
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.fortnox import articles, customers
from brygga.sandbox.fortnox.fields import plain
from brygga.sandbox.fortnox.prices import price_key, price_record
from brygga.sandbox.fortnox.tenant import TENANT_ID, sales_account, timestamp, today
from brygga.sandbox.fortnox.totals import cents
from brygga.sandbox.fortnox.warehouse import STOCK_POINT
from brygga.sandbox.storage import DocumentStore

CURRENCY_NAMES = {
    "SEK": "Svensk krona",
    "EUR": "Euro",
    "NOK": "Norsk krona",
    "DKK": "Dansk krona",
    "USD": "Amerikansk dollar",
}
# The merchant used Fortnox before Brygga: the first seed customers already exist here, with the
# same e-mail but the phone number typed without spaces, so that Brygga must find and reuse them.
EXISTING_CUSTOMERS = 3


def seed(store: DocumentStore, config: SandboxConfig) -> None:
    if store.get_meta("seeded"):
        return
    data = config.demo_data()
    # Bulk writes first: an in-memory store cannot open put_many's transaction after a put.
    stamp = timestamp()
    store.put_many("currencies", {code: _currency(code, stamp) for code in demo.RATES_TO_SEK})
    store.put_many(
        "pricelists",
        {"A": {"Code": "A", "Comments": "", "Description": "Standardpris", "PreSelected": True}},
    )
    rng = random.Random(f"fortnox-stock-{config.seed}")
    stock = {
        size.sku: _article(product, variant, size, Decimal(rng.randint(0, 60)), stamp)
        for product in data.products
        for variant in product.variants
        for size in variant.sizes
    }
    store.put_many("articles", stock)
    store.put_many(
        "prices",
        {
            price_key("A", sku, 0): price_record("A", sku, a["SalesPrice"])
            for sku, a in stock.items()
        },
    )
    store.put_many("stockpoints", {STOCK_POINT["code"]: STOCK_POINT})
    store.set_meta(
        "tenant",
        {
            "DatabaseNumber": TENANT_ID,
            "CompanyName": "Brygga Demo AB",
            "VATRates": [25, 12, 6, 0],  # the default Swedish rates, and 0 for exports (§4.10)
            "FreightVAT": 25,
            "TermsOfPayment": "30",
        },
    )
    for customer in data.customers[:EXISTING_CUSTOMERS]:
        customers.create(store, _customer(customer))
    store.set_meta("seeded", True)


def _currency(code: str, stamp: str) -> dict[str, Any]:
    rate = demo.RATES_TO_SEK[code]
    return {
        "BuyRate": rate,
        "Code": code,
        "Date": today(),
        "Description": CURRENCY_NAMES[code],
        "IsAutomatic": code != "SEK",
        "SellRate": rate,
        "Unit": Decimal(1),
        "_LastModified": stamp,
    }


def _article(
    product: demo.Product, variant: demo.Variant, size: demo.Size, quantity: Decimal, stamp: str
) -> dict[str, Any]:
    single = len(product.skus) == 1
    description = product.name if single else f"{product.name} {variant.name} {size.name}"
    price = product.prices["SEK"]  # the consumer price incl. VAT, so both systems agree
    purchase = cents(price * Decimal("0.35"))
    account = sales_account("SEVAT", product.tax_percent)
    return articles.defaults() | {
        "Active": True, "ArticleNumber": size.sku, "Bulky": False, "Description": description,
        "DisposableQuantity": quantity, "EAN": size.ean, "EUAccount": 3106,
        "EUVATAccount": account, "Expired": False, "ExportAccount": 3105, "Housework": False,
        "Manufacturer": "", "ManufacturerArticleNumber": "", "Note": "", "PurchaseAccount": 4000,
        "PurchasePrice": purchase, "QuantityInStock": quantity, "ReservedQuantity": Decimal(0),
        "SalesAccount": account, "SalesPrice": price, "StockGoods": True, "StockPlace": "",
        "StockValue": plain(purchase * quantity), "StockWarning": Decimal(0), "SupplierName": "",
        "SupplierNumber": "", "Type": "STOCK", "Unit": "st", "VAT": plain(product.tax_percent),
        "WebshopArticle": True, "_LastModified": stamp,
    }  # fmt: skip


def _customer(customer: demo.Customer) -> dict[str, Any]:
    address = customer.address
    company = bool(address.company)
    if address.country not in demo.EU:
        vat_type = "EXPORT"
    elif address.country == "SE":
        vat_type = "SEVAT"
    else:
        vat_type = "EUREVERSEDVAT" if company else "EUVAT"
    return {
        "Name": address.company or f"{customer.first_name} {customer.last_name}",
        "Type": "COMPANY" if company else "PRIVATE",
        "OrganisationNumber": customer.organisation_number,
        "VATNumber": address.vat_number,
        "VATType": vat_type,
        "Email": customer.email,
        "Phone1": customer.phone.replace(" ", ""),
        "Address1": address.line1,
        "Address2": address.line2,
        "ZipCode": address.postcode,
        "City": address.city,
        "CountryCode": address.country,
        "Currency": demo.COUNTRIES[address.country][0],
    }
