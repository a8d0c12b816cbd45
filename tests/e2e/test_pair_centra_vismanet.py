"""centra-vismanet end to end: the demo's first day, then every target record field by field
against its source record (Centra → Visma.net for customers, orders, payments and refunds;
Visma.net → Centra for products, stock, invoices and credit notes). Visma.net documents hold
prices without VAT; Centra's include it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

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

run = pair_run("centra-vismanet")
RATES = {"1": Decimal(25), "2": Decimal(12), "3": Decimal(6), "4": Decimal(0)}  # VAT categories


def net(gross: Decimal, rate: Decimal) -> Decimal:
    return cents(Decimal(gross) / (1 + Decimal(rate) / 100))


def shop_invoices(visma: dict) -> dict[str, dict]:
    """Invoices made from sales orders of shop orders, by shop order number."""
    found = [i for i in visma["invoices"] if any(ln.get("soOrderNbr") for ln in i["invoiceLines"])]
    numbers = Counter(i["externalReference"] for i in found)
    assert all(n == 1 for n in numbers.values()), f"orders invoiced twice: {+numbers}"
    return {i["externalReference"]: i for i in found}


def staff_credit_notes(visma: dict) -> list[dict]:
    """Credit notes made by the Visma.net staff; Brygga's carry the shop refund id."""
    return [n for n in visma["credit_notes"] if not n.get("customerRefNumber")]


def credited_invoices(visma: dict) -> set[str]:
    return {a["refNbr"] for n in staff_credit_notes(visma) for a in n["applications"]}


def test_every_flow_runs_clean_except_payments_of_credited_invoices(run: PairRun):
    visma = run.states["vismanet"]
    for flow, counts in run.flows.items():
        if flow != "payments":
            assert counts["failed"] == 0, (flow, counts, run.failures(flow))
    invoices = by_id(visma["invoices"], "referenceNumber")
    credited = {invoices[number]["externalReference"] for number in credited_invoices(visma)}
    assert len(credited) == 2
    failures = run.failures("payments")
    assert run.flows["payments"]["failed"] == len(failures) == len(credited)
    assert {f["error_class"] for f in failures} == {"conflict"}
    assert {str(f["payload"]["orderNumber"]) for f in failures} == credited
    assert all("nothing left to pay" in f["message"] for f in failures)


