"""The Centra sandbox's catalogue, prices, ID conversions and stock, over real HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from brygga.sandbox import seed
from tests.sandbox.test_centra import TOKEN, graphql
from tests.support.processes import SandboxProcess, start_sandbox

DEMO = seed.generate(42, 150)
READ_ONLY_TOKEN = "centra-demo-token-read-only"
OTHER_TOKEN = "centra-demo-token-other-integration"
PAYLOAD = "userErrors { message path } userWarnings { message path }"


@pytest.fixture(scope="module")
def centra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox(
        "centra", tmp_path_factory.mktemp("centra-catalogue"), "--no-rate-limit"
    )
    yield sandbox
    sandbox.stop()


def data(
    sandbox: SandboxProcess, query: str, variables: dict[str, Any] | None = None, token: str = TOKEN
) -> dict[str, Any]:
    status, body = graphql(sandbox, query, variables, token)
    assert status == 200 and "errors" not in body, body
    return body["data"]


def test_products_variants_and_sizes_mirror_the_demo_catalogue(centra: SandboxProcess) -> None:
    query = """{ products(limit: 200) { id productNumber name status brand { name }
      variants { variantNumber name sizeChart { name }
                 productSizes { id SKU EAN sizeNumber size { name } } } } }"""
    products = data(centra, query)["products"]
    assert [p["productNumber"] for p in products] == [p.product_number for p in DEMO.products]
    for product, seeded in zip(products, DEMO.products, strict=True):
        sizes = [size for variant in product["variants"] for size in variant["productSizes"]]
        assert [(s["SKU"], s["EAN"]) for s in sizes] == [(s.sku, s.ean) for s in seeded.skus]
        assert [s["size"]["name"] for s in sizes] == [s.name for s in seeded.skus]
    assert products[0]["variants"][0]["sizeChart"]["name"] == "XS-XL"
    # Order lines point at the same sizes, by id.
    order = DEMO.orders[0]
    lines = data(
        centra,
        """query($id: String!) { order(id: $id) { lines { product { productNumber }
             productSize { SKU productVariant { variantNumber } } } } }""",
        {"id": order.id},
    )["order"]["lines"]
    assert [line["productSize"]["SKU"] for line in lines] == [line.sku for line in order.lines]
    assert lines[0]["product"]["productNumber"] == order.lines[0].sku.split("-")[0]


def test_products_filter_by_number_and_sort_by_update(centra: SandboxProcess) -> None:
    query = """query($number: String) {
      byNumber: products(where: {productNumber: {equals: $number}}) { productNumber }
      newest: products(sort: [updatedAt_DESC], limit: 2, page: 1) { productNumber } }"""
    result = data(centra, query, {"number": "NB003"})
    assert result["byNumber"] == [{"productNumber": "NB003"}]
    assert result["newest"] == [{"productNumber": "NB014"}, {"productNumber": "NB013"}]


def test_variant_prices_come_from_one_pricelist_per_currency(centra: SandboxProcess) -> None:
    query = """{ pricelists { id name currency { code } assignedToCountries { code } }
      productVariants(where: {id: [3]}) { product { productNumber }
        prices { pricelist { id } price { value currency { code } conversionRate } } } }"""
    result = data(centra, query)
    countries = {
        p["currency"]["code"]: [c["code"] for c in p["assignedToCountries"]]
        for p in result["pricelists"]
    }
    assert countries["SEK"] == ["SE"] and countries["EUR"] == ["FI", "DE", "NL", "GB"]
    [variant] = result["productVariants"]
    product = next(
        p for p in DEMO.products if p.product_number == variant["product"]["productNumber"]
    )
    prices = {p["price"]["currency"]["code"]: p["price"]["value"] for p in variant["prices"]}
    assert prices == product.prices


SET_PRICES = f"""mutation($input: SetPricesInput!) {{ setPrices(input: $input) {{
  pricelist {{ id }} {PAYLOAD} }} }}"""
VARIANT_PRICES = """query($ids: [Int!]) { productVariants(where: {id: $ids}) {
  id prices { pricelist { id } price { value } } } }"""


def sek_prices(sandbox: SandboxProcess, variant_ids: list[int]) -> dict[int, Decimal]:
    variants = data(sandbox, VARIANT_PRICES, {"ids": variant_ids})["productVariants"]
    return {
        v["id"]: next(p["price"]["value"] for p in v["prices"] if p["pricelist"]["id"] == 1)
        for v in variants
    }


def money(value: float, code: str = "SEK") -> dict[str, Any]:
    return {"value": value, "currencyIsoCode": code}


def test_set_prices_applies_good_rows_and_warns_about_bad_ones(centra: SandboxProcess) -> None:
    rows = [
        {
            "product": {"id": 1},
            "price": money(1349),
            "individualVariantPrices": [{"productVariant": {"id": 2}, "price": money(1199.5)}],
        },
        {"product": {"id": 2}, "price": money(10, "EUR")},  # the pricelist is in SEK
        {"product": {"id": 99999}, "price": money(10)},
    ]
    result = data(centra, SET_PRICES, {"input": {"pricelist": {"id": 1}, "productPrices": rows}})
    payload = result["setPrices"]
    assert payload["pricelist"] == {"id": 1} and payload["userErrors"] == []
    paths = [w["path"] for w in payload["userWarnings"]]
    assert paths == [
        ["input", "productPrices", "1", "price"],
        ["input", "productPrices", "2", "product"],
    ]
    # Variants 1-3 are product 1's; variant 4 is product 2's, whose price stayed the seeded one.
    assert sek_prices(centra, [1, 2, 4]) == {
        1: 1349,
        2: Decimal("1199.5"),
        4: DEMO.products[1].prices["SEK"],
    }
    override = [{"product": {"id": 1}, "overrideIndividualVariantPrices": True}]
    data(centra, SET_PRICES, {"input": {"pricelist": {"id": 1}, "productPrices": override}})
    assert sek_prices(centra, [1, 2]) == {1: 1349, 2: 1349}
    unknown = data(
        centra, SET_PRICES, {"input": {"pricelist": {"id": 9}, "productPrices": override}}
    )
    assert unknown["setPrices"]["pricelist"] is None and unknown["setPrices"]["userErrors"]


CREATE_PRODUCT = f"""mutation($input: ProductCreateInput!) {{ createProduct(input: $input) {{
  product {{ id productNumber name brand {{ name }} countryOfOrigin {{ code }} }} {PAYLOAD} }} }}"""
CREATE_VARIANT = f"""mutation($input: ProductVariantCreateInput!) {{
  createProductVariant(input: $input) {{
    productVariant {{ id productSizes {{ SKU sizeNumber size {{ name }} }} }} {PAYLOAD} }} }}"""
CREATE_SIZE = f"""mutation($input: ProductSizeCreateInput!) {{ createProductSize(input: $input) {{
  productSize {{ SKU EAN }} {PAYLOAD} }} }}"""
UPDATE_PRODUCT = f"""mutation($id: Int!, $input: ProductUpdateInput!) {{
  updateProduct(id: $id, input: $input) {{ product {{ name updatedAt }} {PAYLOAD} }} }}"""


def test_an_erp_creates_a_product_by_its_own_ids(centra: SandboxProcess) -> None:
    product = {
        "name": "Field Parka",
        "status": "ACTIVE",
        "productNumber": "ERP9001",
        "brand": {"id": 1},
        "countryOfOrigin": {"code": "se"},
        "externalId": "erp:9001",
    }
    created = data(centra, CREATE_PRODUCT, {"input": product})["createProduct"]
    assert created["userErrors"] == [] and created["product"]["brand"] == {"name": "Nordbris"}
    assert created["product"]["countryOfOrigin"] == {"code": "SE"}
    [entry] = data(
        centra,
        '{ idConversions(where: {objectType: Product, externalId: {equals: "erp:9001"}}) {'
        " internalId integrationName } }",
    )["idConversions"]
    assert entry == {"internalId": created["product"]["id"], "integrationName": "brygga-demo"}
    variant = {
        "product": {"externalId": "erp:9001"},
        "name": "Olive",
        "status": "ACTIVE",
        "variantNumber": "07",
        "sizeChart": {"id": 1},
        "externalId": "erp:9001-07",
        "unitCost": {"value": 410, "currencyIsoCode": "SEK"},
        "productSizes": [
            {"size": {"name": "S"}, "EAN": "7350000000017", "sizeNumber": "02"},
            {"size": {"externalId": "XS-XL|M"}, "sizeNumber": "03"},
        ],
    }
    made = data(centra, CREATE_VARIANT, {"input": variant})["createProductVariant"]
    # SKU is read-only: product number + variant number + size number (§4.6).
    assert [(s["SKU"], s["size"]["name"]) for s in made["productVariant"]["productSizes"]] == [
        ("ERP90010702", "S"),
        ("ERP90010703", "M"),
    ]
    size = {
        "productVariant": {"externalId": "erp:9001-07"},
        "size": {"name": "L"},
        "sizeNumber": "04",
    }
    assert (
        data(centra, CREATE_SIZE, {"input": size})["createProductSize"]["productSize"]["SKU"]
        == "ERP90010704"
    )
    for wrong in ({**size}, {**size, "size": {"name": "XXL"}}):
        refused = data(centra, CREATE_SIZE, {"input": wrong})["createProductSize"]
        assert refused["productSize"] is None and len(refused["userErrors"]) == 1
    product_id = created["product"]["id"]
    bad = data(
        centra, UPDATE_PRODUCT, {"id": product_id, "input": {"name": "X", "brand": {"id": 99}}}
    )
    assert bad["updateProduct"]["userErrors"][0]["path"] == ["input", "brand", "id"]
    data(centra, UPDATE_PRODUCT, {"id": product_id, "input": {"name": "Field Parka II"}})
    newest = data(centra, "{ products(sort: [updatedAt_DESC], limit: 1) { id name } }")
    assert newest["products"] == [{"id": product_id, "name": "Field Parka II"}]


def test_writes_need_write_permissions(centra: SandboxProcess) -> None:
    product = {"name": "Nope", "status": "ACTIVE"}
    status, body = graphql(centra, CREATE_PRODUCT, {"input": product}, READ_ONLY_TOKEN)
    assert status == 200 and body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "You need Product:write permission to access createProduct."
    assert error["extensions"]["category"] == "authorization"
    assert "Product:write" in body["extensions"]["permissionsUsed"]


SET_CONVERSIONS = f"""mutation($input: [IdConversionEntryInput!]!) {{
  setIdConversions(input: $input) {{ entries {{ id internalId externalId }} {PAYLOAD} }} }}"""
CONVERSIONS = """query($type: IdConversionEntryObjectType) {
  idConversions(where: {objectType: $type}) { internalId externalId } }"""


def test_id_conversions_overwrite_per_integration(centra: SandboxProcess) -> None:
    first = data(
        centra,
        SET_CONVERSIONS,
        {"input": [{"objectType": "Warehouse", "internalId": 1, "externalId": "WH-A"}]},
    )
    again = data(
        centra,
        SET_CONVERSIONS,
        {"input": [{"objectType": "Warehouse", "internalId": 1, "externalId": "WH-A"}]},
    )
    assert (
        again["setIdConversions"]["entries"] == first["setIdConversions"]["entries"]
    )  # idempotent
    # A colliding entry overwrites: "WH-A" now names warehouse 2, and warehouse 1 has none.
    data(
        centra,
        SET_CONVERSIONS,
        {"input": [{"objectType": "Warehouse", "internalId": 2, "externalId": "WH-A"}]},
    )
    assert data(centra, CONVERSIONS, {"type": "Warehouse"})["idConversions"] == [
        {"internalId": 2, "externalId": "WH-A"}
    ]
    # Size entries exist for every integration, and must keep their format (§4.10).
    sizes = data(centra, CONVERSIONS, {"type": "Size"}, OTHER_TOKEN)["idConversions"]
    assert [s["externalId"] for s in sizes][:2] == ["XS-XL|XS", "XS-XL|S"] and len(sizes) == 6
    odd = data(
        centra,
        SET_CONVERSIONS,
        {"input": [{"objectType": "Size", "internalId": 3, "externalId": "Medium"}]},
    )
    assert odd["setIdConversions"]["entries"] == [] and odd["setIdConversions"]["userWarnings"]
    # The other integration has its own table.
    assert data(centra, CONVERSIONS, {"type": "Warehouse"}, OTHER_TOKEN)["idConversions"] == []
    unset = f"""mutation($input: [IdConversionUnsetInput!]!) {{
      unsetIdConversions(input: $input) {{ {PAYLOAD} }} }}"""
    gone = {"objectType": "Warehouse", "idConversion": {"externalId": "WH-A"}}
    assert data(centra, unset, {"input": [gone]})["unsetIdConversions"]["userWarnings"] == []
    assert data(centra, unset, {"input": [gone]})["unsetIdConversions"]["userWarnings"]
    assert data(centra, CONVERSIONS, {"type": "Warehouse"})["idConversions"] == []


STOCK = """query($ids: [Int!]) { productSizes(where: {id: $ids}) { id
  stockTotals { physicalQuantity allocatedQuantity availableQuantity } } }"""
SET_STOCK = f"""mutation($input: SetStockInput!) {{ setStock(input: $input) {{
  stockChanges {{ id lines {{ quantity warehouse {{ id }} productSize {{ id }} }} }}
  {PAYLOAD} }} }}"""
CHANGE_STOCK = f"""mutation($input: ChangeStockInput!) {{ changeStock(input: $input) {{
  stockChange {{ id description lines {{ quantity warehouse {{ id }} }} }} {PAYLOAD} }} }}"""


def totals(sandbox: SandboxProcess, size_id: int) -> dict[str, int]:
    return data(sandbox, STOCK, {"ids": [size_id]})["productSizes"][0]["stockTotals"]


def test_stock_levels_allocations_and_changes(centra: SandboxProcess) -> None:
    stores = data(centra, '{ warehouses(where: {name: {contains: "store"}}) { id name } }')
    assert stores["warehouses"] == [{"id": 2, "name": "Stockholm Store"}]
    open_units = Counter()
    for order in DEMO.orders:
        if order.status != "SHIPPED":
            open_units.update({line.sku: line.quantity for line in order.lines})
    seeded = totals(centra, 1)
    assert seeded["allocatedQuantity"] == open_units[DEMO.products[0].skus[0].sku]
    assert seeded["availableQuantity"] == seeded["physicalQuantity"] - seeded["allocatedQuantity"]
    levels = {
        "warehouse": {"id": 1},
        "description": "ERP sync",
        "stockQuantityType": "PHYSICAL",
        "productVariants": [
            {
                "productVariant": {"id": 1},
                "sizeStockLevels": [
                    {"size": {"name": "XS"}, "quantity": 40},
                    {"size": {"name": "XXL"}, "quantity": 1},
                ],
            },
            {
                "productVariant": {"id": 99999},
                "sizeStockLevels": [{"size": {"name": "S"}, "quantity": 1}],
            },
        ],
    }
    payload = data(centra, SET_STOCK, {"input": levels})["setStock"]
    [change] = payload["stockChanges"]
    assert change["lines"] == [
        {
            "quantity": 40 - seeded["physicalQuantity"],
            "warehouse": {"id": 1},
            "productSize": {"id": 1},
        }
    ]
    assert len(payload["userWarnings"]) == 2
    assert totals(centra, 1)["physicalQuantity"] == 40
    assert data(centra, SET_STOCK, {"input": levels})["setStock"]["stockChanges"] == []  # as given
    delivery = {
        "intoWarehouse": {"id": 2},
        "description": "Delivery",
        "productVariants": [
            {
                "productVariant": {"id": 1},
                "unitCost": {"value": 41, "currencyIsoCode": "SEK"},
                "sizeChanges": [{"size": {"id": 1}, "deliveredQuantity": 5}],
            }
        ],
    }
    made = data(centra, CHANGE_STOCK, {"input": delivery})["changeStock"]["stockChange"]
    assert made["lines"] == [{"quantity": 5, "warehouse": {"id": 2}}]
    move = {**delivery, "outFromWarehouse": {"id": 2}, "intoWarehouse": {"id": 1}}
    moved = data(centra, CHANGE_STOCK, {"input": move})["changeStock"]["stockChange"]
    assert moved["lines"] == [
        {"quantity": -5, "warehouse": {"id": 2}},
        {"quantity": 5, "warehouse": {"id": 1}},
    ]
    assert totals(centra, 1)["physicalQuantity"] == 45
    too_many = data(centra, CHANGE_STOCK, {"input": move})["changeStock"]  # warehouse 2 is empty
    assert too_many["stockChange"] is None and too_many["userWarnings"][0]["path"] == [
        "input",
        "productVariants",
        "0",
        "sizeChanges",
        "0",
    ]
    stock = data(
        centra,
        """{ productVariants(where: {id: [1]}) { stock(limit: 200) {
      productSize { id } warehouse { id } physicalQuantity availableNowQuantity } } }""",
    )
    entries = {
        (e["productSize"]["id"], e["warehouse"]["id"]): e
        for e in stock["productVariants"][0]["stock"]
    }
    assert entries[(1, 1)]["physicalQuantity"] == 45 and entries[(1, 2)]["physicalQuantity"] == 0
    lines = data(centra, "{ stockChangeLines(limit: 200) { quantity stockChange { id } } }")
    assert [line["stockChange"]["id"] for line in lines["stockChangeLines"]][-3:] == [
        made["id"],
        moved["id"],
        moved["id"],
    ]
