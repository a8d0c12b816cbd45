"""The fortnox-magento demo's first day, checked field by field: what Brygga wrote into each
target system against what the source system holds (one real `brygga demo` run per module)."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from brygga.connectors.magento.streams import INVOICE_PAID, SKIPPED_ORDER_STATES
from brygga.pairs import MAGENTO_TAX_CLASSES, PAIRS
from tests.e2e.pair_states import (
    CENT,
    TWINS,
    PairRun,
    Record,
    pair_run,
    person_emails,
    phone,
    second_run_moves_nothing,
)

PAIR = "fortnox-magento"
GIFT_CARD_MODE = PAIRS[PAIR].flow("payments").settings["gift_card_mode_of_payment"]
run = pair_run(PAIR)


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def linked(home: Path, entity: str) -> dict[str, str]:
    query = (
        "SELECT source_id, target_id FROM cross_references WHERE entity = ? AND state = 'linked'"
    )
    with sqlite3.connect(f"file:{home / 'brygga.db'}?mode=ro", uri=True) as db:
        return dict(db.execute(query, (entity,)).fetchall())


# --- Magento, read independently of the connector ---------------------------------------


def synced_orders(magento: Record) -> list[Record]:
    return [o for o in magento["orders"] if o["state"] not in SKIPPED_ORDER_STATES]


def visible(order: Record) -> list[Record]:
    """Order lines a buyer sees: a configurable's child repeats its parent at price 0."""
    return [item for item in order["items"] if not item.get("parent_item_id")]


def paid(item: Record) -> Decimal:
    """What the buyer paid for a line (prices include VAT in the demo store)."""
    return dec(item["row_total_incl_tax"]) - dec(item["discount_amount"])


def prepaid(document: Record, prefix: str = "") -> Decimal:
    """What gift cards and store credit paid of an order, invoice or credit memo (`prefix`
    "base_": in the base currency); Adobe Commerce leaves it out of `grand_total`."""
    extension = document.get("extension_attributes") or {}
    names = ("gift_cards_amount", "customer_balance_amount")
    return sum((dec(extension.get(prefix + name)) for name in names), Decimal(0))


def worth(document: Record, prefix: str = "") -> Decimal:
    """What an order, invoice or credit memo is worth: the goods and shipping sold."""
    return dec(document[f"{prefix}grand_total"]) + prepaid(document, prefix)


def people(magento: Record) -> dict[str, Record]:
    """E-mail → the person: the oldest account with it (a later duplicate account, and a seeded
    near-duplicate, is linked to the same ERP customer, not written over it), else a guest
    order's billing address."""
    found: dict[str, Record] = {}
    emails = person_emails(magento["customers"])
    for order in sorted(magento["orders"], key=lambda o: o["entity_id"]):
        if order["customer_is_guest"]:
            email = order["customer_email"].lower()
            found.setdefault(emails.get(email, email), order["billing_address"])
    accounts = [c for c in magento["customers"] if c["id"] not in TWINS]
    for customer in sorted(accounts, key=lambda c: c["id"], reverse=True):
        address = customer["addresses"][0] if customer["addresses"] else {}
        found[customer["email"].lower()] = address | {
            "firstname": customer["firstname"],
            "lastname": customer["lastname"],
            "vat_id": customer.get("taxvat") or address.get("vat_id"),
        }
    return found


def comments(document: Record) -> list[str]:
    return [c["comment"] for c in document.get("comments") or []]


def by_order(magento: Record, kind: str) -> dict[str, list[Record]]:
    numbers = {o["entity_id"]: o["increment_id"] for o in magento["orders"]}
    grouped = defaultdict(list)
    for document in magento[kind]:
        grouped[numbers[document["order_id"]]].append(document)
    return grouped


def quantities(document: Record, order: Record) -> Counter[str]:
    """Quantity per SKU of a Magento invoice or credit memo, children of configurables left
    out."""
    children = {i["item_id"] for i in order["items"] if i.get("parent_item_id")}
    found: Counter[str] = Counter()
    for item in document["items"]:
        if item["order_item_id"] not in children:
            found[item["sku"]] += dec(item["qty"])
    return +found


def magento_order(magento: Record, number: str) -> Record:
    return next(o for o in magento["orders"] if o["increment_id"] == number)


