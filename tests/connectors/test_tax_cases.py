"""Golden tax cases, hand-worked, posted through each ERP's writers to its sandbox and read
back: the document's VAT treatment, accounts or zones, VAT and total are written here.

All orders are in EUR with prices including VAT (Fortnox rounds SEK documents to whole
kronor, which would hide the cents). A Swedish seller; OSS registered in Germany.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox import writers as fortnox
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.totals import order_totals as fortnox_totals
from brygga.connectors.vismanet import writers as vismanet
from brygga.connectors.vismanet.client import VismanetClient
from brygga.connectors.vismanet.totals import order_totals as vismanet_totals
from brygga.engine.finance import FinanceError
from brygga.model import Address, Customer, CustomerType, Money, Order, OrderLine, Shipping
from tests.support.processes import SandboxProcess, sandbox_fixture

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")

GERMAN_VAT = "DE136695976"  # a valid check digit (python-stdnum)
SETTINGS = {
    # Fortnox: the sandbox company's OSS sales account for Germany (BAS has none per country).
    "oss_accounts": {"DE": 3011},
    # Visma.net: the sandbox company's German OSS zone and categories.
    "oss_vat_zones": {"DE": "11"},
    "oss_vat_categories": {"DE": {"19": "11", "7": "12"}},
}


@dataclass(frozen=True)
class Case:
    """A shop order and what each ERP must book: `rows` are Fortnox (account, VAT %, price)."""

    name: str
    country: str
    lines: list[tuple[str, int, str, str]]  # sku, quantity, unit price, VAT %
    shipping: tuple[str, str] | None  # amount, VAT %
    vat: str
    total: str
    fortnox_vat_type: str
    fortnox_rows: list[tuple[int, Decimal, Decimal]]
    fortnox_freight: str
    visma_zone: str
    visma_categories: list[str]
    oss: bool = False
    vat_number: str = ""


CASES = [
    # 2 × 100.00 at 25 %: VAT 200 × 25/125 = 40.00; 53.00 at 6 %: 53 × 6/106 = 3.00;
    # shipping 49.00 at 25 %: 9.80. VAT 52.80, total 302.00.
    Case("domestic", "SE", [("NB001-01-01", 2, "100.00", "25"), ("NB013-01-01", 1, "53.00", "6")],
         ("49.00", "25"), "52.80", "302.00", "SEVAT",
         [(3001, Decimal(25), Decimal(100)), (3003, Decimal(6), Decimal(53))], "49.00",
         "01", ["1", "3"]),
    # A German business with a valid VAT number, charged no VAT: reverse charge, 3108.
    Case("eu business", "DE", [("NB001-01-01", 2, "80.00", "0"), ("NB013-01-01", 1, "50.00", "0")],
         ("5.00", "0"), "0.00", "215.00", "EUREVERSEDVAT",
         [(3108, Decimal(0), Decimal(80)), (3108, Decimal(0), Decimal(50))], "5.00",
         "02", ["4", "4"], vat_number=GERMAN_VAT),
    # A Finnish consumer below the distance-sales threshold pays Swedish VAT: 125.00 at 25 %
    # is 25.00, shipping 5.00 at 25 % is 1.00. VAT 26.00, total 130.00; account 3106.
    Case("eu consumer", "FI", [("NB001-01-01", 1, "125.00", "25")], ("5.00", "25"), "26.00",
         "130.00", "EUVAT", [(3106, Decimal(25), Decimal(125))], "5.00", "01", ["1"]),
    # Under OSS a German consumer pays German VAT: 119.00 at 19 % is 19.00, 10.70 at 7 % is
    # 0.70, shipping 5.95 at 19 % is 0.95. VAT 20.65, total 135.65. Under OSS shipping is a
    # row (never Fortnox's Freight, 25 %) at 19 %, on the German OSS account 3011 with the
    # goods: the OSS return reports shipping as part of the sale.
    Case("eu consumer under OSS", "DE",
         [("NB001-01-01", 1, "119.00", "19"), ("NB013-01-01", 1, "10.70", "7")],
         ("5.95", "19"), "20.65", "135.65", "EUVAT",
         [(3011, Decimal(19), Decimal(119)), (3011, Decimal(7), Decimal("10.70")),
          (3011, Decimal(19), Decimal("5.95"))], "0", "11", ["11", "12"], oss=True),
    # An American consumer: export, no VAT, account 3105.
    Case("export", "US", [("NB001-01-01", 1, "90.00", "0")], ("9.00", "0"), "0.00", "99.00",
         "EXPORT", [(3105, Decimal(0), Decimal(90))], "9.00", "03", ["4"]),
]  # fmt: skip


def shop_order(case: Case, number: str) -> Order:
    eur = lambda amount: Money.of(amount, "EUR")  # noqa: E731
    buyer = Customer(
        source_id=number,
        email=f"{number}@example.com",
        first_name="Kim",
        last_name="Berg",
        company="Handel GmbH" if case.vat_number else "",
        type=CustomerType.COMPANY if case.vat_number else CustomerType.PRIVATE,
        vat_number=case.vat_number,
        address=Address(line1="Hauptstraße 1", postcode="10115", city="Berlin",
                        country=case.country),
    )  # fmt: skip
    lines = [
        OrderLine(source_id=str(index), sku=sku, description=sku, quantity=Decimal(quantity),
                  unit_price=eur(price), tax_rate=Decimal(rate))
        for index, (sku, quantity, price, rate) in enumerate(case.lines)
    ]  # fmt: skip
    shipping = None
    if case.shipping:
        shipping = Shipping(amount=eur(case.shipping[0]), tax_rate=Decimal(case.shipping[1]))
    return Order(
        source_id=number,
        number=number,
        created_at=datetime(2026, 9, 1, 10, tzinfo=UTC),
        currency="EUR",
        exchange_rate=Decimal("11.2"),
        customer=buyer,
        shipping_address=buyer.address,
        lines=lines,
        shipping=shipping,
        grand_total=eur(case.total),
    )


def settings(case: Case) -> dict[str, Any]:
    return SETTINGS | {"oss": case.oss}


fortnox_sandbox = sandbox_fixture("fortnox")


visma_sandbox = sandbox_fixture("vismanet")


@pytest.fixture
async def fortnox_client(fortnox_sandbox: SandboxProcess) -> AsyncIterator[FortnoxClient]:
    client = FortnoxClient(
        fortnox_sandbox.base_url, fortnox_sandbox.credentials() | {"rate_limit": False}
    )
    yield client
    await client.aclose()


@pytest.fixture
async def visma_client(visma_sandbox: SandboxProcess) -> AsyncIterator[VismanetClient]:
    client = VismanetClient(
        visma_sandbox.base_url, visma_sandbox.credentials() | {"rate_limit": False}
    )
    yield client
    await client.aclose()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
async def test_fortnox_books_the_case(fortnox_client: FortnoxClient, case: Case) -> None:
    record = shop_order(case, f"T{CASES.index(case)}01")
    customer = await fortnox.CustomerWriter(fortnox_client, settings(case)).create(
        record.customer, {}
    )
    card = (await fortnox_client.get(f"/3/customers/{customer.target_id}"))["Customer"]
    assert card["VATType"] == case.fortnox_vat_type

    writer = fortnox.OrderWriter(fortnox_client, settings(case))
    written = await writer.create(record, {"customer": customer.target_id})
    saved = (await fortnox_client.get(f"/3/orders/{written.target_id}"))["Order"]
    rows = [(row["AccountNumber"], row["VAT"], row["Price"]) for row in saved["OrderRows"]]
    assert rows == case.fortnox_rows
    assert saved["Freight"] == Decimal(case.fortnox_freight)
    assert (saved["TotalVAT"], saved["Total"]) == (Decimal(case.vat), Decimal(case.total))
    booked = await fortnox_totals(fortnox_client, written.target_id, settings(case))
    assert booked.differences(record.totals()) == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
async def test_vismanet_books_the_case(visma_client: VismanetClient, case: Case) -> None:
    record = shop_order(case, f"T{CASES.index(case)}02")
    customer = await vismanet.CustomerWriter(visma_client, settings(case)).create(
        record.customer, {}
    )
    writer = vismanet.OrderWriter(visma_client, settings(case))
    written = await writer.create(record, {"customer": customer.target_id})
    path = f"/api/v3/SalesOrders/SO/{written.target_id}"
    saved, _ = await visma_client.v3_get(path, expand="customer,freight")
    lines, _ = await visma_client.v3_get(f"{path}/lines")
    assert saved["customer"]["taxZone"]["id"] == case.visma_zone
    assert [line["taxCategoryId"] for line in lines["value"]] == case.visma_categories
    totals = saved["totals"]
    assert (totals["taxTotal"], totals["orderTotal"]) == (Decimal(case.vat), Decimal(case.total))
    booked = await vismanet_totals(visma_client, written.target_id, settings(case))
    assert booked.differences(record.totals()) == []


OSS = next(case for case in CASES if case.oss)


async def test_fortnox_without_an_oss_account_names_the_setting(fortnox_client):
    record = shop_order(OSS, "T901")
    with pytest.raises(FinanceError, match="add it to the oss_accounts setting"):
        await fortnox.OrderWriter(fortnox_client, {"oss": True}).create(record, {"customer": "1"})


async def test_fortnox_refuses_an_inactive_account_naming_its_setting(fortnox_client):
    """3990 is inactive in the sandbox company (as a tenant deactivates accounts it does not
    use); Fortnox refuses the row and Brygga names the account and the setting."""
    case = next(case for case in CASES if case.name == "export")
    record = shop_order(case, "T902")
    customer = await fortnox.CustomerWriter(fortnox_client).create(record.customer, {})
    writer = fortnox.OrderWriter(fortnox_client, {"export_account": 3990})
    with pytest.raises(ConnectorError) as refused:
        await writer.create(record, {"customer": customer.target_id})
    assert refused.value.error_class is ErrorClass.DATA
    assert "account 3990 (setting export_account) is inactive" in refused.value.message
    with pytest.raises(ConnectorError, match=r"account 3999 \(setting export_account\) does"):
        await fortnox.OrderWriter(fortnox_client, {"export_account": 3999}).create(
            record, {"customer": customer.target_id}
        )


async def test_vismanet_without_an_oss_zone_names_the_setting(visma_client):
    record = shop_order(OSS, "T903")
    writer = vismanet.OrderWriter(visma_client, {"oss": True})
    with pytest.raises(ConnectorError, match="add it to the oss_vat_zones setting"):
        await writer.create(record, {"customer": "1"})


async def test_vismanet_a_zone_the_company_lacks_is_a_data_error(visma_client):
    case = next(case for case in CASES if case.name == "export")
    record = shop_order(case, "T904")
    customer = await vismanet.CustomerWriter(visma_client).create(record.customer, {})
    writer = vismanet.OrderWriter(visma_client, {"vat_zones": {"export": "99"}})
    with pytest.raises(ConnectorError) as refused:
        await writer.create(record, {"customer": customer.target_id})
    assert refused.value.error_class is ErrorClass.DATA
    assert "taxZoneId" in refused.value.message
    assert "fix the vat_zones setting" in refused.value.message


async def test_vismanet_oss_order_with_a_rounding_cent(visma_client):
    """0.03 at 19 %, VAT included: the shop's VAT is 0.03 × 19/119 = 0.0048 → 0.00, but
    Visma.net's on the net 0.03 would be 0.0057 → 0.01. So the line is booked at 0.02 (VAT
    0.0038 → 0.00) and the cent on the rounding item at 0 %, which the OSS zone must take."""
    case = Case("tiny", "DE", [("NB001-01-01", 1, "0.03", "19")], None, "0.00", "0.03",
                "EUVAT", [], "0", "11", ["11", "4"], oss=True)  # fmt: skip
    record = shop_order(case, "T905")
    customer = await vismanet.CustomerWriter(visma_client, settings(case)).create(
        record.customer, {}
    )
    writer = vismanet.OrderWriter(visma_client, settings(case))
    written = await writer.create(record, {"customer": customer.target_id})
    path = f"/api/v3/SalesOrders/SO/{written.target_id}"
    lines, _ = await visma_client.v3_get(f"{path}/lines")
    booked = [(line["taxCategoryId"], line["extendedPrice"]) for line in lines["value"]]
    assert booked == [("11", Decimal("0.02")), ("4", Decimal("0.01"))]
    saved, _ = await visma_client.v3_get(path)
    assert (saved["totals"]["taxTotal"], saved["totals"]["orderTotal"]) == (0, Decimal("0.03"))
