"""Writing articles, refunds (credit invoices) and payments into the Fortnox sandbox."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.payments import PaymentWriter
from brygga.connectors.fortnox.refunds import RefundWriter
from brygga.connectors.fortnox.writers import CustomerWriter, OrderWriter, ProductWriter
from brygga.model import (
    Discount,
    Money,
    OrderLine,
    Payment,
    PaymentStatus,
    Product,
    Refund,
    RefundLine,
    Shipping,
    Variant,
)
from tests.connectors.test_fortnox import checked_client, customer, order, shop_order
from tests.support.processes import sandbox_fixture

EAN = "7350000000016"
SOLD = datetime(2025, 1, 3, 10, tzinfo=UTC)  # before any invoice of the tests


sandbox = sandbox_fixture("fortnox")


@pytest.fixture
async def client(sandbox):
    client, check = checked_client(sandbox)
    yield client
    await client.aclose()
    check.validate()


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def product(sku: str, price: str = "299.00", name: str = "Ullmössa", **fields) -> Product:
    variant = Variant(sku=sku, name=name, ean=EAN, prices=[Money.of(price, "SEK")],
                      tax_rate=Decimal(25))  # fmt: skip
    return Product(source_id=sku, product_number=sku, name=name, variants=[variant], **fields)


async def invoiced(client, order_number: str, email: str) -> dict:
    """A shop order written by the connector and invoiced in Fortnox; the invoice."""
    number = await shop_order(client, order_number, email)
    return (await client.put(f"/3/orders/{number}/createinvoice"))["Invoice"]


def refund(refund_id: str, order_number: str, total: str, **fields) -> Refund:
    return Refund(source_id=refund_id, order_reference=order_number, created_at=SOLD,
                  total=eur(total), **fields)  # fmt: skip


async def test_products_become_articles_with_a_price_in_the_price_list(client):
    writer = ProductWriter(client)
    written = await writer.create(product("MOSSA-1", active=False), {})
    assert written.target_id == "MOSSA-1"
    article = (await client.get("/3/articles/MOSSA-1"))["Article"]
    assert (article["Description"], article["EAN"], article["VAT"], article["Active"]) == (
        "Ullmössa", EAN, 25, False
    )  # fmt: skip
    assert (article["WebshopArticle"], article["StockGoods"], article["Type"]) == (
        True, True, "STOCK"
    )  # fmt: skip
    assert (await client.get("/3/prices/A/MOSSA-1"))["Price"]["Price"] == 299
    assert article["SalesPrice"] == 299  # list A is the preselected one

    await writer.create(product("MOSSA-10"), {})  # contains "MOSSA-1"
    found = await writer.find(product("MOSSA-1"))
    assert found is not None and found.target_id == "MOSSA-1"
    assert await writer.find(product("MOSSA")) is None

    await writer.update("MOSSA-1", product("MOSSA-1", "349.50", "Ullmössa röd"), {})
    article = (await client.get("/3/articles/MOSSA-1"))["Article"]
    assert (article["Description"], article["SalesPrice"], article["Active"]) == (
        "Ullmössa röd", Decimal("349.5"), True
    )  # fmt: skip


async def test_product_settings_price_list_account_unit_and_service(client):
    await client.post("/3/pricelists", {"PriceList": {"Code": "W", "Description": "Webb"}})
    settings = {"price_list": "W", "sales_account": 3001, "unit": "st", "stock_goods": False}
    writer = ProductWriter(client, settings)
    await writer.create(product("PRESENT-1", "100"), {})
    article = (await client.get("/3/articles/PRESENT-1"))["Article"]
    assert (article["SalesAccount"], article["Unit"], article["Type"]) == (3001, "st", "SERVICE")
    assert article["SalesPrice"] is None  # no price in the preselected list
    assert (await client.get("/3/prices/W/PRESENT-1"))["Price"]["Price"] == 100
    await writer.update("PRESENT-1", product("PRESENT-1", "120"), {})  # the price exists: PUT
    assert (await client.get("/3/prices/W/PRESENT-1"))["Price"]["Price"] == 120
    euro = Product(source_id="X", product_number="X", name="X", variants=[
        Variant(sku="EURO-1", name="X", prices=[eur("10")])])  # fmt: skip
    with pytest.raises(ConnectorError) as raised:
        await writer.create(euro, {})
    assert raised.value.error_class is ErrorClass.DATA and "SEK" in raised.value.message


async def test_a_refund_before_the_invoice_is_not_found(client):
    await shop_order(client, "7100", "tidig@example.se")
    with pytest.raises(ConnectorError) as raised:
        await RefundWriter(client).create(refund("R-7100", "7100", "10.00"), {})
    assert raised.value.error_class is ErrorClass.NOT_FOUND
    assert "no invoice for shop order 7100" in raised.value.message
    assert await RefundWriter(client).find(refund("R-7100", "7100", "10.00")) is None


async def test_a_full_refund_is_fortnox_own_credit_and_nothing_is_left_after_it(client):
    original = await invoiced(client, "7200", "full@example.se")
    writer = RefundWriter(client)
    whole = refund("R-7200", "7200", "230.85")
    written = await writer.create(whole, {})
    credit = (await client.get(f"/3/invoices/{written.target_id}"))["Invoice"]
    assert credit["Credit"] == "true"
    assert credit["CreditInvoiceReference"] == original["DocumentNumber"]
    assert (credit["ExternalInvoiceReference1"], credit["ExternalInvoiceReference2"]) == (
        "7200", "R-7200"
    )  # fmt: skip
    assert credit["Total"] == Decimal("-230.85") and credit["Freight"] == -5
    settled = (await client.get(f"/3/invoices/{original['DocumentNumber']}"))["Invoice"]
    assert settled["CreditInvoiceReference"] == written.target_id and settled["Balance"] == 0
    found = await writer.find(whole)
    assert found is not None and found.target_id == written.target_id
    with pytest.raises(ConnectorError) as raised:
        await writer.create(refund("R-7200-2", "7200", "10.00"), {})
    assert raised.value.error_class is ErrorClass.DATA
    assert "more than the 0.00 left to credit" in raised.value.message
    assert written.target_id in raised.value.message
    with pytest.raises(ConnectorError) as changed:
        await writer.update(written.target_id, whole, {})
    assert changed.value.error_class is ErrorClass.CONFLICT


async def test_a_crash_after_the_full_credit_is_found_by_the_invoice_link(client):
    original = await invoiced(client, "7300", "krasch@example.se")
    await client.put(f"/3/invoices/{original['DocumentNumber']}/credit")  # then the crash
    found = await RefundWriter(client).find(refund("R-7300", "7300", "230.85"))
    assert found is not None
    credit = (await client.get(f"/3/invoices/{found.target_id}"))["Invoice"]
    assert credit["ExternalInvoiceReference2"] == "R-7300"  # labelled now
    assert await RefundWriter(client).find(refund("R-7300", "7300", "100.00")) is not None
    assert await RefundWriter(client).find(refund("R-other", "7300", "100.00")) is None


async def test_a_partial_refund_credits_lines_shipping_and_the_rest(client):
    original = await invoiced(client, "7400", "del@example.se")
    writer = RefundWriter(client)
    partial = refund(
        "R-7400", "7400", "120.00",
        lines=[RefundLine(sku="NB001-01-01", quantity=Decimal(1), amount=eur("103.95"))],
        shipping=eur("5.00"),
    )  # fmt: skip
    written = await writer.create(partial, {})
    credit = (await client.get(f"/3/invoices/{written.target_id}"))["Invoice"]
    assert credit["CreditInvoiceReference"] == original["DocumentNumber"]
    assert credit["Credit"] == "true" and credit["InvoiceDate"] == "2025-01-03"
    assert (credit["ExternalInvoiceReference1"], credit["ExternalInvoiceReference2"]) == (
        "7400", "R-7400"
    )  # fmt: skip
    assert (credit["Currency"], credit["CurrencyRate"], credit["VATIncluded"]) == (
        "EUR", Decimal("11.2"), True
    )  # fmt: skip
    rows = [(r["ArticleNumber"], r["DeliveredQuantity"], r["Price"], r["VAT"])
            for r in credit["InvoiceRows"]]  # fmt: skip
    # 120 - 103.95 - 5 = 11.05 explained by no line, split as the invoice's gross per rate
    # (212.90 at 25 %, 17.95 at 6 %): 11.05 × 212.90 / 230.85 = 10.19, the rest 0.86.
    assert rows == [
        ("NB001-01-01", "-1", Decimal("103.95"), 25),
        ("", "-1", Decimal("10.19"), 25),
        ("", "-1", Decimal("0.86"), 6),
    ]
    assert credit["Freight"] == -5 and credit["Total"] == Decimal("-120.00")
    found = await writer.find(partial)
    assert found is not None and found.target_id == written.target_id
    linked = (await client.get(f"/3/invoices/{original['DocumentNumber']}"))["Invoice"]
    assert linked["CreditInvoiceReference"] == written.target_id


async def test_uneven_amounts_and_unknown_skus(client):
    await invoiced(client, "7500", "ojamn@example.se")
    writer = RefundWriter(client)
    two = RefundLine(sku="NB001-01-01", quantity=Decimal(2), amount=eur("100.01"))
    uneven = refund("R-7500", "7500", "100.00", lines=[two])
    unknown = uneven.model_copy(update={"lines": [
        RefundLine(sku="NB999", quantity=Decimal(1), amount=eur("1"))]})  # fmt: skip
    with pytest.raises(ConnectorError) as raised:
        await writer.create(unknown, {})
    assert raised.value.error_class is ErrorClass.DATA and "NB999" in raised.value.message
    written = await writer.create(uneven, {})
    credit = (await client.get(f"/3/invoices/{written.target_id}"))["Invoice"]
    rows = [(r["DeliveredQuantity"], r["Price"]) for r in credit["InvoiceRows"]]
    assert rows == [("-1", Decimal("50")), ("-1", Decimal("50.01")), ("-1", Decimal("-0.01"))]
    assert credit["Total"] == Decimal("-100.00")


async def test_an_amount_only_refund_is_a_row_per_vat_rate_of_the_invoice(client):
    original = await invoiced(client, "7600", "belopp@example.se")
    written = await RefundWriter(client).create(refund("R-7600", "7600", "40.00"), {})
    credit = (await client.get(f"/3/invoices/{written.target_id}"))["Invoice"]
    accounts = {row["VAT"]: row["AccountNumber"] for row in original["InvoiceRows"]
                if row["ArticleNumber"]}  # fmt: skip
    rows = [(r["ArticleNumber"], r["Description"], r["DeliveredQuantity"], r["Price"], r["VAT"],
             r["AccountNumber"]) for r in credit["InvoiceRows"]]  # fmt: skip
    # 40 × 212.90 / 230.85 = 36.8897… and 40 × 17.95 / 230.85 = 3.1102…: 36.88 + 3.11 is a
    # cent short, and the larger remainder (.97) takes it.
    assert rows == [
        ("", "Återbetalning R-7600", "-1", Decimal("36.89"), 25, accounts[25]),
        ("", "Återbetalning R-7600", "-1", Decimal("3.11"), 6, accounts[6]),
    ]
    assert credit["Total"] == Decimal("-40.00") and credit["Freight"] == 0


def payment(payment_id: str, order_number: str, amount: str, **fields) -> Payment:
    return Payment(source_id=payment_id, order_reference=order_number, amount=eur(amount),
                   paid_at=SOLD, **fields)  # fmt: skip


async def test_payments_settle_the_invoice_in_its_currency(client):
    invoice = await invoiced(client, "7700", "betalar@example.se")
    writer = PaymentWriter(client, {"mode_of_payment": "KORT", "mode_of_payment_account": 1580})
    first = payment("P-1", "7700", "100.00")
    assert await writer.find(first) is None
    written = await writer.create(first, {})
    saved = (await client.get(f"/3/invoicepayments/{written.target_id}"))["InvoicePayment"]
    assert (saved["InvoiceNumber"], saved["AmountCurrency"], saved["Amount"]) == (
        int(invoice["DocumentNumber"]), 100, 1120
    )  # fmt: skip
    assert (saved["Currency"], saved["ModeOfPayment"], saved["ModeOfPaymentAccount"]) == (
        "EUR", "KORT", 1580
    )  # fmt: skip
    # Captured before the invoice was made: booked on the invoice date (§4.5).
    assert saved["PaymentDate"] == invoice["InvoiceDate"]
    found = await writer.find(first)
    assert found is not None and found.target_id == written.target_id
    with pytest.raises(ConnectorError) as raised:
        await writer.create(payment("P-2", "7700", "200.00"), {})
    assert raised.value.error_class is ErrorClass.CONFLICT and "open balance" in str(raised.value)
    rest = await writer.create(payment("P-2", "7700", "130.85"), {})
    paid = (await client.get(f"/3/invoices/{invoice['DocumentNumber']}"))["Invoice"]
    assert paid["Balance"] == 0
    # Fully paid in Fortnox: another capture finds the last payment instead of paying twice.
    again = await writer.find(payment("P-3", "7700", "5.00"))
    assert again is not None and again.target_id == rest.target_id
    updated = await writer.update(rest.target_id, payment("P-2", "7700", "130.00"), {})
    assert updated.payload["AmountCurrency"] == 130


async def test_payments_need_an_invoice_and_a_succeeded_capture(client):
    await shop_order(client, "7800", "ingen@example.se")
    writer = PaymentWriter(client)
    with pytest.raises(ConnectorError) as raised:
        await writer.find(payment("P-4", "7800", "10.00"))
    assert raised.value.error_class is ErrorClass.NOT_FOUND and "7800" in raised.value.message
    await invoiced(client, "7801", "pending@example.se")
    with pytest.raises(ConnectorError) as pending:
        await writer.create(payment("P-5", "7801", "10.00", status=PaymentStatus.PENDING), {})
    assert pending.value.error_class is ErrorClass.DATA
    with pytest.raises(ConnectorError) as currency:
        await writer.create(
            Payment(source_id="P-6", order_reference="7801", amount=Money.of("10", "SEK"),
                    paid_at=SOLD), {}
        )  # fmt: skip
    assert currency.value.error_class is ErrorClass.DATA and "EUR" in currency.value.message


async def test_fortnox_books_the_shops_vat_to_the_cent_with_shipping_as_a_row(client):
    """Hand-worked: two books at 1.03 SEK and 12 % VAT, shipping 49.00 at 12 % (not Fortnox's
    25 % freight rate), a 10.00 voucher on the 25 % cap of 199.00.
    Shop VAT per line: 0.11 + 0.11 (1.03 * 12/112 = 0.1104) and 5.25 on shipping (49 * 12/112),
    so 5.47 at 12 %; the cap 199.00 - 10.00 = 189.00 at 25 %: 39.80 - 2.00 = 37.80.
    Fortnox on the 12 % gross 51.06 would book 5.47 (5.4707): no rounding rows needed there;
    at 25 % on 189.00: 37.80. Gross 240.06, öre rounding to 240, RoundOff -0.06."""
    buyer = await CustomerWriter(client).create(customer("golden@example.se"), {})
    lines = [
        OrderLine(source_id="1", sku="NB013-01-01", description="Lookbook", quantity=Decimal(2),
                  unit_price=Money.of("1.03", "SEK"), tax_rate=Decimal(12)),
        OrderLine(source_id="2", sku="NB001-01-01", description="Mössa", quantity=Decimal(1),
                  unit_price=Money.of("199.00", "SEK"), tax_rate=Decimal(25)),
    ]  # fmt: skip
    record = order("8101", customer("golden@example.se")).model_copy(
        update={
            "currency": "SEK",
            "exchange_rate": Decimal(1),
            "lines": lines,
            "shipping": Shipping(amount=Money.of("49.00", "SEK"), tax_rate=Decimal(12)),
            "discounts": [
                Discount(
                    description="Voucher", amount=Money.of("10.00", "SEK"), tax_rate=Decimal(25)
                )
            ],
            "grand_total": Money.of("240.06", "SEK"),
        }
    )
    written = await OrderWriter(client).create(record, {"customer": buyer.target_id})
    saved = (await client.get(f"/3/orders/{written.target_id}"))["Order"]
    assert Decimal(saved["Freight"]) == 0
    rows = [(r["ArticleNumber"], r["Description"], Decimal(str(r["Price"])), Decimal(r["VAT"]),
             r["AccountNumber"]) for r in saved["OrderRows"]]  # fmt: skip
    assert rows[2:] == [
        ("", "Voucher", Decimal("-10.00"), Decimal(25), 3001),
        ("", "Shipping", Decimal("49.00"), Decimal(12), 3520),
    ]
    assert Decimal(str(saved["TotalVAT"])) == Decimal("43.27")  # 5.47 + 37.80
    assert Decimal(str(saved["Total"])) - Decimal(str(saved["RoundOff"])) == Decimal("240.06")
    assert record.totals().tax == {Decimal(12): Decimal("5.47"), Decimal(25): Decimal("37.80")}


async def test_fortnox_gets_rounding_rows_where_its_vat_would_differ(client):
    """Hand-worked: two lines of 1.03 SEK at 25 %: the shop books 0.21 + 0.21 = 0.42 of VAT;
    Fortnox on the gross 2.06 would book 0.41 (2.06 / 5 = 0.412). The nearest gross carrying
    0.42 is 2.08 (0.416), so rows +0.02 at 25 % and -0.02 at 0 % on account 3740."""
    buyer = await CustomerWriter(client).create(customer("rounding@example.se"), {})
    lines = [
        OrderLine(source_id=str(n), sku=sku, description="Pin", quantity=Decimal(1),
                  unit_price=Money.of("1.03", "SEK"), tax_rate=Decimal(25))
        for n, sku in enumerate(["NB001-01-01", "NB001-01-02"])
    ]  # fmt: skip
    record = order("8102", customer("rounding@example.se")).model_copy(
        update={
            "currency": "SEK",
            "exchange_rate": Decimal(1),
            "lines": lines,
            "shipping": None,
            "grand_total": Money.of("2.06", "SEK"),
        }
    )
    written = await OrderWriter(client).create(record, {"customer": buyer.target_id})
    saved = (await client.get(f"/3/orders/{written.target_id}"))["Order"]
    rounding = [(Decimal(str(r["Price"])), Decimal(r["VAT"]), r["AccountNumber"])
                for r in saved["OrderRows"] if not r["ArticleNumber"]]  # fmt: skip
    assert rounding == [(Decimal("0.02"), Decimal(25), 3740), (Decimal("-0.02"), Decimal(0), 3740)]
    assert Decimal(str(saved["TotalVAT"])) == Decimal("0.42")
    assert Decimal(str(saved["Total"])) - Decimal(str(saved["RoundOff"])) == Decimal("2.06")


async def test_an_order_with_an_article_fortnox_lacks_names_it_and_the_mapping(client):
    buyer = await CustomerWriter(client).create(customer("missing@example.se"), {})
    lines = [
        OrderLine(source_id="1", sku="NB001-01-01", description="Mössa", quantity=Decimal(1),
                  unit_price=Money.of("199.00", "SEK"), tax_rate=Decimal(25)),
        OrderLine(source_id="2", sku="NO-SUCH-SKU", description="Halsduk", quantity=Decimal(1),
                  unit_price=Money.of("100.00", "SEK"), tax_rate=Decimal(25)),
    ]  # fmt: skip
    record = order("8201", customer("missing@example.se")).model_copy(
        update={"currency": "SEK", "exchange_rate": Decimal(1), "lines": lines, "discounts": [],
                "shipping": None, "grand_total": Money.of("299.00", "SEK")}
    )  # fmt: skip
    with pytest.raises(ConnectorError) as refused:
        await OrderWriter(client).create(record, {"customer": buyer.target_id})
    assert refused.value.error_class is ErrorClass.DATA
    assert "article NO-SUCH-SKU of shop order 8201 does not exist" in refused.value.message
    assert "NB001-01-01" not in refused.value.message
    assert "`value_maps`" in refused.value.message
