"""Shipping whose VAT the shop split over the goods' rates, posted through each ERP's writers
to its sandbox and read back, hand-worked. A domestic order in EUR, prices including VAT:

- goods 100.00 at 25 % (VAT 20.00) and 112.00 at 12 % (VAT 12.00);
- shipping 50.00 with the shop's VAT 7.55: 23.58 at 25 % (VAT 4.72) and 26.42 at 12 % (VAT
  2.83), as brygga.engine.finance.shipping reads it (tests/engine/test_finance_shipping.py);
- VAT 24.72 at 25 % and 14.83 at 12 %, 39.55 in all; total 262.00.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from brygga.connectors.fortnox import writers as fortnox
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.totals import order_totals as fortnox_totals
from brygga.connectors.vismanet import writers as vismanet
from brygga.connectors.vismanet.client import VismanetClient
from brygga.connectors.vismanet.documents import credit_note_for_refund, invoice_from_visma
from brygga.connectors.vismanet.options import Options
from brygga.connectors.vismanet.totals import order_totals as vismanet_totals
from brygga.engine.finance.shipping import shop_shipping
from brygga.model import Address, Customer, Money, Order, OrderLine, Refund
from tests.support.processes import SandboxProcess, sandbox_fixture

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def split_shipping_order(number: str) -> Order:
    buyer = Customer(source_id=f"c{number}", email=f"{number.lower()}@example.se",
                     first_name="Siv", last_name="Split",
                     address=Address(line1="Storgatan 1", postcode="11122", city="Stockholm",
                                     country="SE"))  # fmt: skip
    lines = [
        OrderLine(source_id="1", sku="NB001-01-01", description="Tröja", quantity=Decimal(1),
                  unit_price=eur("100.00"), tax_rate=Decimal(25)),
        OrderLine(source_id="2", sku="NB013-01-01", description="Bok", quantity=Decimal(1),
                  unit_price=eur("112.00"), tax_rate=Decimal(12)),
    ]  # fmt: skip
    shipping = shop_shipping(eur("50.00"), eur("7.55"), lines, prices_include_tax=True)
    return Order(source_id=number, number=number, created_at=datetime(2026, 12, 1, tzinfo=UTC),
                 currency="EUR", exchange_rate=Decimal("11.2"), customer=buyer,
                 shipping_address=buyer.address, lines=lines, shipping=shipping,
                 grand_total=eur("262.00"))  # fmt: skip


fortnox_sandbox = sandbox_fixture("fortnox")
visma_sandbox = sandbox_fixture("vismanet")


@pytest.fixture
async def fortnox_client(fortnox_sandbox: SandboxProcess) -> AsyncIterator[FortnoxClient]:
    credentials = fortnox_sandbox.credentials() | {"rate_limit": False}
    client = FortnoxClient(fortnox_sandbox.base_url, credentials)
    yield client
    await client.aclose()


@pytest.fixture
async def visma_client(visma_sandbox: SandboxProcess) -> AsyncIterator[VismanetClient]:
    credentials = visma_sandbox.credentials() | {"rate_limit": False}
    client = VismanetClient(visma_sandbox.base_url, credentials)
    yield client
    await client.aclose()


async def test_fortnox_books_split_shipping_as_a_freight_row_per_rate(fortnox_client):
    """Fortnox's one `Freight` takes one VAT (25 %), so the shipping is two rows on the freight
    account 3520. Fortnox's VAT per rate from the gross: 123.58 × 25/125 = 24.716 → 24.72 and
    138.42 × 12/112 = 14.830… → 14.83, the shop's: no rounding rows."""
    record = split_shipping_order("S101")
    customer = await fortnox.CustomerWriter(fortnox_client).create(record.customer, {})
    written = await fortnox.OrderWriter(fortnox_client).create(
        record, {"customer": customer.target_id}
    )
    saved = (await fortnox_client.get(f"/3/orders/{written.target_id}"))["Order"]
    rows = [(row["AccountNumber"], row["VAT"], row["Price"]) for row in saved["OrderRows"]]
    assert rows == [
        (3001, 25, Decimal("100.00")),
        (3002, 12, Decimal("112.00")),
        (3520, 25, Decimal("23.58")),
        (3520, 12, Decimal("26.42")),
    ]
    assert saved["Freight"] == 0
    assert (saved["TotalVAT"], saved["Total"]) == (Decimal("39.55"), Decimal("262.00"))
    booked = await fortnox_totals(fortnox_client, written.target_id, {})
    assert booked.differences(record.totals()) == []


