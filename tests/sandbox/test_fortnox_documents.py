"""Invoices, credits, payments, articles, prices, currencies and stock on the Fortnox sandbox
(fact sheet §4.2-§4.9, §7.5), over loopback HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.test_fortnox import LOOKBOOK, SWEATER, api, error, exact, new_customer
from tests.support.processes import SandboxProcess, sandbox_fixture, start_sandbox

sandbox = sandbox_fixture("fortnox")


@pytest.fixture(scope="module")
def client(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    with api(sandbox.base_url) as client:
        yield client


def post(client: httpx.Client, path: str, wrapper: str, **fields: Any) -> dict[str, Any]:
    response = client.post(path, content=json.dumps({wrapper: fields}))
    assert response.status_code == 201, response.text
    return exact(response)[wrapper]


def put(client: httpx.Client, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return client.put(path, content=None if body is None else json.dumps(body))


def invoice_219(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    """The recorded live invoice's amounts: one row 100 at 25 %, freight 25, fee 50 → 219."""
    customer = new_customer(client)["CustomerNumber"]
    row = {"Description": "Rad", "DeliveredQuantity": 1, "Price": 100, "VAT": 25}
    body = {"CustomerNumber": customer, "Freight": 25, "AdministrationFee": 50} | fields
    return post(client, "/3/invoices", "Invoice", InvoiceRows=[row], **body)


def pay(client: httpx.Client, invoice: dict[str, Any], **fields: Any) -> dict[str, Any]:
    number = int(invoice["DocumentNumber"])
    return post(client, "/3/invoicepayments", "InvoicePayment", InvoiceNumber=number, **fields)


def get_invoice(client: httpx.Client, number: str) -> dict[str, Any]:
    return exact(client.get(f"/3/invoices/{number}"))["Invoice"]


def listed(client: httpx.Client, path: str, plural: str, **params: str) -> list[str]:
    body = client.get(path, params=params).json()
    assert list(body) == ["MetaInformation", plural], body
    key = "Number" if plural == "InvoicePayments" else "DocumentNumber"
    return [item[key] for item in body[plural]]


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


# --- Orders → invoices -----------------------------------------------------------------------


def test_createinvoice_copies_delivered_rows_references_and_currency(client: httpx.Client) -> None:
    customer = new_customer(client, Currency="EUR")["CustomerNumber"]
    order = post(
        client,
        "/3/orders",
        "Order",
        CustomerNumber=customer,
        Currency="EUR",
        CurrencyRate=11.5,
        Freight=10,
        ExternalInvoiceReference1="SHOP-1",
        YourOrderNumber="1001",
        YourReference="Anna",
        CopyRemarks=True,
        Remarks="Tack!",
        OrderRows=[
            {
                "ArticleNumber": SWEATER,
                "OrderedQuantity": 3,
                "DeliveredQuantity": 2,
                "Price": 100,
                "VAT": 25,
            },
            {"ArticleNumber": LOOKBOOK, "OrderedQuantity": 1, "Price": 20, "VAT": 6},
        ],
    )
    number = order["DocumentNumber"]
    response = put(client, f"/3/orders/{number}/createinvoice")
    assert response.status_code == 200 and list(response.json()) == ["Invoice"]
    invoice = exact(response)["Invoice"]
    assert invoice["OrderReference"] == number
    assert invoice["@url"].endswith(f"/3/invoices/{invoice['DocumentNumber']}")
    assert [row["DeliveredQuantity"] for row in invoice["InvoiceRows"]] == ["2", "1"]
    assert [row["Total"] for row in invoice["InvoiceRows"]] == [200, 20]
    assert "OrderedQuantity" not in invoice["InvoiceRows"][0]
    copied = (
        "ExternalInvoiceReference1",
        "YourOrderNumber",
        "YourReference",
        "Currency",
        "CurrencyRate",
        "Remarks",
        "CustomerNumber",
    )
    assert {name: invoice[name] for name in copied} == {name: order[name] for name in copied}
    # 220 net, VAT 50 + 1.20 + freight 2.50, no öresavrundning outside SEK.
    assert (invoice["Net"], invoice["TotalVAT"]) == (220, Decimal("53.7"))
    assert invoice["Total"] == invoice["Balance"] == Decimal("283.7")
    assert (invoice["Credit"], invoice["Booked"], invoice["FinalPayDate"]) == ("false", False, None)
    due = date.fromisoformat(invoice["InvoiceDate"]) + timedelta(days=30)
    assert invoice["DueDate"] == due.isoformat()
    assert invoice["OCR"].startswith(invoice["DocumentNumber"]) and luhn_valid(invoice["OCR"])

    linked = exact(client.get(f"/3/orders/{number}"))["Order"]
    assert linked["InvoiceReference"] == invoice["DocumentNumber"]
    assert number in listed(client, "/3/orders", "Orders", filter="invoicecreated")
    again = put(client, f"/3/orders/{number}/createinvoice")
    assert again.status_code == 400 and error(again)["code"] == 2003404
    printed = exact(put(client, f"/3/orders/{number}/externalprint"))["Order"]
    assert printed["Sent"] is True


