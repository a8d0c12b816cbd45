"""Reading products, stock, invoices and credit invoices from the Fortnox sandbox."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest

from brygga.connectors.fortnox.streams import (
    CreditNotesStream,
    InvoicesStream,
    ProductsStream,
    StockStream,
)
from brygga.model import Money
from tests.connectors.test_fortnox import checked_client, shop_order
from tests.support.processes import sandbox_fixture

sandbox = sandbox_fixture("fortnox")


@pytest.fixture
async def client(sandbox):
    client, check = checked_client(sandbox)
    yield client
    await client.aclose()
    check.validate()


async def read(stream, since=None, until=None):
    until = until or datetime.now(UTC)
    return [record async for page in stream.pages(since, until) for record in page]


def simulate(sandbox, **wanted) -> dict[str, list[str]]:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json=wanted)
    assert response.status_code == 200, response.text
    return response.json()


async def new_article(client, number: str, **fields) -> None:
    await client.post("/3/articles", {"Article": {"ArticleNumber": number, **fields}})


def stored(sandbox, collection: str, key: str, field: str) -> dict:
    return next(r for r in sandbox.state()[collection] if r[field] == key)


async def test_products_are_webshop_articles_with_price_vat_and_active_flag(sandbox, client):
    until = datetime.now(UTC)
    records = {r.source_id: r for r in await read(ProductsStream(client), until=until)}
    seeded = [a for a in sandbox.state()["articles"] if a["WebshopArticle"]]
    assert set(records) == {a["ArticleNumber"] for a in seeded}
    article = seeded[0]
    record = records[article["ArticleNumber"]]
    assert record.position == until and record.error is None
    product = record.record
    variant = product.variants[0]
    assert (product.source_id, product.product_number, product.name, product.active) == (
        article["ArticleNumber"], article["ArticleNumber"], article["Description"], True
    )  # fmt: skip
    assert (variant.sku, variant.name, variant.ean) == (
        article["ArticleNumber"], article["Description"], article["EAN"]
    )  # fmt: skip
    assert variant.prices == [Money.of(article["SalesPrice"], "SEK")]
    assert variant.tax_rate == Decimal(article["VAT"])


async def test_products_changed_since_include_deactivated_and_new_ones(sandbox, client):
    since = datetime.now(UTC) - timedelta(minutes=1)
    sku = sandbox.state()["articles"][1]["ArticleNumber"]
    await client.put(f"/3/articles/{sku}", {"Article": {"Description": "Utgått", "Active": False}})
    await new_article(client, "STREAM-1", Description="Mössa", WebshopArticle=True)
    await new_article(client, "STREAM-2", Description="Intern")
    records = {r.source_id: r.record for r in await read(ProductsStream(client), since)}
    assert records[sku].active is False and records[sku].name == "Utgått"
    assert records["STREAM-1"].active is True and records["STREAM-1"].variants[0].prices == []
    assert "STREAM-2" not in records  # not a webshop article
    everything = ProductsStream(client, {"webshop_only": False})
    assert "STREAM-2" in {r.source_id for r in await read(everything, since)}
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert await read(ProductsStream(client), later) == []


async def test_stock_is_the_physical_quantity_of_stock_articles(sandbox, client):
    await new_article(client, "TJANST-1", Description="Montering", Type="SERVICE")
    stream = StockStream(client)
    assert stream.replication_key is None
    records = {r.source_id: r for r in await read(stream)}
    articles = sandbox.state()["articles"]
    assert set(records) == {a["ArticleNumber"] for a in articles if a["StockGoods"]}
    assert "TJANST-1" not in records
    for article in articles[:5]:
        level = records[article["ArticleNumber"]].record
        assert (level.sku, level.quantity) == (article["ArticleNumber"], article["QuantityInStock"])
    point = StockStream(client, {"stock_point": "HUVUDLAGER"})
    level = {r.source_id: r.record for r in await read(point)}[articles[0]["ArticleNumber"]]
    assert level.warehouse == "HUVUDLAGER" and level.quantity == articles[0]["QuantityInStock"]


async def test_invoices_of_shop_orders_with_rows_shipping_currency_and_balance(sandbox, client):
    since = datetime.now(UTC) - timedelta(minutes=1)
    order_number = await shop_order(client, "9101", "faktura@example.se")
    made = simulate(sandbox, invoice_orders=50)["invoice_orders"]
    invoice_number = stored(sandbox, "invoices", order_number, "OrderReference")["DocumentNumber"]
    assert invoice_number in made
    await client.post("/3/invoicepayments", {"InvoicePayment": {
        "InvoiceNumber": int(invoice_number), "AmountCurrency": Decimal("30.85")}})  # fmt: skip
    manual = await client.post("/3/invoices", {"Invoice": {"CustomerNumber": "1", "InvoiceRows": [
        {"ArticleNumber": "NB001-01-01", "DeliveredQuantity": "1"}]}})  # fmt: skip
    records = {r.source_id: r for r in await read(InvoicesStream(client), since)}
    assert manual["Invoice"]["DocumentNumber"] not in records  # no shop order reference
    invoice = records[invoice_number].record
    eur = lambda amount: Money.of(amount, "EUR")  # noqa: E731
    assert (invoice.number, invoice.order_reference) == (invoice_number, "9101")
    assert (invoice.currency, invoice.exchange_rate, invoice.prices_include_tax) == (
        "EUR", Decimal("11.2"), True
    )  # fmt: skip
    assert [(i.sku, i.quantity, i.unit_price, i.tax_rate) for i in invoice.lines] == [
        ("NB001-01-01", 2, eur("103.95"), 25),
        ("NB013-01-01", 1, eur("17.95"), 6),
    ]
    assert invoice.shipping.amount == eur("5") and invoice.shipping.tax_rate == 25
    assert invoice.total == eur("230.85")
    assert (
        invoice.issued_on.isoformat()
        == stored(sandbox, "invoices", invoice_number, "DocumentNumber")["InvoiceDate"]
    )
    assert invoice.due_on > invoice.issued_on and not invoice.cancelled
    assert records[invoice_number].position == datetime.combine(
        invoice.issued_on, time(), ZoneInfo("Europe/Stockholm")
    )


async def test_invoices_are_read_by_a_closed_range_of_invoice_dates(sandbox, client):
    await shop_order(client, "9301", "datum@example.se")
    [number] = simulate(sandbox, invoice_orders=1)["invoice_orders"]
    change = {"Invoice": {"CustomerNumber": "1", "InvoiceDate": "2026-03-10"}}
    await client.put(f"/3/invoices/{number}", change)
    stockholm = ZoneInfo("Europe/Stockholm")
    day = datetime(2026, 3, 10, tzinfo=stockholm)

    async def numbers(since, until):
        return {r.source_id for r in await read(InvoicesStream(client), since, until)}

    assert number in await numbers(day, day)  # both ends closed
    assert number in await numbers(day - timedelta(days=5), day + timedelta(hours=23))
    assert number not in await numbers(day + timedelta(days=1), datetime.now(UTC))
    assert number not in await numbers(None, day - timedelta(seconds=1))


async def test_credit_invoices_become_credit_notes_and_are_not_invoices(sandbox, client):
    order_number = await shop_order(client, "9201", "kredit@example.se")
    simulate(sandbox, invoice_orders=50)
    invoice_number = stored(sandbox, "invoices", order_number, "OrderReference")["DocumentNumber"]
    since = datetime.now(UTC) - timedelta(minutes=1)
    credits = simulate(sandbox, credit_invoices=1000)["credit_invoices"]
    credit_number = stored(sandbox, "invoices", invoice_number, "DocumentNumber")[
        "CreditInvoiceReference"
    ]
    assert credit_number in credits
    invoices = {r.source_id for r in await read(InvoicesStream(client), since)}
    assert credit_number not in invoices and invoice_number in invoices  # credited, still billed
    notes = {r.source_id: r.record for r in await read(CreditNotesStream(client), since)}
    note = notes[credit_number]
    eur = lambda amount: Money.of(amount, "EUR")  # noqa: E731
    assert (note.invoice_reference, note.order_reference, note.refund_reference) == (
        invoice_number, "9201", ""
    )  # fmt: skip
    assert [(i.sku, i.quantity, i.unit_price) for i in note.lines] == [
        ("NB001-01-01", 2, eur("103.95")),
        ("NB013-01-01", 1, eur("17.95")),
    ]
    assert note.shipping.amount == eur("5") and note.total == eur("230.85")
    assert note.currency == "EUR" and set(notes) <= set(credits)
