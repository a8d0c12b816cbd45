"""What a fresh Visma.net sandbox holds, seeded once per data directory.

Currency rates to SEK (SPOT, from the demo data), the VAT categories 25/12/6/0 % and zones of
`reference`, one stock item per demo SKU (net SEK price, EAN as barcode cross-reference, random
stock), and the first three demo customers as existing customers (same e-mail, phone typed
without spaces, so that Brygga must find and reuse them), each with one released invoice from
before Brygga. No sales orders. A restart on the same data directory keeps everything.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from brygga.sandbox import seed as demo
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import customers, documents, inventory, reference, settlement
from brygga.sandbox.vismanet.company import BASE_CURRENCY, stamp
from brygga.sandbox.vismanet.documents import INVOICE, money

EXISTING_CUSTOMERS = 3
EFFECTIVE = "2026-01-01T00:00:00"
HISTORIC_INVOICE_DATE = "2026-06-01"


def seed(store: DocumentStore, config: SandboxConfig) -> None:
    if store.get_meta("seeded"):
        return
    data = config.demo_data()
    modified = stamp()
    rates = [code for code in demo.RATES_TO_SEK if code != BASE_CURRENCY]
    store.put_many(
        "currency_rates",
        {
            str(rate_id): reference.currency_rate(
                rate_id, code, BASE_CURRENCY, demo.RATES_TO_SEK[code], EFFECTIVE, "Multiply"
            )
            for rate_id, code in enumerate(rates, start=1)
        },
    )
    store.next_number("currency_rate", len(rates))
    store.put_many(
        "vat_categories",
        {key: reference.vat_category(key, EFFECTIVE, modified) for key in reference.VAT_CATEGORIES},
    )
    store.put_many("vat_zones", {key: reference.vat_zone(key) for key in reference.VAT_ZONES})
    # The demo company's finance setup: non-stock items at 0 % for rounding cents, and for
    # shipping split over several VAT rates (each line names its own VAT category).
    rounding = {"inventoryNumber": "ROUNDING", "description": "Öresavrundning", "itemClass": "2",
                "type": "NonStockItem", "vatCode": "4"}  # fmt: skip
    shipping = {"inventoryNumber": "SHIPPING", "description": "Frakt", "itemClass": "2",
                "type": "NonStockItem", "vatCode": "1"}  # fmt: skip
    for item in (rounding, shipping):
        inventory.create(store, wrap(item))
    stock = random.Random(f"vismanet-stock-{config.seed}")
    for product in data.products:
        for variant in product.variants:
            for size in variant.sizes:
                _item(store, product, variant, size, Decimal(stock.randint(0, 60)))
    for customer in data.customers[:EXISTING_CUSTOMERS]:
        record = customers.create(store, _customer(customer))
        _historic_invoice(store, record, data.products[0])
    store.set_meta("seeded", True)


def wrap(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values in the DtoValue wrapper (nested dicts too)."""
    return {
        key: {"value": wrap(value) if isinstance(value, dict) else value}
        for key, value in values.items()
    }


def _item(
    store: DocumentStore,
    product: demo.Product,
    variant: demo.Variant,
    size: demo.Size,
    quantity: Decimal,
) -> None:
    single = len(product.skus) == 1
    description = product.name if single else f"{product.name} {variant.name} {size.name}"
    net = money(product.prices["SEK"] / (1 + product.tax_percent / 100))
    payload = {
        "inventoryNumber": size.sku,
        "description": description,
        "itemClass": "1",
        "type": "FinishedGoodItem",
        "vatCode": reference.CATEGORY_BY_RATE[product.tax_percent],
        "defaultPrice": net,
    }
    record = inventory.create(store, wrap(payload), quantity)
    barcode = {"alternateType": "Barcode", "alternateID": size.ean, "description": description}
    record["crossReferences"] = [barcode | {"uom": record["baseUnit"]}]
    record["recommendedPrice"] = product.prices["SEK"]
    store.put("inventory", size.sku, record)


def _customer(customer: demo.Customer) -> dict[str, Any]:
    address = customer.address
    if address.country not in demo.EU:
        customer_class = "3"
    elif address.country != "SE" and address.company:
        customer_class = "2"
    else:
        customer_class = "1"  # Swedish VAT for EU consumers below the OSS threshold
    values = {
        "name": address.company or f"{customer.first_name} {customer.last_name}",
        "customerClassId": customer_class,
        "currencyId": demo.COUNTRIES[address.country][0],
        "corporateId": customer.organisation_number,
        "vatRegistrationId": address.vat_number,
        "mainAddress": {
            "addressLine1": address.line1,
            "addressLine2": address.line2,
            "postalCode": address.postcode,
            "city": address.city,
            "countryId": address.country,
        },
        "mainContact": {
            "name": f"{customer.first_name} {customer.last_name}",
            "email": customer.email,
            "phone1": customer.phone.replace(" ", ""),
        },
    }
    return wrap(values) | {"overrideWithClassValues": True}


def _historic_invoice(
    store: DocumentStore, customer: dict[str, Any], product: demo.Product
) -> None:
    sku = product.skus[0].sku
    currency = customer["currencyId"]
    price = money(product.prices[currency] / (1 + product.tax_percent / 100))
    line = wrap({"inventoryNumber": sku, "quantity": Decimal(1), "unitPriceInCurrency": price})
    header = {
        "customerNumber": customer["number"],
        "documentDate": HISTORIC_INVOICE_DATE,
        "externalReference": f"HIST-{customer['number']}",
        "invoiceText": "Order before Brygga",
    }
    record = documents.create(
        store, INVOICE, wrap(header) | {"invoiceLines": [line | {"operation": "Insert"}]}
    )
    settlement.release(store, INVOICE, record)