def test_invoice_matches_the_recorded_live_invoice(client: httpx.Client) -> None:
    response = client.post(
        "/3/invoices",
        json={
            "Invoice": {
                "CustomerNumber": new_customer(client)["CustomerNumber"],
                "InvoiceDate": "2026-05-01",
                "Freight": 25,
                "AdministrationFee": 50,
                "InvoiceRows": [{"Description": "Rad", "DeliveredQuantity": 1.0, "Price": 100}],
                "DocumentNumber": "999999",  # ignored: numbers come from the series
            }
        },
    )
    assert response.status_code == 201 and response.headers["location"] == "invoices"
    invoice = exact(response)["Invoice"]
    expected = {
        "AdministrationFeeVAT": Decimal("12.5"),
        "Balance": 219,
        "ContractReference": "0",
        "ContributionPercent": 100,
        "ContributionValue": 100,
        "Credit": "false",
        "CreditInvoiceReference": "0",
        "DueDate": "2026-05-31",
        "FreightVAT": Decimal("6.25"),
        "InvoicePeriodStart": "",
        "InvoiceReference": "0",
        "OrderReference": "0",
        "PaymentWay": "",
        "RoundOff": Decimal("0.25"),
        "Total": 219,
        "TotalVAT": Decimal("43.75"),
    }
    assert {name: invoice[name] for name in expected} == expected
    assert invoice["DocumentNumber"] != "999999"
    row = invoice["InvoiceRows"][0]
    assert (row["DeliveredQuantity"], row["VATCode"], row["AccountNumber"]) == ("1", "MP1", 3001)
    assert (row["PriceExcludingVAT"], row["TotalExcludingVAT"]) == (100, 100)
    assert (row["ContributionPercent"], row["ContributionValue"], row["Cost"]) == ("100", "100", 0)
    assert get_invoice(client, invoice["DocumentNumber"]) == invoice


def test_invoice_rows_vat_included_and_errors(client: httpx.Client) -> None:
    customer = new_customer(client)["CustomerNumber"]
    gross = post(
        client,
        "/3/invoices",
        "Invoice",
        CustomerNumber=customer,
        VATIncluded=True,
        InvoiceRows=[{"ArticleNumber": SWEATER, "DeliveredQuantity": "2", "Price": 125}],
    )
    row = gross["InvoiceRows"][0]
    assert (row["Total"], row["TotalExcludingVAT"], row["PriceExcludingVAT"]) == (250, 200, 100)
    assert gross["TotalVAT"] == 50 and gross["Total"] == 250
    cases = [
        ({"InvoiceRows": [{"DeliveredQuantity": 1}]}, 2000204),
        ({"CustomerNumber": customer, "Currency": "GBP"}, 2003401),
        ({"CustomerNumber": customer, "InvoiceRows": [{"Price": 1, "VAT": 17}]}, 2003402),
        ({"CustomerNumber": customer, "InvoiceType": "RECEIPT"}, 2003403),
        ({"CustomerNumber": customer, "Balance": 0, "Nope": 1}, 2001399),
    ]
    for body, code in cases:
        response = client.post("/3/invoices", json={"Invoice": body})
        assert response.status_code == 400 and error(response)["code"] == code, body
    missing = client.get("/3/invoices/987654")
    assert missing.status_code == 404 and error(missing)["code"] == 2003405


