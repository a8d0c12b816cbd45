"""ERP articles and stock levels into Centra's catalogue (centra.md §4.6–§4.8).

One ERP article is one Centra size (the SKU). Prices live on variants, per pricelist, and stock
on sizes, per warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from brygga.connectors.centra.client import CentraClient
from brygga.connectors.centra.lookups import Lookups, same
from brygga.connectors.centra.mutations import (
    CREATE_PRODUCT,
    CREATE_SIZE,
    CREATE_VARIANT,
    SET_PRICES,
    SET_STOCK,
    UPDATE_PRODUCT,
    UPDATE_SIZE,
)
from brygga.connectors.centra.queries import PRODUCT_BY_NUMBER
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine.protocols import NO_SETTINGS, Settings, Written
from brygga.model import Money, Product, StockLevel, Variant

DEFAULT_SIZE_CHART = "One Size"
DEFAULT_WAREHOUSE = "Main Warehouse"
STOCK_BATCH = 100  # variants per setStock: one mutation each, against 20 per 10 s (§2)


def _only_variant(record: Product) -> Variant:
    if len(record.variants) != 1:
        raise ConnectorError(
            ErrorClass.DATA,
            f"product {record.source_id} has {len(record.variants)} variants; an ERP article "
            "is one Centra size, so each must come as its own product",
        )
    return record.variants[0]


class ProductWriter:
    """ERP articles as Centra sizes, found by SKU. The target id is the Centra size id: it
    stays when Centra's product number, and so the SKU, is changed.

    What the ERP owns: the EAN, the price in the pricelists (setting `pricelist`, else the
    pricelist of each price's currency) as the variant's own price, and, for a product that is
    only this one size, its name and status. Prices are taken as Centra shows them, i.e.
    consumer prices including VAT. New articles become a product with one variant of one size
    from the size chart `size_chart`, with product number = SKU, so Centra's SKU (product
    number + variant number + size number, §4.6) is the ERP's."""

    entity = "product"
    reuse_existing = True

    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.lookups = Lookups(client)

    async def find(self, record: Product) -> Written | None:
        size = await self.lookups.size_by_sku(_only_variant(record).sku)
        if size is None:
            return None
        # The engine links a found size without updating it, but the ERP owns these fields:
        # bring them up to date here (only what differs, so finding again changes nothing).
        return await self._sync(size, record)

    async def create(self, record: Product, links: dict[str, str]) -> Written:
        variant = _only_variant(record)
        size_id = await self._create_size(record, variant)
        size = await self.lookups.size_by_id(size_id)
        if size is None or size["SKU"] != variant.sku:
            made = size["SKU"] if size else "no size"
            raise ConnectorError(
                ErrorClass.DATA,
                f"Centra made {made} for ERP article {variant.sku}; the SKU must equal the "
                "article number for Brygga to find it again",
            )
        return await self._sync(size, record)

    async def update(self, target_id: str, record: Product, links: dict[str, str]) -> Written:
        size = await self.lookups.size_by_id(int(target_id))
        if size is None:
            raise ConnectorError(
                ErrorClass.NOT_FOUND,
                f"Centra size {target_id} (SKU {_only_variant(record).sku}) no longer exists",
            )
        return await self._sync(size, record)

    async def _create_size(self, record: Product, variant: Variant) -> int:
        """The new size's id. Resumes a create that stopped half-way: a product with this
        product number, or its variant, made by a crashed run is used, not made twice."""
        status = "ACTIVE" if record.active else "INACTIVE"
        chart = await self.lookups.size_chart(self.settings.get("size_chart", DEFAULT_SIZE_CHART))
        size = _chart_size(chart, variant)
        found = (await self.client.query(PRODUCT_BY_NUMBER, {"number": variant.sku}))["products"]
        if found:
            product_id, variants = found[0]["id"], found[0]["variants"]
        else:
            product = {"name": record.name, "status": status, "productNumber": variant.sku}
            for name in ("brand", "collection", "folder"):
                if self.settings.get(name) is not None:
                    product[name] = {"id": int(self.settings[name])}
            payload = await self.client.mutate(CREATE_PRODUCT, {"input": product}, "createProduct")
            product_id, variants = payload["product"]["id"], []
        new_size: dict[str, Any] = {"size": {"id": size["id"]}}
        if variant.ean:
            new_size["EAN"] = variant.ean
        if variants:
            sizes = variants[0]["productSizes"]
            existing = next((s for s in sizes if s["SKU"] == variant.sku), None)
            if existing is not None:
                return int(existing["id"])
            item = {"productVariant": {"id": variants[0]["id"]}, **new_size}
            payload = await self.client.mutate(CREATE_SIZE, {"input": item}, "createProductSize")
            return int(payload["productSize"]["id"])
        item = {
            "product": {"id": product_id},
            "name": variant.name or record.name,
            "status": status,
            "sizeChart": {"id": chart["id"]},
            "productSizes": [new_size],
        }
        payload = await self.client.mutate(CREATE_VARIANT, {"input": item}, "createProductVariant")
        return int(payload["productVariant"]["productSizes"][0]["id"])

    async def _sync(self, size: dict[str, Any], record: Product) -> Written:
        variant = _only_variant(record)
        centra_variant = size["productVariant"]
        product = centra_variant["product"]
        changed: dict[str, Any] = {}
        if variant.ean and variant.ean != (size.get("EAN") or ""):
            update = {"id": size["id"], "input": {"EAN": variant.ean}}
            await self.client.mutate(UPDATE_SIZE, update, "updateProductSize")
            changed["EAN"] = variant.ean
        # A product with more sizes is named and published in Centra, not by one ERP article.
        if len(product["variants"]) == 1 and len(product["variants"][0]["productSizes"]) == 1:
            wanted = {"name": record.name, "status": "ACTIVE" if record.active else "INACTIVE"}
            fields = {key: value for key, value in wanted.items() if product.get(key) != value}
            if fields:
                update = {"id": product["id"], "input": fields}
                await self.client.mutate(UPDATE_PRODUCT, update, "updateProduct")
                changed.update(fields)
        current = {
            entry["pricelist"]["id"]: Decimal(entry["price"]["value"])
            for entry in centra_variant["prices"]
        }
        for pricelist_id, price in await self._prices(variant):
            if current.get(pricelist_id) == price.amount:
                continue
            row = {
                "product": {"id": product["id"]},
                "individualVariantPrices": [
                    {
                        "productVariant": {"id": centra_variant["id"]},
                        "price": {"value": price.amount, "currencyIsoCode": price.currency},
                    }
                ],
            }
            prices = {"pricelist": {"id": pricelist_id}, "productPrices": [row]}
            await self.client.mutate(SET_PRICES, {"input": prices}, "setPrices")
            changed[f"price in pricelist {pricelist_id}"] = str(price)
        return Written(str(size["id"]), {"SKU": size["SKU"], "changed": changed})

    async def _prices(self, variant: Variant) -> list[tuple[int, Money]]:
        """(pricelist id, price in cents) for each price Centra should have."""
        pricelists = await self.lookups.pricelists()
        wanted = self.settings.get("pricelist")
        if wanted not in (None, ""):
            pricelist = next((p for p in pricelists if same(p, wanted)), None)
            if pricelist is None:
                names = ", ".join(p["name"] for p in pricelists)
                raise ConnectorError(
                    ErrorClass.DATA,
                    f"Centra has no pricelist {wanted!r}; set `pricelist` to one of: {names}",
                )
            chosen = [pricelist]
        else:
            chosen = pricelists
        targets = []
        for price in variant.prices:
            matching = [p for p in chosen if p["currency"]["code"] == price.currency]
            if len(matching) > 1:
                raise ConnectorError(
                    ErrorClass.DATA,
                    f"Centra has several pricelists in {price.currency}; set `pricelist` to "
                    "the one ERP prices go to",
                )
            if matching:
                targets.append((matching[0]["id"], price.rounded()))
        return targets