def implied_rate_ok(order: Record, rate: Decimal) -> bool:
    """The rate reproduces Magento's base-currency total within the rate's four decimals."""
    if order["order_currency_code"] == order["base_currency_code"]:
        return rate == 1
    base = worth(order, "base_")
    return abs(worth(order) * rate - base) <= base / 10_000


# --- Fortnox ---------------------------------------------------------------------------------


def fortnox_invoices(fortnox: Record) -> dict[str, Record]:
    """Shop order number → its (debit) invoice."""
    return {
        i["ExternalInvoiceReference1"]: i
        for i in fortnox["invoices"]
        if i["Credit"] == "false" and i["ExternalInvoiceReference1"] and not i["Cancelled"]
    }


def credits(fortnox: Record, *, by_brygga: bool) -> list[Record]:
    """Credit invoices; Brygga's own carry the shop refund id in ExternalInvoiceReference2."""
    return [
        i
        for i in fortnox["invoices"]
        if i["Credit"] == "true" and bool(i["ExternalInvoiceReference2"]) is by_brygga
    ]


def staff_credited(fortnox: Record) -> set[str]:
    """Shop orders whose invoice the Fortnox staff credited."""
    return {c["ExternalInvoiceReference1"] for c in credits(fortnox, by_brygga=False)}


# --- the tests -------------------------------------------------------------------------------


def test_the_first_day_moves_everything_but_payments_of_credited_invoices(run: PairRun):
    flows, magento, fortnox = run.flows, run.states["magento"], run.states["fortnox"]
    assert {name: counts["failed"] for name, counts in flows.items()} == {
        name: 2 if name == "payments" else 0 for name in flows
    }
    assert flows["refunds"] == {
        "read": 5, "created": 3, "updated": 0, "skipped": 2, "failed": 0
    }  # fmt: skip
    assert flows["products"]["created"] == 3
    assert flows["credit_notes"]["created"] == 2
    # Both failed payments are conflicts: their invoices were credited in full in Fortnox.
    failed = run.failures("payments")
    assert {f["error_class"] for f in failed} == {"conflict"}
    invoices = {str(i["entity_id"]): i for i in magento["invoices"]}
    numbers = {o["entity_id"]: o["increment_id"] for o in magento["orders"]}
    orders = [numbers[invoices[f["source_id"]]["order_id"]] for f in failed]
    assert sorted(orders) == sorted(staff_credited(fortnox))
    for number in staff_credited(fortnox):
        invoice = fortnox_invoices(fortnox)[number]
        credit = next(c for c in fortnox["invoices"] if c["CreditInvoiceReference"] ==
                      invoice["DocumentNumber"])  # fmt: skip
        assert dec(credit["Total"]) == -dec(invoice["Total"])


def test_every_customer_is_one_fortnox_customer_with_the_same_details(run: PairRun):
    by_email = Counter((c["Email"] or "").lower() for c in run.states["fortnox"]["customers"])
    customers = {(c["Email"] or "").lower(): c for c in run.states["fortnox"]["customers"]}
    for email, person in people(run.states["magento"]).items():
        assert by_email[email] == 1, email
        customer = customers[email]
        street = [line for line in person["street"] if line]
        company = person.get("company") or ""
        expected = {
            "Name": company or f"{person['firstname']} {person['lastname']}",
            "Type": "COMPANY" if company else "PRIVATE",
            "Address1": street[0],
            "Address2": ", ".join(street[1:]),
            "ZipCode": person["postcode"],
            "City": person["city"],
            "CountryCode": person["country_id"],
            "Phone1": phone(person["telephone"]),
            "VATNumber": person.get("vat_id") or "",
        }
        actual = {key: customer[key] or "" for key in expected}
        assert actual | {"Phone1": phone(actual["Phone1"])} == expected, email


def customer_email(order: Record, magento: Record) -> str:
    """The e-mail of the ERP customer of an order's buyer (see `people`)."""
    email = order["customer_email"].lower()
    return person_emails(magento["customers"]).get(email, email)