# --- Payments ---------------------------------------------------------------------------------


def test_payments_lower_the_balance_and_drive_the_paid_filters(client: httpx.Client) -> None:
    invoice = invoice_219(client, InvoiceDate="2026-05-01")
    number = invoice["DocumentNumber"]
    first = pay(client, invoice, Amount=100, PaymentDate="2026-05-10", ModeOfPayment="BG")
    assert (first["Amount"], first["AmountCurrency"], first["Currency"]) == (100, 100, "SEK")
    assert (first["InvoiceNumber"], first["InvoiceTotal"], first["Booked"]) == (
        int(number),
        "219",
        False,
    )
    after_first = get_invoice(client, number)
    assert after_first["Balance"] == 119 and after_first["FinalPayDate"] is None
    assert number in listed(client, "/3/invoices", "Invoices", filter="unpaid")
    assert number not in listed(client, "/3/invoices", "Invoices", filter="fullypaid")

    second = pay(client, invoice, AmountCurrency=119, PaymentDate="2026-05-20")
    paid = get_invoice(client, number)
    assert paid["Balance"] == 0 and paid["FinalPayDate"] == "2026-05-20"
    assert number in listed(client, "/3/invoices", "Invoices", filter="fullypaid")
    assert number not in listed(client, "/3/invoices", "Invoices", filter="unpaid")
    payments = listed(client, "/3/invoicepayments", "InvoicePayments", invoicenumber=number)
    assert payments == [first["Number"], second["Number"]]

    changed = exact(
        put(client, f"/3/invoicepayments/{second['Number']}", {"InvoicePayment": {"Amount": 19}})
    )["InvoicePayment"]
    assert changed["AmountCurrency"] == 19 and get_invoice(client, number)["Balance"] == 100
    assert client.delete(f"/3/invoicepayments/{second['Number']}").status_code == 204
    assert client.get(f"/3/invoicepayments/{second['Number']}").status_code == 404
    assert get_invoice(client, number)["Balance"] == 119

    early = put(client, f"/3/invoicepayments/{first['Number']}/bookkeep")
    assert early.status_code == 400  # the invoice is not booked yet
    assert put(client, f"/3/invoices/{number}/bookkeep").status_code == 200
    booked = exact(put(client, f"/3/invoicepayments/{first['Number']}/bookkeep"))
    assert booked["InvoicePayment"]["Booked"] is True
    assert booked["InvoicePayment"]["VoucherSeries"] == "C"
    for response in (
        put(client, f"/3/invoicepayments/{first['Number']}", {"InvoicePayment": {"Amount": 1}}),
        client.delete(f"/3/invoicepayments/{first['Number']}"),
    ):
        assert response.status_code == 400 and error(response)["code"] == 2003404


def test_payment_rules(client: httpx.Client) -> None:
    invoice = invoice_219(client, InvoiceDate="2026-05-01")
    cases = [
        ({"InvoiceNumber": 987654, "Amount": 1}, 2003405),
        (
            {
                "InvoiceNumber": int(invoice["DocumentNumber"]),
                "Amount": 1,
                "PaymentDate": "2026-04-30",
            },
            2003403,
        ),
        (
            {"InvoiceNumber": int(invoice["DocumentNumber"]), "Amount": 1, "Currency": "EUR"},
            2003403,
        ),
        ({"InvoiceNumber": int(invoice["DocumentNumber"])}, 2003403),
    ]
    for body, code in cases:
        response = client.post("/3/invoicepayments", json={"InvoicePayment": body})
        assert response.status_code == 400 and error(response)["code"] == code, body
    dated = client.get("/3/invoicepayments", params={"fromdate": "2026-01-01"})
    assert dated.status_code == 400 and error(dated)["code"] == 2000588


def test_foreign_currency_payment_converts_with_the_rate(client: httpx.Client) -> None:
    customer = new_customer(client, Currency="EUR")["CustomerNumber"]
    invoice = post(
        client,
        "/3/invoices",
        "Invoice",
        CustomerNumber=customer,
        Currency="EUR",
        InvoiceRows=[{"Description": "Rad", "DeliveredQuantity": 1, "Price": 80, "VAT": 25}],
    )
    assert (invoice["CurrencyRate"], invoice["Total"]) == (Decimal("11.2"), 100)
    in_euro = pay(client, invoice, AmountCurrency=40, Currency="EUR")
    assert (in_euro["Amount"], in_euro["CurrencyRate"]) == (448, Decimal("11.2"))
    in_kronor = pay(client, invoice, Amount=112)
    assert in_kronor["AmountCurrency"] == 10
    assert get_invoice(client, invoice["DocumentNumber"])["Balance"] == 50


