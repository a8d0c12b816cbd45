"""The demo data every sandbox is seeded from."""

from stdnum import ean
from stdnum.se import orgnr

from brygga.sandbox import seed
from brygga.sandbox.seed_records import ascii_text


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    assert seed.generate(7, 40) == seed.generate(7, 40)
    assert seed.generate(7, 40).orders != seed.generate(8, 40).orders


def test_catalogue_grows_to_the_requested_skus_with_unique_valid_eans():
    data = seed.generate(orders=10, skus=5_000)
    sizes = [size for product in data.products for size in product.skus]
    assert len(sizes) >= 5_000
    assert len({size.sku for size in sizes}) == len(sizes)
    assert len({size.ean for size in sizes}) == len(sizes)
    assert all(ean.is_valid(size.ean) for size in sizes)


def test_customers_span_the_markets_and_b2b_numbers_are_valid():
    customers = seed.generate(orders=600).customers
    assert {c.address.country for c in customers} == {
        "SE",
        "NO",
        "DK",
        "FI",
        "DE",
        "NL",
        "GB",
        "US",
    }
    companies = [c for c in customers if c.organisation_number]
    assert companies and all(orgnr.is_valid(c.organisation_number) for c in companies)
    assert all(c.address.vat_number.startswith("SE") for c in companies)


def test_near_duplicates_are_labelled_and_differ_in_exactly_the_labelled_way():
    data = seed.generate(orders=300)
    by_id = {customer.id: customer for customer in data.customers}
    assert {label.kind for label in data.near_duplicates} == {
        "email_case", "diacritics", "typo", "abbreviation", "other_email"}  # fmt: skip
    for label in data.near_duplicates:
        twin, original = by_id[label.customer_id], by_id[label.duplicate_of]
        assert twin.address.city == original.address.city
        same_name = (twin.first_name, twin.last_name) == (original.first_name, original.last_name)
        if label.kind == "email_case":
            assert twin.email != original.email and twin.email.lower() == original.email
        elif label.kind == "diacritics":
            assert ascii_text(original.last_name) == twin.last_name
        elif label.kind == "typo":
            assert twin.last_name != original.last_name
            assert sorted(twin.last_name) == sorted(original.last_name)
        elif label.kind == "abbreviation":
            assert same_name and twin.address.line1 != original.address.line1
        else:
            assert same_name and twin.email != original.email
    # Every near-duplicate also shops, so the shop shows both.
    buyers = {order.customer_id for order in data.orders}
    assert all(label.customer_id in buyers for label in data.near_duplicates)


def test_refunds_are_for_shipped_orders_full_or_partial_and_never_exceed_the_order():
    data = seed.generate(orders=1_000)
    orders = {order.number: order for order in data.orders}
    assert any(r.full for r in data.refunds) and any(not r.full for r in data.refunds)
    for refund in data.refunds:
        order = orders[refund.order_number]
        assert order.status == "SHIPPED" and refund.created_at > order.created_at
        assert 0 < refund.total <= order.grand_total
        lines = {line.id for line in order.lines}
        assert all(line.line_id in lines for line in refund.lines)