def test_every_synced_order_is_one_fortnox_order_equal_to_the_cent(run: PairRun):
    fortnox = run.states["fortnox"]
    references = Counter(o["ExternalInvoiceReference1"] for o in fortnox["orders"])
    orders = {o["ExternalInvoiceReference1"]: o for o in fortnox["orders"]}
    customers = {c["Email"].lower(): c["CustomerNumber"] for c in fortnox["customers"]}
    synced = synced_orders(run.states["magento"])
    assert set(references) == {o["increment_id"] for o in synced}
    for order in synced:
        number = order["increment_id"]
        assert references[number] == 1, number
        target = orders[number]
        assert target["YourOrderNumber"] == number
        assert target["CustomerNumber"] == customers[customer_email(order, run.states["magento"])]
        assert target["Currency"] == order["order_currency_code"]
        assert implied_rate_ok(order, dec(target["CurrencyRate"])), number
        assert target["VATIncluded"] is True
        rows = [
            (r["ArticleNumber"], dec(r["OrderedQuantity"]), dec(r["DeliveredQuantity"]),
             dec(r["Price"]) * dec(r["OrderedQuantity"]), dec(r["Total"]), dec(r["VAT"]))
            for r in target["OrderRows"] if r["ArticleNumber"]
        ]  # fmt: skip
        assert_rounding_rows(target["OrderRows"], number)
        assert rows == [
            (i["sku"], dec(i["qty_ordered"]), dec(i["qty_ordered"]), paid(i), paid(i),
             dec(i["tax_percent"]))
            for i in visible(order)
        ], number  # fmt: skip
        shipping = dec(order["shipping_incl_tax"]) - dec(order["shipping_discount_amount"])
        assert dec(target["Freight"]) == shipping, number
        # SEK totals are rounded to whole kronor; RoundOff keeps the difference.
        assert dec(target["Total"]) - dec(target["RoundOff"]) == worth(order), number
        if order["order_currency_code"] == "SEK":
            assert dec(target["Total"]) == dec(target["Total"]).to_integral_value()
        # Fortnox's own VAT arithmetic lands on Magento's per-line VAT, to the cent.
        assert dec(target["TotalVAT"]) == dec(order["tax_amount"]), number


def assert_rounding_rows(rows: list[Record], number: str) -> None:
    """Rows without an article are the booking's rounding pairs on account 3740: the cents
    Fortnox's per-document VAT needs at a rate, and the opposite at 0 %, netting to nothing."""
    rounding = [(dec(r["Price"]), dec(r["VAT"]), r["AccountNumber"]) for r in rows
                if not r["ArticleNumber"]]  # fmt: skip
    assert all(account == 3740 for _, _, account in rounding), number
    assert sum((price for price, _, _ in rounding), Decimal(0)) == 0, number
    assert [rate for _, rate, _ in rounding].count(Decimal(0)) == min(len(rounding), 1), number


def test_new_magento_products_are_fortnox_articles_and_seeded_ones_are_linked(run: PairRun):
    magento, fortnox = run.states["magento"], run.states["fortnox"]
    simple = [p for p in magento["products"] if p["type_id"] == "simple"]
    numbers = Counter(a["ArticleNumber"] for a in fortnox["articles"])
    assert all(numbers[p["sku"]] == 1 for p in simple)
    assert linked(run.home, "product") == {p["sku"]: p["sku"] for p in simple}
    last_order = max(o["created_at"] for o in magento["orders"])
    new = [p for p in simple if p["created_at"] > last_order]
    assert len(new) == 3
    articles = {a["ArticleNumber"]: a for a in fortnox["articles"]}
    prices = {(p["PriceList"], p["ArticleNumber"]): p for p in fortnox["prices"]}
    for product in new:
        attributes = {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}
        article = articles[product["sku"]]
        assert (article["Description"], article["EAN"], dec(article["VAT"])) == (
            product["name"], attributes["ean"], dec(MAGENTO_TAX_CLASSES[attributes["tax_class_id"]])
        )  # fmt: skip
        assert article["WebshopArticle"] is True and article["Active"] is True
        assert dec(prices["A", product["sku"]]["Price"]) == dec(product["price"])
        assert dec(article["SalesPrice"]) == dec(product["price"])