def _chart_size(chart: dict[str, Any], variant: Variant) -> dict[str, Any]:
    """The article's size in the chart: by its size name, or the chart's only size."""
    sizes = chart["sizes"]
    if variant.size:
        wanted = variant.size.casefold()
        size = next((s for s in sizes if s["name"].casefold() == wanted), None)
        if size is not None:
            return size
    elif len(sizes) == 1:
        return sizes[0]
    names = ", ".join(s["name"] for s in sizes)
    raise ConnectorError(
        ErrorClass.DATA,
        f"article {variant.sku}: size {variant.size or '(none)'} is not in Centra's size chart "
        f"{chart['name']!r} ({names}); set `size_chart` to a chart that has it",
    )


class StockWriter:
    """Absolute physical stock per SKU in one Centra warehouse (setting `centra_warehouse`, a
    name or id) through `setStock`, never `changeStock` deltas: writing a level again is
    harmless, and Centra works out what is available from it (§4.8). The target id is the SKU.

    Negative ERP stock is sent as 0: a shelf cannot hold less than nothing."""

    entity = "stock"
    reuse_existing = False

    def __init__(self, client: CentraClient, settings: Settings = NO_SETTINGS) -> None:
        self.client = client
        self.settings = settings
        self.lookups = Lookups(client)
        self._sizes: dict[str, tuple[int, int]] = {}  # SKU → (variant id, chart size id)

    async def find(self, record: StockLevel) -> Written | None:
        return None  # setting an absolute level again is the recovery

    async def create(self, record: StockLevel, links: dict[str, str]) -> Written:
        return (await self.write_many([record]))[0]

    async def update(self, target_id: str, record: StockLevel, links: dict[str, str]) -> Written:
        return (await self.write_many([record]))[0]

    async def write_many(self, levels: list[StockLevel]) -> list[Written]:
        """Several levels in as few `setStock` calls as possible; one per SKU in the result,
        in order. An unknown SKU fails the batch before anything is written."""
        name = self.settings.get("centra_warehouse", DEFAULT_WAREHOUSE)
        warehouse = await self.lookups.warehouse(name)
        by_variant: dict[int, dict[int, int]] = defaultdict(dict)
        written = []
        for level in levels:
            variant_id, size_id = await self._size(level.sku)
            units = _units(level)
            by_variant[variant_id][size_id] = units  # the last level of a SKU wins
            payload = {"warehouse": warehouse["name"], "quantity": units}
            written.append(Written(level.sku, payload))
        rows = [
            {
                "productVariant": {"id": variant_id},
                "sizeStockLevels": [
                    {"size": {"id": size_id}, "quantity": units} for size_id, units in sizes.items()
                ],
            }
            for variant_id, sizes in by_variant.items()
        ]
        for start in range(0, len(rows), STOCK_BATCH):
            stock = {
                "warehouse": {"id": warehouse["id"]},
                "description": "Stock levels from the ERP (Brygga)",
                "stockQuantityType": "PHYSICAL",
                "productVariants": rows[start : start + STOCK_BATCH],
            }
            await self.client.mutate(SET_STOCK, {"input": stock}, "setStock")
        return written

    async def _size(self, sku: str) -> tuple[int, int]:
        if sku not in self._sizes:
            size = await self.lookups.size_by_sku(sku)
            if size is None:
                raise ConnectorError(
                    ErrorClass.NOT_FOUND,
                    f"Centra has no size with SKU {sku}; create the product in Centra (or let "
                    "the products flow create it) first",
                )
            # setStock names the size by its size-chart size within the variant (§4.8).
            self._sizes[sku] = (size["productVariant"]["id"], size["size"]["id"])
        return self._sizes[sku]


def _units(level: StockLevel) -> int:
    if level.quantity != level.quantity.to_integral_value():
        raise ConnectorError(
            ErrorClass.DATA,
            f"stock of {level.sku} is {level.quantity}; Centra counts whole units",
        )
    return max(0, int(level.quantity))