def test_customers(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    addresses = {cid: o["billingAddress"] for cid, o in last_orders(centra).items()}
    erp = Counter(c["mainContact"]["email"].lower() for c in visma["customers"])
    by_email = {c["mainContact"]["email"].lower(): c for c in visma["customers"]}
    for email, customer in customers_by_email(centra).items():
        assert erp[email] == 1, email
        target, billing = by_email[email], addresses[customer["id"]]
        person = f"{customer['firstName']} {customer['lastName']}".strip()
        country, company, vat = (
            billing["country"]["code"],
            billing["companyName"],
            billing["vatNumber"],
        )
        zone = (
            "01"
            if country == "SE"
            else ("02" if valid_vat_number(vat) else "01")
            if country in EU_COUNTRIES
            else "03"
        )
        address, contact = target["mainAddress"], target["mainContact"]
        assert {
            "name": target["name"], "contact": contact["name"], "email": contact["email"],
            "phone": phone(contact["phone1"]), "line1": address["addressLine1"] or "",
            "line2": address["addressLine2"] or "", "postcode": address["postalCode"],
            "city": address["city"], "country": address["country"]["id"],
            "vat": target["vatRegistrationId"] or "", "zone": target["vatZone"]["id"],
        } == {
            "name": company or person, "contact": person, "email": customer["email"],
            "phone": phone(customer["phoneNumber"]), "line1": billing["address1"],
            "line2": billing["address2"], "postcode": billing["zipCode"], "city": billing["city"],
            "country": country, "vat": vat, "zone": zone,
        }, f"Centra customer {customer['id']}"  # fmt: skip


def test_orders(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    customers = by_id(centra["customers"])
    emails = person_emails(centra["customers"])
    numbers = {c["mainContact"]["email"].lower(): c["number"] for c in visma["customers"]}
    spot = {
        r["fromCurrencyId"]: r["rate"] for r in visma["currency_rates"] if r["rateType"] == "SPOT"
    }
    orders = visible_orders(centra)
    assert Counter(o["customer"]["order"] for o in visma["sales_orders"]) == Counter(
        str(o["number"]) for o in orders
    )
    target_of = {o["customer"]["order"]: o for o in visma["sales_orders"]}
    off_by_a_cent = []
    for order in orders:
        target, number = target_of[str(order["number"])], str(order["number"])
        currency, rate = order["currency"]["code"], Decimal(order["conversionRate"])
        email = emails[customers[order["customerId"]]["email"].lower()]
        assert (target["customer"]["id"], target["customer"]["refNo"], target["currencyId"]) == (
            numbers[email],
            number,
            currency,
        )
        assert currency == "SEK" or spot[currency] == rate, number
        lines = [
            (ln["inventory"]["id"], ln["quantity"], RATES[ln["taxCategoryId"]],
             cents(ln["unitPrice"] * ln["quantity"]) - ln["discountAmount"])
            for ln in target["_lines"]
        ]  # fmt: skip
        expected = [
            (ln["productSize"]["SKU"], ln["quantity"], ln["taxPercent"],
             net(cents(ln["unitPrice"] * ln["quantity"]), ln["taxPercent"]))
            for ln in order["lines"]
        ]  # fmt: skip
        # The cents Visma.net's per-document VAT needs move off the largest line of a rate
        # onto the rounding item at 0 % (brygga.engine.finance.booking).
        goods = [line for line in lines if line[0] != "ROUNDING"]
        rounding = sum((line[3] for line in lines if line[0] == "ROUNDING"), Decimal(0))
        assert [line[:3] for line in goods] == [line[:3] for line in expected], number
        pairs = zip(goods, expected, strict=True)
        assert sum((theirs[3] - ours[3] for ours, theirs in pairs), Decimal(0)) == rounding
        if rounding:
            off_by_a_cent.append(order["number"])
        assert all(ln["discountAmount"] >= 0 for ln in target["_lines"]), number
        freight = target["freight"]
        assert freight["cost"] == net(order["shipping"], order["shippingTaxPercent"]), number
        if order["shipping"]:
            assert RATES[freight["taxCategoryId"]] == order["shippingTaxPercent"], number
        totals = target["totals"]
        assert totals["orderTotalInBaseCurrency"] == cents(totals["orderTotal"] * rate), number
        assert totals["orderTotal"] == order_total(order), number  # to the cent
        grosses = [
            (cents(ln["unitPrice"] * ln["quantity"]), ln["taxPercent"]) for ln in order["lines"]
        ]
        vat = sum((gross - net(gross, rate) for gross, rate in grosses), Decimal(0))
        shipping_vat = order["shipping"] - net(order["shipping"], order["shippingTaxPercent"])
        assert totals["taxTotal"] == vat + shipping_vat, number
    assert off_by_a_cent  # the seeded orders include some that need the rounding line


def test_products_from_visma_items(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    sizes = {size["SKU"]: size for size in centra["productSizes"]}
    variants, products = by_id(centra["productVariants"]), by_id(centra["products"])
    added = 0
    # Items for sale; the non-stock rounding item is bookkeeping.
    for item in (i for i in visma["inventory"] if i["status"] == "Active" and i["stockItem"]):
        sku = item["inventoryNumber"]
        assert sku in sizes, f"Visma.net item {sku} is not in Centra"
        size, variant = sizes[sku], variants[sizes[sku]["productVariantId"]]
        barcodes = [
            r["alternateID"] for r in item["crossReferences"] if r["alternateType"] == "Barcode"
        ]
        assert (size["EAN"] or "") == (barcodes[0] if barcodes else ""), sku
        price = cents(item["defaultPrice"] * (1 + RATES[item["vatCode"]["id"]] / 100))
        assert variant_price(centra, variant["id"], "SEK") == price, sku
        product = products[variant["productId"]]
        if product["productNumber"] == sku:  # a product Brygga made from this item
            added += 1
            assert (product["name"], product["status"]) == (item["description"], "ACTIVE")
    assert added == run.flows["products"]["created"]


def test_stock_levels_in_the_main_warehouse(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    levels = stock_in(centra, "Main Warehouse")
    items = [i for i in visma["inventory"] if i["stockItem"]]
    assert items
    for item in items:
        sku = item["inventoryNumber"]
        expected = max(0, int(sum(w["quantityOnHand"] for w in item["warehouseDetails"])))
        assert levels[sku] == expected, sku


def test_invoices_are_captured_and_shipped_shipments(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    invoices = shop_invoices(visma)
    orders = {str(o["number"]): o for o in visible_orders(centra)}
    assert set(invoices) == set(orders)
    linked, shipments = id_conversions(centra, "Shipment"), by_id(centra["shipments"])
    for number, invoice in invoices.items():
        shipment = shipments[linked[invoice["referenceNumber"]]]
        assert shipment["orderId"] == orders[number]["id"], number
        assert shipment["isPaid"] and shipment["capturedAt"] and shipment["shippedAt"], number
    assert len(linked) == len(invoices)


def test_payments_pay_the_invoices(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    invoices, credited = shop_invoices(visma), credited_invoices(visma)
    payments = Counter(p["paymentRef"] for p in visma["customer_payments"])
    by_ref = {p["paymentRef"]: p for p in visma["customer_payments"]}
    for order in visible_orders(centra):
        invoice = invoices[str(order["number"])]
        (capture,) = captures(order)
        if invoice["referenceNumber"] in credited:
            assert payments[str(capture["id"])] == 0, order["number"]  # credited in full
            continue
        assert payments[str(capture["id"])] == 1, order["number"]
        payment = by_ref[str(capture["id"])]
        (line,) = payment["paymentLines"]
        assert (payment["paymentAmount"], payment["currency"], payment["status"]) == (
            capture["value"],
            invoice["currencyId"],
            "Closed",
        ), order["number"]
        assert (line["refNbr"], line["amountPaid"]) == (
            invoice["referenceNumber"],
            capture["value"],
        ), order["number"]
        assert invoice["balanceInCurrency"] == 0, order["number"]  # equal to the cent


def test_refunds_are_credit_notes_of_the_order_invoice(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    invoices, orders = shop_invoices(visma), by_id(centra["orders"])
    refunded = [r for r in centra["returns"] if r["status"] == "COMPLETED" and r["refundEntryIds"]]
    assert refunded
    notes = [n for n in visma["credit_notes"] if n.get("customerRefNumber")]
    assert Counter(n["customerRefNumber"] for n in notes) == Counter(str(r["id"]) for r in refunded)
    by_refund = {n["customerRefNumber"]: n for n in notes}
    for returned in refunded:
        note, order = by_refund[str(returned["id"])], orders[returned["orderId"]]
        invoice = invoices[str(order["number"])]
        assert note["externalReference"] == str(order["number"])
        assert invoice["referenceNumber"] in note["invoiceText"]
        assert (note["customer"]["number"], note["currencyId"], note["status"]) == (
            invoice["customer"]["number"],
            invoice["currencyId"],
            "Open",
        )  # the invoice is paid: the credit note stays open for the payout
        assert {a["refNbr"] for a in note["applications"]} <= {invoice["referenceNumber"]}
        credited = {
            line["inventoryNumber"]: (
                line["quantity"],
                cents(line["amountInCurrency"] * (1 + RATES[line["vatCode"]["id"]] / 100)),
            )
            for line in note["lines"]
            if line.get("inventoryNumber")
        }
        assert credited == returned_lines(centra, returned), returned["id"]
        refund = sum((amount for _, amount in credited.values()), Decimal(returned["shipping"]))
        assert note["amountInCurrency"] == refund, returned["id"]


def test_staff_credit_notes_are_returns_and_brygga_credits_are_not_sent_back(run: PairRun):
    centra, visma = run.states["centra"], run.states["vismanet"]
    orders = {str(o["number"]): o for o in centra["orders"]}
    returns, linked = by_id(centra["returns"]), id_conversions(centra, "Return")
    staff = staff_credit_notes(visma)
    assert set(linked) == {n["referenceNumber"] for n in staff}
    for note in staff:
        returned = returns[linked[note["referenceNumber"]]]
        assert returned["orderId"] == orders[note["externalReference"]]["id"]
        assert returned["status"] == "COMPLETED" and not returned["refundEntryIds"]
        units = {sku: units for sku, (units, _) in returned_lines(centra, returned).items()}
        assert units == {ln["inventoryNumber"]: ln["quantity"] for ln in note["lines"]
                         if ln.get("inventoryNumber")}  # fmt: skip
        freight = [ln for ln in note["lines"] if not ln.get("inventoryNumber")]
        gross = sum(
            (
                cents(ln["amountInCurrency"] * (1 + RATES[ln["vatCode"]["id"]] / 100))
                for ln in freight
            ),
            Decimal(0),
        )
        assert returned["shipping"] == gross, note["referenceNumber"]
    made = [r for r in centra["returns"] if not r["refundEntryIds"]]
    assert sorted(r["id"] for r in made) == sorted(linked.values())
    assert run.flows["credit_notes"]["created"] == len(staff)


def test_a_second_run_moves_nothing(run: PairRun, tmp_path):
    second_run_moves_nothing(run, tmp_path)
