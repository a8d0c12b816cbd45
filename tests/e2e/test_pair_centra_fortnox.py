"""centra-fortnox end to end: the demo's first day, then every target record field by field
against its source record (Centra → Fortnox for customers, orders, payments and refunds;
Fortnox → Centra for products, stock, invoices and credit notes)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from brygga.connectors.fortnox.reading import is_credit
from brygga.engine.finance import valid_vat_number
from brygga.model.address import EU_COUNTRIES
from tests.e2e.pair_states import (
    PairRun,
    by_id,
    captures,
    cents,
    customers_by_email,
    id_conversions,
    last_orders,
    order_total,
    pair_run,
    person_emails,
    phone,
    returned_lines,
    second_run_moves_nothing,
    stock_in,
    variant_price,
    visible_orders,
)
from tests.e2e.test_pair_fortnox_magento import assert_rounding_rows

run = pair_run("centra-fortnox")


def shop_invoices(fortnox: dict) -> dict[str, dict]:
    """Invoices (not credit invoices) of shop orders, by shop order number."""
    found = [i for i in fortnox["invoices"] if not is_credit(i) and i["ExternalInvoiceReference1"]]
    numbers = Counter(i["ExternalInvoiceReference1"] for i in found)
    assert all(n == 1 for n in numbers.values()), f"orders invoiced twice: {+numbers}"
    return {i["ExternalInvoiceReference1"]: i for i in found}


def staff_credits(fortnox: dict) -> list[dict]:
    """Credit invoices made by the Fortnox staff; Brygga's carry the shop refund id."""
    return [i for i in fortnox["invoices"] if is_credit(i) and not i["ExternalInvoiceReference2"]]


def rows_by_sku(rows: list[dict], sign: int = 1) -> dict[str, tuple[Decimal, Decimal]]:
    """(units, amount) per article of a document's rows; `sign` -1 reads a credit invoice."""
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if row.get("ArticleNumber"):
            units, amount = found.get(row["ArticleNumber"], (Decimal(0), Decimal(0)))
            quantity = Decimal(row["DeliveredQuantity"]) * sign
            found[row["ArticleNumber"]] = (units + quantity, amount + Decimal(row["Total"]) * sign)
    return found


def test_every_flow_runs_clean_except_payments_of_credited_invoices(run: PairRun):
    fortnox = run.states["fortnox"]
    for flow, counts in run.flows.items():
        if flow != "payments":
            assert counts["failed"] == 0, (flow, counts, run.failures(flow))
    invoices = by_id(fortnox["invoices"], "DocumentNumber")
    credited = {invoices[c["CreditInvoiceReference"]]["ExternalInvoiceReference1"]
                for c in staff_credits(fortnox)}  # fmt: skip
    assert len(credited) == 2
    failures = run.failures("payments")
    assert run.flows["payments"]["failed"] == len(failures) == len(credited)
    assert {f["error_class"] for f in failures} == {"conflict"}
    assert {str(f["payload"]["orderNumber"]) for f in failures} == credited
    assert all("nothing left to pay" in f["message"] for f in failures)