async def test_vismanet_books_split_shipping_as_shipping_item_lines(visma_client):
    """The order's one freight takes one VAT category, so each part is a line of the shipping
    item, net: 23.58 - 4.72 = 18.86 at category 1 (25 %), 26.42 - 2.83 = 23.59 at category 2
    (12 %). Visma.net's VAT on the nets: (80.00 + 18.86) × 25 % = 24.715 → 24.72 and
    (100.00 + 23.59) × 12 % = 14.830… → 14.83."""
    record = split_shipping_order("S102")
    customer = await vismanet.CustomerWriter(visma_client).create(record.customer, {})
    written = await vismanet.OrderWriter(visma_client).create(
        record, {"customer": customer.target_id}
    )
    path = f"/api/v3/SalesOrders/SO/{written.target_id}"
    saved, _ = await visma_client.v3_get(path, expand="freight")
    lines, _ = await visma_client.v3_get(f"{path}/lines")
    booked_lines = [
        (line["inventory"]["id"], line["taxCategoryId"], line["extendedPrice"])
        for line in lines["value"]
    ]
    assert [line[1:] for line in booked_lines] == [
        ("1", Decimal("80.00")),
        ("2", Decimal("100.00")),
        ("1", Decimal("18.86")),
        ("2", Decimal("23.59")),
    ]
    assert [line[0] for line in booked_lines][2:] == ["SHIPPING", "SHIPPING"]
    assert not (saved.get("freight") or {}).get("cost")
    totals = saved["totals"]
    assert (totals["taxTotal"], totals["orderTotal"]) == (Decimal("39.55"), Decimal("262.00"))
    booked = await vismanet_totals(visma_client, written.target_id, {})
    assert booked.differences(record.totals()) == []


def test_vismanet_invoice_reads_shipping_item_lines_back_as_split_shipping():
    """An invoice made from that order: its shipping item lines are the shipping, a part per
    VAT rate (nets, as Visma.net holds them), not goods the shop sold."""

    def row(number: int, item: str, category: str, amount: str) -> dict[str, object]:
        return {"lineNumber": number, "inventoryNumber": item, "description": item,
                "vatCode": {"id": category}, "quantity": 1, "amountInCurrency": amount,
                "unitPriceInCurrency": amount}  # fmt: skip

    document = {
        "referenceNumber": "100042", "currencyId": "EUR", "documentDate": "2026-12-01",
        "status": "Open", "amountInCurrency": "262.00",
        "taxDetails": [{"vatRate": 25}, {"vatRate": 12}],
        "invoiceLines": [row(1, "NB001-01-01", "1", "80.00"), row(2, "NB013-01-01", "2", "100.00"),
                         row(3, "SHIPPING", "1", "18.86"), row(4, "SHIPPING", "2", "23.59")],
    }  # fmt: skip
    invoice = invoice_from_visma(document, Options())
    assert [line.sku for line in invoice.lines] == ["NB001-01-01", "NB013-01-01"]
    assert invoice.shipping is not None
    assert invoice.shipping.amount.amount == Decimal("42.45")
    assert [(p.tax_rate, p.amount.amount) for p in invoice.shipping.parts] == [
        (Decimal(25), Decimal("18.86")),
        (Decimal(12), Decimal("23.59")),
    ]


def test_vismanet_refunded_split_shipping_is_credited_at_its_rates():
    """Refunding the whole 50.00 of shipping of that invoice: split as the invoice's shipping
    lines are (18.86 and 23.59 net, so 50 × 18.86/42.45 = 22.21… and 27.78…, in cents 22.21
    at 25 % and 27.79 at 12 %), not all at the first line's category."""
    invoice = {
        "referenceNumber": "100042", "currencyId": "EUR", "customer": {"number": "10001"},
        "taxDetails": [{"vatRate": 25}, {"vatRate": 12}],
        "invoiceLines": [
            {"inventoryNumber": "NB001-01-01", "vatCode": {"id": "1"}, "amountInCurrency": 80},
            {"inventoryNumber": "NB013-01-01", "vatCode": {"id": "2"}, "amountInCurrency": 100},
            {"inventoryNumber": "SHIPPING", "vatCode": {"id": "1"}, "amountInCurrency": "18.86"},
            {"inventoryNumber": "SHIPPING", "vatCode": {"id": "2"}, "amountInCurrency": "23.59"},
        ],
    }  # fmt: skip
    refunded = datetime(2026, 12, 2, tzinfo=UTC)
    refund = Refund(source_id="R1", order_reference="S102", total=eur("50.00"),
                    shipping=eur("50.00"), created_at=refunded)  # fmt: skip
    body = credit_note_for_refund(refund, invoice, Options())
    lines = [(line["vatCodeId"]["value"], line["unitPriceInCurrency"]["value"])
             for line in body["lines"]]  # fmt: skip
    by_category = {category: price for category, price in lines if category in ("1", "2")}
    # 22.21 at 25 % is net 17.77 (VAT 4.44); 27.79 at 12 % is net 24.81 (VAT 2.98).
    assert by_category == {"1": Decimal("17.77"), "2": Decimal("24.81")}
