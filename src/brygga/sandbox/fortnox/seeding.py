"""What a fresh Fortnox sandbox holds: the company's reference data (chart of accounts,
currencies, price list A with a price per article, articles, one stock point, VAT rates with
the OSS countries' rates) and a few old customers.

Seeded once per data directory; a restart on the same `--data-dir` keeps every record and
counter as it was. A directory seeded before the chart and the OSS rates existed gets them on
start, since rows cannot be booked without accounts.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from brygga.sandbox import seed as demo
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.fortnox import accounts, articles, customers
from brygga.sandbox.fortnox.fields import plain
from brygga.sandbox.fortnox.prices import price_key, price_record
from brygga.sandbox.fortnox.tenant import (
    TENANT_ID,
    country_name,
    sales_account,
    timestamp,
    today,
)
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
# A BAS 2024 subset: number -> (description, SRU code of the INK2 return, VATCode). VATCodes
# follow the rows' MP1-MP3 (rows.py); other accounts' codes are unconfirmed, so left empty.
CHART: dict[int, tuple[str, int, str]] = {
    1460: ("Lager av handelsvaror", 7243, ""),
    1510: ("Kundfordringar", 7251, ""),
    1930: ("Företagskonto/checkkonto/affärskonto", 7281, ""),
    2611: ("Utgående moms på försäljning inom Sverige, 25 %", 7369, ""),
    2621: ("Utgående moms på försäljning inom Sverige, 12 %", 7369, ""),
    2631: ("Utgående moms på försäljning inom Sverige, 6 %", 7369, ""),
    2640: ("Ingående moms", 7369, ""),
    3001: ("Försäljning varor inom Sverige, 25 % moms", 7410, "MP1"),
    3002: ("Försäljning varor inom Sverige, 12 % moms", 7410, "MP2"),
    3003: ("Försäljning varor inom Sverige, 6 % moms", 7410, "MP3"),
    3004: ("Försäljning varor inom Sverige, momsfri", 7410, ""),
    3105: ("Försäljning varor till land utanför EU", 7410, ""),
    3106: ("Försäljning varor till annat EU-land, momspliktig", 7410, ""),
    3108: ("Försäljning varor till annat EU-land, momsfri", 7410, ""),
    3520: ("Fakturerade frakter", 7410, ""),
    3740: ("Öres- och kronutjämning", 7410, ""),
    3990: ("Övriga ersättningar och intäkter", 7413, ""),
    4000: ("Inköp av varor från Sverige", 7512, ""),
    6570: ("Bankkostnader", 7513, ""),
}
INACTIVE_ACCOUNTS = {3990}  # a tenant deactivates BAS accounts it does not use
OPENING_BALANCES = {1460: Decimal(120000), 1930: Decimal(250000)}
# The EU countries the company is registered in for OSS: its sales account and VAT rates there.
OSS: dict[str, tuple[int, list[Decimal]]] = {
    "DE": (3011, [Decimal(19), Decimal(7)]),
    "FI": (3012, [Decimal("25.5"), Decimal("13.5"), Decimal(10)]),  # food 14 → 13.5 % in 2026
    "DK": (3013, [Decimal(25)]),
    "NL": (3014, [Decimal(21), Decimal(9)]),
}
# The merchant used Fortnox before Brygga: the first seed customers already exist here, with the
# same e-mail but the phone number typed without spaces, so that Brygga must find and reuse them.
EXISTING_CUSTOMERS = 3


def seed(store: DocumentStore, config: SandboxConfig) -> None:
    if store.get_meta("seeded"):
        _add_chart_and_oss(store)
        return
    data = config.demo_data()
    # Bulk writes first: an in-memory store cannot open put_many's transaction after a put.
    stamp = timestamp()
    store.put_many("accounts", _chart())
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
            "OSSVATRates": _oss_rates(),
            "FreightVAT": 25,
            "TermsOfPayment": "30",
        },
    )
    for customer in data.customers[:EXISTING_CUSTOMERS]:
        customers.create(store, _customer(customer))
    store.set_meta("seeded", True)


def _chart() -> dict[str, dict[str, Any]]:
    entries = dict(CHART)
    for country, (number, _) in OSS.items():
        entries[number] = (f"Försäljning OSS {country_name(country)}", 7410, "")
    return {
        str(number): accounts.apply(accounts.defaults(), {
            "Active": number not in INACTIVE_ACCOUNTS,
            "BalanceBroughtForward": OPENING_BALANCES.get(number, Decimal(0)),
            "Description": description, "Number": number, "SRU": sru, "VATCode": vat_code,
        })
        for number, (description, sru, vat_code) in sorted(entries.items())
    }  # fmt: skip


def _oss_rates() -> dict[str, list[Decimal]]:
    return {country: rates for country, (_, rates) in OSS.items()}


def _add_chart_and_oss(store: DocumentStore) -> None:
    if not store.count("accounts"):
        store.put_many("accounts", _chart())
    tenant = store.get_meta("tenant")
    if "OSSVATRates" not in tenant:
        store.set_meta("tenant", tenant | {"OSSVATRates": _oss_rates()})


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
        "DisposableQuantity": quantity, "EAN": size.ean, "EUAccount": 3108,
        "EUVATAccount": 3106, "Expired": False, "ExportAccount": 3105, "Housework": False,
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