def test_customers(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    addresses = {cid: o["billingAddress"] for cid, o in last_orders(centra).items()}
    erp = Counter(c["Email"].lower() for c in fortnox["customers"])
    by_email = {c["Email"].lower(): c for c in fortnox["customers"]}
    for email, customer in customers_by_email(centra).items():
        assert erp[email] == 1, email
        target, billing = by_email[email], addresses[customer["id"]]
        person = f"{customer['firstName']} {customer['lastName']}".strip()
        country, company, vat = (
            billing["country"]["code"],
            billing["companyName"],
            billing["vatNumber"],
        )
        if country == "SE":
            vat_type = "SEVAT"
        elif country in EU_COUNTRIES:
            vat_type = "EUREVERSEDVAT" if valid_vat_number(vat) else "EUVAT"
        else:
            vat_type = "EXPORT"
        fields = ("Name", "Type", "Email", "Address1", "Address2", "ZipCode", "City",
                  "CountryCode", "VATNumber", "VATType")  # fmt: skip
        assert {key: target[key] or "" for key in fields} | {
            "Phone1": phone(target["Phone1"])
        } == {
            "Name": company or person, "Type": "COMPANY" if company else "PRIVATE",
            "Email": customer["email"], "Phone1": phone(customer["phoneNumber"]),
            "Address1": billing["address1"], "Address2": billing["address2"],
            "ZipCode": billing["zipCode"][:10], "City": billing["city"], "CountryCode": country,
            "VATNumber": vat, "VATType": vat_type,
        }, f"Centra customer {customer['id']}"  # fmt: skip


def test_orders(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    customers = by_id(centra["customers"])
    emails = person_emails(centra["customers"])
    numbers = {c["Email"].lower(): c["CustomerNumber"] for c in fortnox["customers"]}
    orders = visible_orders(centra)
    references = Counter(o["ExternalInvoiceReference1"] for o in fortnox["orders"])
    assert references == Counter(str(o["number"]) for o in orders)
    target_of = {o["ExternalInvoiceReference1"]: o for o in fortnox["orders"]}
    for order in orders:
        target = target_of[str(order["number"])]
        email = emails[customers[order["customerId"]]["email"].lower()]
        currency = order["currency"]["code"]
        assert (target["CustomerNumber"], target["YourOrderNumber"], target["Cancelled"]) == (
            numbers[email],
            str(order["number"]),
            order["status"] == "CANCELLED",
        )
        assert (target["Currency"], target["CurrencyRate"], target["CurrencyUnit"]) == (
            currency,
            Decimal(order["conversionRate"]),
            1,
        )
        assert target["VATIncluded"] is True
        rows = [(r["ArticleNumber"], Decimal(r["OrderedQuantity"]), r["Price"], r["VAT"])
                for r in target["OrderRows"] if r["ArticleNumber"]]  # fmt: skip
        assert_rounding_rows(target["OrderRows"], str(order["number"]))
        assert rows == [
            (line["productSize"]["SKU"], line["quantity"], Decimal(line["unitPrice"]),
             line["taxPercent"]) for line in order["lines"]
        ]  # fmt: skip
        assert target["Freight"] == order["shipping"]
        # SEK totals are rounded to whole kronor, the difference is RoundOff (fortnox.md §6).
        total, round_off = Decimal(target["Total"]), Decimal(target["RoundOff"])
        assert total - round_off == order_total(order), order["number"]
        assert round_off == 0 or (currency == "SEK" and total == total.to_integral_value())
        # Fortnox's own VAT arithmetic lands on Centra's per-line VAT, to the cent.
        vat = sum((vat_in(cents(line["unitPrice"] * line["quantity"]), line["taxPercent"])
                   for line in order["lines"]), Decimal(0))  # fmt: skip
        vat += vat_in(Decimal(order["shipping"]), order["shippingTaxPercent"])
        assert Decimal(target["TotalVAT"]) == vat, order["number"]


def vat_in(gross: Decimal, rate: Decimal) -> Decimal:
    return cents(gross * rate / (100 + rate))


def test_products_from_fortnox_articles(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    sizes = {size["SKU"]: size for size in centra["productSizes"]}
    variants, products = by_id(centra["productVariants"]), by_id(centra["products"])
    added = 0
    for article in (a for a in fortnox["articles"] if a["WebshopArticle"]):
        sku = article["ArticleNumber"]
        assert sku in sizes, f"Fortnox article {sku} is not in Centra"
        size = sizes[sku]
        assert (size["EAN"] or "") == (article["EAN"] or ""), sku
        variant = variants[size["productVariantId"]]
        assert variant_price(centra, variant["id"], "SEK") == cents(article["SalesPrice"]), sku
        product = products[variant["productId"]]
        if product["productNumber"] == sku:  # a product Brygga made from this article
            added += 1
            assert len(product["variantIds"]) == 1 and variant["sizeIds"] == [size["id"]]
            assert (product["name"], product["status"]) == (article["Description"], "ACTIVE")
    assert added == run.flows["products"]["created"] == 3  # the articles the staff added


def test_stock_levels_in_the_main_warehouse(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    levels = stock_in(centra, "Main Warehouse")
    stock = [a for a in fortnox["articles"] if a["StockGoods"]]
    assert stock
    for article in stock:
        sku, expected = article["ArticleNumber"], max(0, int(article["QuantityInStock"]))
        assert levels[sku] == expected, sku


def test_invoices_are_captured_and_shipped_shipments(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    invoices = shop_invoices(fortnox)
    orders = {str(o["number"]): o for o in visible_orders(centra)}
    assert set(invoices) == set(orders)
    linked, shipments = id_conversions(centra, "Shipment"), by_id(centra["shipments"])
    for number, invoice in invoices.items():
        shipment = shipments[linked[str(invoice["DocumentNumber"])]]
        assert shipment["orderId"] == orders[number]["id"], number
        assert shipment["isPaid"] and shipment["capturedAt"] and shipment["shippedAt"], number
    assert len(linked) == len(invoices)


def test_payments_pay_the_invoices(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    invoices = shop_invoices(fortnox)
    payments = Counter(p["InvoiceNumber"] for p in fortnox["invoicepayments"])
    paid = {p["InvoiceNumber"]: p for p in fortnox["invoicepayments"]}
    credited = {c["CreditInvoiceReference"] for c in staff_credits(fortnox)}
    for order in visible_orders(centra):
        invoice = invoices[str(order["number"])]
        number = int(invoice["DocumentNumber"])
        if str(number) in credited:
            assert payments[number] == 0, order["number"]  # credited in full by the staff
            continue
        (capture,) = captures(order)
        total, round_off = Decimal(invoice["Total"]), Decimal(invoice["RoundOff"])
        assert capture["value"] == total - round_off, order["number"]
        payment, rate = paid[number], Decimal(invoice["CurrencyRate"])
        assert payments[number] == 1 and payment["Currency"] == invoice["Currency"], number
        assert payment["Amount"] == cents(payment["AmountCurrency"] * rate), number
        # The rounded balance: öre rounding pays whole kronor, and nothing is left open.
        assert payment["AmountCurrency"] == total, order["number"]
        assert Decimal(invoice["Balance"]) == 0, order["number"]


def test_refunds_are_credit_invoices_of_the_order_invoice(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    invoices = shop_invoices(fortnox)
    orders = by_id(centra["orders"])
    refunded = [r for r in centra["returns"] if r["status"] == "COMPLETED" and r["refundEntryIds"]]
    assert refunded
    credits = [i for i in fortnox["invoices"] if is_credit(i) and i["ExternalInvoiceReference2"]]
    assert Counter(c["ExternalInvoiceReference2"] for c in credits) == Counter(
        str(r["id"]) for r in refunded
    )
    by_refund = {c["ExternalInvoiceReference2"]: c for c in credits}
    for returned in refunded:
        credit, order = by_refund[str(returned["id"])], orders[returned["orderId"]]
        invoice = invoices[str(order["number"])]
        assert credit["ExternalInvoiceReference1"] == str(order["number"])
        assert credit["CreditInvoiceReference"] == str(invoice["DocumentNumber"])
        assert invoice["CreditInvoiceReference"] == str(credit["DocumentNumber"])
        assert (credit["CustomerNumber"], credit["Currency"]) == (
            invoice["CustomerNumber"],
            invoice["Currency"],
        )
        refunded = returned_lines(centra, returned)
        assert rows_by_sku(credit["InvoiceRows"], -1) == refunded, returned["id"]
        assert -Decimal(credit["Freight"]) == returned["shipping"]
        refund = sum((amount for _, amount in refunded.values()), Decimal(returned["shipping"]))
        assert -(Decimal(credit["Total"]) - Decimal(credit["RoundOff"])) == refund


def test_staff_credit_notes_are_returns_and_brygga_credits_are_not_sent_back(run: PairRun):
    centra, fortnox = run.states["centra"], run.states["fortnox"]
    invoices = by_id(fortnox["invoices"], "DocumentNumber")
    orders = {str(o["number"]): o for o in centra["orders"]}
    returns, linked = by_id(centra["returns"]), id_conversions(centra, "Return")
    staff = staff_credits(fortnox)
    assert set(linked) == {str(c["DocumentNumber"]) for c in staff}
    for credit in staff:
        returned = returns[linked[str(credit["DocumentNumber"])]]
        number = invoices[credit["CreditInvoiceReference"]]["ExternalInvoiceReference1"]
        assert returned["orderId"] == orders[number]["id"]
        assert returned["status"] == "COMPLETED" and not returned["refundEntryIds"]
        units = {sku: units for sku, (units, _) in returned_lines(centra, returned).items()}
        assert units == {sku: u for sku, (u, _) in rows_by_sku(credit["InvoiceRows"], -1).items()}
        assert returned["shipping"] == -Decimal(credit["Freight"])
    # No other return was made: the credit invoices of refunds did not come back as returns.
    made = [r for r in centra["returns"] if not r["refundEntryIds"]]
    assert sorted(r["id"] for r in made) == sorted(linked.values())
    assert run.flows["credit_notes"]["created"] == len(staff)


def test_a_second_run_moves_nothing(run: PairRun, tmp_path):
    second_run_moves_nothing(run, tmp_path)