# --- Invoice state machine ---------------------------------------------------------------------


def test_bookkeep_locks_and_cancel_voids(client: httpx.Client) -> None:
    invoice = invoice_219(client)
    number = invoice["DocumentNumber"]
    assert number in listed(client, "/3/invoices", "Invoices", filter="unbooked")
    booked = exact(put(client, f"/3/invoices/{number}/bookkeep"))["Invoice"]
    assert booked["Booked"] is True and booked["VoucherSeries"] == "B"
    assert booked["VoucherNumber"] and booked["VoucherYear"]
    assert number not in listed(client, "/3/invoices", "Invoices", filter="unbooked")
    for response in (
        put(client, f"/3/invoices/{number}", {"Invoice": {"Remarks": "x"}}),
        put(client, f"/3/invoices/{number}/cancel"),
        put(client, f"/3/invoices/{number}/bookkeep"),
    ):
        assert response.status_code == 400 and error(response)["code"] == 2003404

    open_one = invoice_219(client)
    changed = exact(
        put(client, f"/3/invoices/{open_one['DocumentNumber']}", {"Invoice": {"Freight": 0}})
    )["Invoice"]
    assert changed["Total"] == changed["Balance"] == 188  # 100 + 50 + 37.50 VAT, rounded
    cancelled = exact(put(client, f"/3/invoices/{open_one['DocumentNumber']}/cancel"))["Invoice"]
    assert cancelled["Cancelled"] is True
    assert open_one["DocumentNumber"] in listed(
        client, "/3/invoices", "Invoices", filter="cancelled"
    )
    assert open_one["DocumentNumber"] not in listed(
        client, "/3/invoices", "Invoices", filter="unpaid"
    )

    with_payment = invoice_219(client)
    pay(client, with_payment, Amount=10)
    refused = put(client, f"/3/invoices/{with_payment['DocumentNumber']}/cancel")
    assert refused.status_code == 400
    printed = exact(put(client, f"/3/invoices/{with_payment['DocumentNumber']}/externalprint"))
    assert printed["Invoice"]["Sent"] is True
    assert with_payment["DocumentNumber"] in listed(client, "/3/invoices", "Invoices", sent="true")


def test_full_credit_answers_the_original_and_links_one_credit(client: httpx.Client) -> None:
    invoice = invoice_219(client)
    number = invoice["DocumentNumber"]
    pay(client, invoice, Amount=219)
    response = put(client, f"/3/invoices/{number}/credit")
    assert response.status_code == 200
    original = exact(response)["Invoice"]
    assert original["DocumentNumber"] == number and original["Credit"] == "false"
    credit_number = original["CreditInvoiceReference"]
    assert credit_number not in ("0", number) and original["Balance"] == 0

    credit = get_invoice(client, credit_number)
    assert (credit["Credit"], credit["CreditInvoiceReference"]) == ("true", number)
    assert credit["InvoiceRows"][0]["DeliveredQuantity"] == "-1"
    assert (credit["Freight"], credit["Total"]) == (-25, -219)
    assert credit["Balance"] == -219  # what was paid is to be refunded
    assert credit_number in listed(client, "/3/invoices", "Invoices", credit="true")
    assert number not in listed(client, "/3/invoices", "Invoices", credit="true")

    again = put(client, f"/3/invoices/{number}/credit")
    assert again.status_code == 400 and error(again)["code"] == 2003409
    of_credit = put(client, f"/3/invoices/{credit_number}/credit")
    assert of_credit.status_code == 400
    pay(client, credit, Amount=-219)  # the refund
    assert get_invoice(client, credit_number)["Balance"] == 0

    unpaid = invoice_219(client)
    put(client, f"/3/invoices/{unpaid['DocumentNumber']}/credit")
    settled = get_invoice(client, unpaid["DocumentNumber"])
    assert settled["Balance"] == 0
    assert get_invoice(client, settled["CreditInvoiceReference"])["Balance"] == 0


