"""The demo catalogue as Centra keeps it (fact sheet §4.6–§4.8): size charts, products →
variants → sizes, one pricelist per currency, warehouses and stock.

Size ids run in catalogue order, as the sizes embedded in seeded order lines expect. Stock is
on sizes, per warehouse: `physical` on the shelf and `allocated` to orders not yet shipped, all
from the primary warehouse; the seeded shelf holds the allocations plus a random surplus.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from brygga.sandbox import seed
from brygga.sandbox.centra.money import CURRENCY_IDS
from brygga.sandbox.centra.scalars import stored_time

Document = dict[str, Any]
Collections = dict[str, dict[str, Document]]

SIZE_CHARTS = {"XS-XL": seed.SIZES, "One Size": ["One Size"]}
PRIMARY_WAREHOUSE = 1  # orders allocate and ship from it
WAREHOUSES = [
    {
        "id": PRIMARY_WAREHOUSE,
        "name": "Main Warehouse",
        "status": "ACTIVE",
        "stockMaster": "EXTERNAL",
    },
    {"id": 2, "name": "Stockholm Store", "status": "ACTIVE", "stockMaster": "EXTERNAL"},
]
# The brand, collection and folder every demo product has; ids as `createProduct` takes them.
BRANDS = {1: "Nordbris"}
COLLECTIONS = {1: "AW26", 2: "SS27"}
FOLDERS = {1: "Shop"}
CATALOGUE_CREATED = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def size_charts() -> list[Document]:
    charts, size_id = [], 0
    for chart_id, (name, sizes) in enumerate(SIZE_CHARTS.items(), start=1):
        chart_sizes = []
        for size in sizes:
            size_id += 1
            chart_sizes.append({"id": size_id, "name": size})
        charts.append({"id": chart_id, "name": name, "sizes": chart_sizes})
    return charts


def catalogue(
    products: list[seed.Product], allocated: Counter[str], seed_value: int
) -> Collections:
    """Documents by collection. `allocated` counts the units of each SKU on open orders."""
    rng = random.Random(seed_value + 3)  # its own stream: the demo data stays as it is
    charts = size_charts()
    chart_by_sizes = {tuple(s["name"] for s in chart["sizes"]): chart for chart in charts}
    documents: Collections = {"products": {}, "productVariants": {}, "productSizes": {}}
    for product_index, product in enumerate(products):
        created = stored_time(CATALOGUE_CREATED + timedelta(minutes=product_index))
        product_id = product_index + 1
        variant_ids = []
        for variant in product.variants:
            variant_id = len(documents["productVariants"]) + 1
            chart = chart_by_sizes[tuple(size.name for size in variant.sizes)]
            chart_ids = {size["name"]: size["id"] for size in chart["sizes"]}
            size_ids = []
            for size in variant.sizes:
                size_id = len(documents["productSizes"]) + 1
                units = allocated[size.sku]
                documents["productSizes"][str(size_id)] = {
                    "id": size_id,
                    "productVariantId": variant_id,
                    "sizeId": chart_ids[size.name],
                    "SKU": size.sku,
                    "EAN": size.ean,
                    "sizeNumber": size.sku.rsplit("-", 1)[1],
                    "description": f"{product.name}, {variant.name}, {size.name}",
                    "createdAt": created,
                    "updatedAt": created,
                    "stock": {
                        str(PRIMARY_WAREHOUSE): {
                            "physical": units + rng.randint(0, 40),
                            "allocated": units,
                        }
                    },
                }
                size_ids.append(size_id)
            documents["productVariants"][str(variant_id)] = {
                "id": variant_id,
                "productId": product_id,
                "name": variant.name,
                "status": "ACTIVE",
                "variantNumber": variant.variant_number,
                "sizeChartId": chart["id"],
                "unitCost": None,
                "createdAt": created,
                "updatedAt": created,
                "sizeIds": size_ids,
            }
            variant_ids.append(variant_id)
        documents["products"][str(product_id)] = {
            "id": product_id,
            "productNumber": product.product_number,
            "name": product.name,
            "status": "ACTIVE",
            "brandId": 1,
            "collectionId": 1,
            "folderId": 1,
            "countryOfOrigin": "PT",
            "harmonizedCommodityCode": None,
            "weight": None,
            "taxPercent": product.tax_percent,  # the VAT class; Centra keeps it in tax groups
            "createdAt": created,
            "updatedAt": created,
            "variantIds": variant_ids,
        }
    documents["sizeCharts"] = {str(chart["id"]): chart for chart in charts}
    documents["warehouses"] = {str(w["id"]): w for w in WAREHOUSES}
    documents["pricelists"] = _pricelists(products)
    return documents


def _pricelists(products: list[seed.Product]) -> dict[str, Document]:
    """One pricelist per currency, for the countries that pay in it; product-level prices."""
    pricelists = {}
    for code, pricelist_id in CURRENCY_IDS.items():
        countries = [
            country for country, (currency, _) in seed.COUNTRIES.items() if currency == code
        ]
        pricelists[str(pricelist_id)] = {
            "id": pricelist_id,
            "name": f"Retail {code}",
            "status": "ACTIVE",
            "currency": code,
            "countries": countries,
            "productPrices": {str(i): p.prices[code] for i, p in enumerate(products, start=1)},
            "variantPrices": {},
        }
    return pricelists