def test_every_fortnox_stock_level_is_the_magento_default_source_quantity(run: PairRun):
    magento = run.states["magento"]
    assert max(Counter((s["sku"], s["source_code"]) for s in magento["source_items"]).values()) == 1
    default = {s["sku"]: s for s in magento["source_items"] if s["source_code"] == "default"}
    # The staff's refunds after the sync may put a shipped unit back on the default source.
    returned = Counter()
    for memo in (m for m in magento["creditmemos"] if not comments(m)):
        for item in memo["items"]:
            returned[item["sku"]] += dec(item["qty"])
    stocked = [a for a in run.states["fortnox"]["articles"] if a["StockGoods"]]
    assert stocked
    for article in stocked:
        item, sku = default[article["ArticleNumber"]], article["ArticleNumber"]
        surplus = dec(item["quantity"]) - dec(article["QuantityInStock"])
        assert surplus == 0 or 0 < surplus <= returned[sku], sku
        assert item["status"] == (1 if dec(item["quantity"]) > 0 else 0)


def test_every_fortnox_invoice_is_one_magento_invoice_of_the_order(run: PairRun):
    magento = run.states["magento"]
    markers = Counter(c for i in magento["invoices"] for c in comments(i))
    magento_invoices = by_order(magento, "invoices")
    invoices = fortnox_invoices(run.states["fortnox"])
    assert set(invoices) == {o["increment_id"] for o in synced_orders(magento)}
    for number, invoice in invoices.items():
        marker = f"Fortnox invoice {invoice['DocumentNumber']}"
        assert markers[marker] == 1, marker
        (linked_invoice,) = [i for i in magento_invoices[number] if marker in comments(i)]
        # The whole order is invoiced; SEK totals are rounded to whole kronor in Fortnox.
        total = dec(invoice["Total"]) - dec(invoice["RoundOff"])
        assert worth(linked_invoice) == total, number
        rows = Counter()
        for row in invoice["InvoiceRows"]:
            if row["ArticleNumber"]:  # not the rounding rows
                rows[row["ArticleNumber"]] += dec(row["DeliveredQuantity"])
        assert quantities(linked_invoice, magento_order(magento, number)) == +rows, number


def test_every_paid_magento_invoice_is_a_fortnox_payment_that_settles_the_invoice(run: PairRun):
    magento, fortnox = run.states["magento"], run.states["fortnox"]
    invoices = fortnox_invoices(fortnox)
    payments = defaultdict(list)
    for payment in fortnox["invoicepayments"]:
        payments[str(payment["InvoiceNumber"])].append(payment)
    credited = staff_credited(fortnox)
    numbers = {o["entity_id"]: o["increment_id"] for o in magento["orders"]}
    for paid_invoice in magento["invoices"]:
        assert str(paid_invoice["state"]) == INVOICE_PAID
        number = numbers[paid_invoice["order_id"]]
        invoice = invoices[number]
        if number in credited:
            assert payments[invoice["DocumentNumber"]] == [], number
            continue
        rate = dec(invoice["CurrencyRate"])
        for payment in payments[invoice["DocumentNumber"]]:
            amount = dec(payment["AmountCurrency"])
            assert payment["Currency"] == paid_invoice["order_currency_code"]
            assert dec(payment["Amount"]) == (amount * rate).quantize(CENT, ROUND_HALF_UP)
        by_mode = defaultdict(list)
        for payment in payments[invoice["DocumentNumber"]]:
            by_mode[payment["ModeOfPayment"] == GIFT_CARD_MODE].append(payment)
        # What gift cards and store credit paid is a payment by their mode of payment, exactly,
        # booked to the liability of unredeemed gift cards.
        by_card = [(dec(p["AmountCurrency"]), p["ModeOfPaymentAccount"]) for p in by_mode[True]]
        assert by_card == ([(prepaid(paid_invoice), 2421)] if prepaid(paid_invoice) else []), number
        # A SEK capture paid to the öre pays the rest rounded to whole kronor.
        (payment,) = by_mode[False]
        rounded = dec(paid_invoice["grand_total"]) + dec(invoice["RoundOff"])
        assert (dec(payment["AmountCurrency"]), dec(invoice["Balance"])) == (rounded, 0), number