def test_partial_credit_is_a_post_with_negative_quantities(client: httpx.Client) -> None:
    refund = f"REFUND-{uuid.uuid4().hex[:8]}"
    invoice = invoice_219(client, ExternalInvoiceReference1=refund[:-1])
    row = {"Description": "Retur", "DeliveredQuantity": -1, "Price": 40, "VAT": 25}
    body = {
        "CustomerNumber": invoice["CustomerNumber"],
        "ExternalInvoiceReference1": refund,
        "CreditInvoiceReference": invoice["DocumentNumber"],
        "InvoiceRows": [row],
    }
    credit = post(client, "/3/invoices", "Invoice", **body)
    assert (credit["Credit"], credit["Total"], credit["Balance"]) == ("true", -50, -50)
    linked = get_invoice(client, invoice["DocumentNumber"])
    assert linked["CreditInvoiceReference"] == credit["DocumentNumber"]
    assert linked["Balance"] == 219  # nothing settled
    second = client.post("/3/invoices", json={"Invoice": body})
    assert second.status_code == 400 and error(second)["code"] == 2003409
    # Substring search: the refund id also finds the original; clients compare exactly.
    found = listed(client, "/3/invoices", "Invoices", externalinvoicereference1=refund[:-1])
    assert found == [invoice["DocumentNumber"], credit["DocumentNumber"]]


def test_invoice_list_search_dates_and_item_shape(client: httpx.Client) -> None:
    tag = str(uuid.uuid4().int)[:9]
    customer = new_customer(client)["CustomerNumber"]
    numbers = [
        post(
            client,
            "/3/invoices",
            "Invoice",
            CustomerNumber=customer,
            YourOrderNumber=f"{tag}{i}",
            InvoiceDate=f"2026-03-0{i}",
        )["DocumentNumber"]
        for i in (1, 2, 3)
    ]
    assert listed(client, "/3/invoices", "Invoices", yourordernumber=tag) == numbers
    ranged = listed(
        client,
        "/3/invoices",
        "Invoices",
        customernumber=customer,
        fromdate="2026-03-02",
        todate="2026-03-02",
    )
    assert ranged == [numbers[1]]
    newest_first = listed(
        client,
        "/3/invoices",
        "Invoices",
        yourordernumber=tag,
        sortby="invoicedate",
        sortorder="descending",
    )
    assert newest_first == numbers[::-1]
    assert listed(client, "/3/invoices", "Invoices", lastmodified="2999-01-01") == []
    item = client.get("/3/invoices", params={"yourordernumber": f"{tag}1"}).json()["Invoices"][0]
    assert item["CurrencyRate"] == "1"  # a string in list items, as recorded live
    assert {
        "@url",
        "Balance",
        "Booked",
        "Cancelled",
        "DueDate",
        "FinalPayDate",
        "OCR",
        "Total",
    } <= set(item)
    bad_filter = client.get("/3/invoices", params={"filter": "paid"})
    assert bad_filter.status_code == 400 and error(bad_filter)["code"] == 2000587


# --- Articles, prices, currencies, stock ---------------------------------------------------------


def test_articles_create_update_delete(client: httpx.Client) -> None:
    sku = f"T-{uuid.uuid4().hex[:8]}"
    article = post(
        client,
        "/3/articles",
        "Article",
        ArticleNumber=sku,
        Description="Mössa",
        QuantityInStock=5,
        PurchasePrice=40,
        StockGoods=True,
        SalesPrice=999,
    )
    assert article["SalesPrice"] is None  # read-only: prices are written via /3/prices
    assert (article["DisposableQuantity"], article["StockValue"], article["VAT"]) == (5, 200, 25)
    taken = client.post("/3/articles", json={"Article": {"ArticleNumber": sku, "Description": "x"}})
    assert taken.status_code == 400 and error(taken)["code"] == 2000013
    assert "är redan taget" in error(taken)["message"]
    automatic = post(client, "/3/articles", "Article", Description="Utan nummer")
    assert automatic["ArticleNumber"].isdigit()

    changed = exact(put(client, f"/3/articles/{sku}", {"Article": {"QuantityInStock": 8}}))
    assert changed["Article"]["Description"] == "Mössa"  # partial update
    assert changed["Article"]["DisposableQuantity"] == 8
    listed_item = client.get("/3/articles", params={"articlenumber": sku}).json()["Articles"][0]
    assert listed_item["StockValue"] == "320" and listed_item["QuantityInStock"] == 8

    customer = new_customer(client)["CustomerNumber"]
    post(
        client,
        "/3/orders",
        "Order",
        CustomerNumber=customer,
        OrderRows=[{"ArticleNumber": sku, "OrderedQuantity": 1, "Price": 10}],
    )
    used = client.delete(f"/3/articles/{sku}")
    assert used.status_code == 400 and error(used)["code"] == 2003411
    assert client.delete(f"/3/articles/{automatic['ArticleNumber']}").status_code == 204
    gone = client.get(f"/3/articles/{automatic['ArticleNumber']}")
    assert gone.status_code == 404 and error(gone)["code"] == 2000428


def test_prices_feed_the_article_sales_price(client: httpx.Client) -> None:
    sku = f"P-{uuid.uuid4().hex[:8]}"
    post(client, "/3/articles", "Article", ArticleNumber=sku, Description="Halsduk")
    base = post(client, "/3/prices", "Price", PriceList="A", ArticleNumber=sku, Price=299)
    assert base["FromQuantity"] == 0 and base["@url"].endswith(f"/3/prices/A/{sku}/0")
    assert exact(client.get(f"/3/articles/{sku}"))["Article"]["SalesPrice"] == 299
    post(client, "/3/prices", "Price", PriceList="A", ArticleNumber=sku, FromQuantity=10, Price=249)
    sublist = client.get(f"/3/prices/sublist/A/{sku}").json()
    assert [(p["FromQuantity"], p["Price"]) for p in sublist["Prices"]] == [(0, 299), (10, 249)]
    assert exact(client.get(f"/3/prices/A/{sku}"))["Price"]["Price"] == 299
    updated = exact(put(client, f"/3/prices/A/{sku}", {"Price": {"Price": 279}}))["Price"]
    assert updated["Price"] == 279
    assert exact(client.get(f"/3/articles/{sku}"))["Article"]["SalesPrice"] == 279
    assert (
        exact(put(client, f"/3/prices/A/{sku}/10", {"Price": {"Price": 239}}))["Price"]["Price"]
        == 239
    )
    assert client.delete(f"/3/prices/A/{sku}/10").status_code == 204
    assert client.get(f"/3/prices/A/{sku}/10").status_code == 404

    price_list = post(
        client, "/3/pricelists", "PriceList", Code="B2B", Description="Återförsäljare"
    )
    assert price_list["PreSelected"] is False
    post(client, "/3/prices", "Price", PriceList="B2B", ArticleNumber=sku, Price=199)
    assert exact(client.get(f"/3/articles/{sku}"))["Article"]["SalesPrice"] == 279  # not list A
    renamed = exact(put(client, "/3/pricelists/B2B", {"PriceList": {"Comments": "Grossist"}}))
    assert renamed["PriceList"]["Description"] == "Återförsäljare"
    codes = {p["Code"] for p in client.get("/3/pricelists").json()["PriceLists"]}
    assert codes >= {"A", "B2B"}
    duplicate = client.post(
        "/3/prices", json={"Price": {"PriceList": "A", "ArticleNumber": sku, "Price": 1}}
    )
    assert duplicate.status_code == 400 and error(duplicate)["code"] == 2003410
    everything = client.get("/3/prices", params={"articlenumber": sku}).json()
    assert everything["MetaInformation"]["@TotalResources"] == 2

    customer = new_customer(client)["CustomerNumber"]
    order = post(
        client,
        "/3/orders",
        "Order",
        CustomerNumber=customer,
        OrderRows=[{"ArticleNumber": sku, "OrderedQuantity": 1}],
    )
    assert order["OrderRows"][0]["Price"] == 279  # new rows start from the list-A price