def test_an_order_paid_partly_by_gift_card_is_invoiced_in_full_and_paid_by_two_payments(
    run: PairRun,
):
    """Gift cards and store credit are payments, not discounts: the goods and their VAT are
    booked at the full price, and the invoice is paid in full by the cards' mode of payment and
    the capture of the rest."""
    magento, fortnox = run.states["magento"], run.states["fortnox"]
    orders = {o["ExternalInvoiceReference1"]: o for o in fortnox["orders"]}
    invoices = fortnox_invoices(fortnox)
    payments = defaultdict(list)
    for payment in fortnox["invoicepayments"]:
        payments[str(payment["InvoiceNumber"])].append(payment)
    partly = [o for o in synced_orders(magento) if prepaid(o)]
    means = ("gift_cards", "customer_balance_amount")
    kinds = {tuple(name in o["extension_attributes"] for name in means) for o in partly}
    assert kinds == {(True, False), (False, True), (True, True)}
    for order in partly:
        number = order["increment_id"]
        target, invoice = orders[number], invoices[number]
        full = worth(order)
        assert full > dec(order["grand_total"]), number
        for document in (target, invoice):
            assert dec(document["Total"]) - dec(document["RoundOff"]) == full, number
            assert dec(document["TotalVAT"]) == dec(order["tax_amount"]), number
        found = payments[invoice["DocumentNumber"]]
        modes = sorted(
            (p["ModeOfPayment"] == GIFT_CARD_MODE, dec(p["AmountCurrency"])) for p in found
        )
        assert modes == [
            (False, dec(order["grand_total"]) + dec(invoice["RoundOff"])), (True, prepaid(order))
        ], number  # fmt: skip
        assert dec(invoice["Balance"]) == 0, number


def test_every_staff_credit_memo_is_a_fortnox_credit_invoice_of_the_order(run: PairRun):
    magento, fortnox = run.states["magento"], run.states["fortnox"]
    numbers = {o["entity_id"]: o["increment_id"] for o in magento["orders"]}
    invoices = fortnox_invoices(fortnox)
    by_refund = defaultdict(list)
    for credit in credits(fortnox, by_brygga=True):
        by_refund[credit["ExternalInvoiceReference2"]].append(credit)
    staff = [m for m in magento["creditmemos"] if not comments(m)]
    assert len(staff) == 3
    assert set(by_refund) == {str(m["entity_id"]) for m in staff}
    for memo in staff:
        number = numbers[memo["order_id"]]
        (credit,) = by_refund[str(memo["entity_id"])]
        assert credit["ExternalInvoiceReference1"] == number
        assert credit["CreditInvoiceReference"] == invoices[number]["DocumentNumber"]
        assert invoices[number]["CreditInvoiceReference"] == credit["DocumentNumber"]
        assert (credit["Currency"], credit["CustomerNumber"]) == (
            memo["order_currency_code"], invoices[number]["CustomerNumber"]
        )  # fmt: skip
        assert dec(credit["Total"]) == -worth(memo)
        assert dec(credit["Freight"]) == -dec(memo["shipping_incl_tax"])
        amounts, refunded = Counter(), Counter()
        for row in credit["InvoiceRows"]:
            amounts[row["ArticleNumber"]] -= dec(row["Total"])
        order = magento_order(magento, number)
        for item in memo["items"]:
            refunded[item["sku"]] += paid(item)
        assert +amounts == +refunded, number
        rows = Counter()
        for row in credit["InvoiceRows"]:
            rows[row["ArticleNumber"]] -= dec(row["DeliveredQuantity"])
        assert +rows == quantities(memo, order), number


def test_every_staff_credit_invoice_is_a_magento_credit_memo_and_none_is_sent_back(run: PairRun):
    magento, fortnox = run.states["magento"], run.states["fortnox"]
    memos = by_order(magento, "creditmemos")
    markers = Counter(c for m in magento["creditmemos"] for c in comments(m))
    staff = credits(fortnox, by_brygga=False)
    assert len(staff) == 2
    for credit in staff:
        marker = f"Fortnox credit note {credit['DocumentNumber']}"
        assert markers[marker] == 1, marker
        number = credit["ExternalInvoiceReference1"]
        (memo,) = [m for m in memos[number] if marker in comments(m)]
        assert memo["order_currency_code"] == credit["Currency"]
        assert worth(memo) == -dec(credit["Total"])
        rows = Counter()
        for row in credit["InvoiceRows"]:
            rows[row["ArticleNumber"]] -= dec(row["DeliveredQuantity"])
        assert quantities(memo, magento_order(magento, number)) == +rows, number
    for credit in credits(fortnox, by_brygga=True):  # made from Magento refunds
        assert markers[f"Fortnox credit note {credit['DocumentNumber']}"] == 0
    assert sum(markers.values()) == len(staff)


def test_a_second_run_moves_nothing_new(run: PairRun, tmp_path: Path):
    second_run_moves_nothing(run, tmp_path)