def test_currencies_create_update_delete(client: httpx.Client) -> None:
    created = post(
        client,
        "/3/currencies",
        "Currency",
        Code="gbp",
        Description="Brittiskt pund",
        BuyRate=13.1,
        SellRate=13.2,
        Unit=1,
    )
    assert created["Code"] == "GBP" and created["SellRate"] == Decimal("13.2")
    taken = client.post("/3/currencies", json={"Currency": {"Code": "GBP", "Description": "x"}})
    assert taken.status_code == 400 and error(taken)["code"] == 2003410
    unknown = client.post("/3/currencies", json={"Currency": {"Code": "XYZ", "Description": "x"}})
    assert unknown.status_code == 400
    changed = exact(put(client, "/3/currencies/GBP", {"Currency": {"SellRate": 13.5}}))
    assert changed["Currency"]["SellRate"] == Decimal("13.5")
    customer = new_customer(client)["CustomerNumber"]
    order = post(client, "/3/orders", "Order", CustomerNumber=customer, Currency="GBP")
    assert order["CurrencyRate"] == Decimal("13.5")
    in_use = client.delete("/3/currencies/GBP")
    assert in_use.status_code == 400 and error(in_use)["code"] == 2003411
    assert client.delete("/3/currencies/SEK").status_code == 400
    post(
        client,
        "/3/currencies",
        "Currency",
        Code="CHF",
        Description="Schweizisk franc",
        BuyRate=12,
        SellRate=12,
    )
    assert client.delete("/3/currencies/CHF").status_code == 204
    assert client.get("/3/currencies/CHF").status_code == 404
    assert "CHF" not in {c["Code"] for c in client.get("/3/currencies").json()["Currencies"]}


def test_warehouse_stock_balance_is_an_array(client: httpx.Client) -> None:
    sku = f"S-{uuid.uuid4().hex[:8]}"
    post(
        client,
        "/3/articles",
        "Article",
        ArticleNumber=sku,
        Description="Vante",
        StockGoods=True,
        QuantityInStock=12,
    )
    path = "/api/warehouse/status-v1/stockbalance"
    response = client.get(path, params={"itemIds": f"{sku},{SWEATER}"})
    assert response.status_code == 200
    balances = exact(response)
    assert isinstance(balances, list) and [b["itemId"] for b in balances] == [sku, SWEATER]
    assert balances[0] == {
        "itemId": sku,
        "stockPointCode": "HUVUDLAGER",
        "availableStock": 12,
        "inStock": 12,
    }
    put(client, f"/3/articles/{sku}", {"Article": {"QuantityInStock": 3}})
    repeated = exact(client.get(path, params=[("itemIds", sku), ("stockPointCodes", "HUVUDLAGER")]))
    assert repeated[0]["inStock"] == 3
    unknown = client.get(path, params={"itemIds": sku, "stockPointCodes": "NOPE"})
    assert unknown.status_code == 404
    assert set(unknown.json()) == {"error", "id", "message"}  # the warehouse error shape


def test_invoices_and_payments_work_on_after_a_restart(tmp_path: Path) -> None:
    """Whole amounts come back from storage as int; every money path must still compute."""
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit")
    try:
        with api(process.base_url) as client:
            invoice = invoice_219(client, Currency="EUR", CurrencyRate=11)
            pay(client, invoice, AmountCurrency=100)
            post(
                client,
                "/3/prices",
                "Price",
                PriceList="A",
                ArticleNumber=SWEATER,
                FromQuantity=5,
                Price=1000,
            )
    finally:
        process.stop()
    process = start_sandbox("fortnox", tmp_path, "--no-rate-limit")
    try:
        with api(process.base_url) as client:
            number = invoice["DocumentNumber"]
            changed = put(client, f"/3/invoices/{number}", {"Invoice": {"Freight": 50}})
            assert changed.status_code == 200, changed.text
            assert exact(changed)["Invoice"]["Balance"] == 150  # 100 + 50 + 50 + VAT 50 - 100 paid
            assert pay(client, get_invoice(client, number), Amount=22)["AmountCurrency"] == 2
            original = exact(put(client, f"/3/invoices/{number}/credit"))["Invoice"]
            assert original["Balance"] == 0
            price = put(client, f"/3/prices/A/{SWEATER}/5", {"Price": {"Price": 990}})
            assert exact(price)["Price"]["Price"] == 990
    finally:
        process.stop()
