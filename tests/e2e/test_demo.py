"""`brygga demo --once --json` end to end: real sandboxes, real HTTP, a real database file.
What each pair's flows leave in the target systems is checked field by field in
tests/e2e/test_pair_*.py; this module checks the demo itself."""

from brygga.pairs import ENTITIES, PAIRS
from brygga.sandbox.seed import generate
from tests.e2e.demo import (
    erp_customers,
    fortnox_order_references,
    load_states,
    run_demo,
    visible_order_numbers,
)

COUNT_KEYS = {"read", "created", "updated", "skipped", "failed"}


def test_demo_runs_every_pair_and_every_flow_and_a_second_run_moves_nothing(tmp_path):
    home = tmp_path / "home"
    first = run_demo(home, "--no-rate-limit", "--state-dir", str(tmp_path / "first"))

    # The documented shape (docs/cli.md).
    assert first["database"].endswith("brygga.db")
    assert [i["name"] for i in first["integrations"]] == list(PAIRS)
    for integration in first["integrations"]:
        template = PAIRS[integration["name"]]
        assert integration["pair"] == [template.shop, template.erp]
        assert set(integration["sandboxes"]) == {template.shop, template.erp}
        assert set(integration["requests"]) == {template.shop, template.erp}
        assert integration["errors"] == {}
        flows = integration["flows"]
        assert set(flows) == set(ENTITIES)
        assert all(set(counts) == COUNT_KEYS for counts in flows.values())
        # The seeded data and the staff's first day give every flow something to move.
        for name, counts in flows.items():
            assert counts["created"] + counts["updated"] > 0, (integration["name"], name)
        # The one expected failure: shop payments of invoices the ERP staff credited in full.
        assert {name for name, counts in flows.items() if counts["failed"]} <= {"payments"}
        assert flows["payments"]["failed"] == 2

    _near_duplicates_are_one_erp_customer_each(first["database"], tmp_path / "first")

    second = run_demo(home, "--no-rate-limit", "--state-dir", str(tmp_path / "second"))
    for before, after in zip(first["integrations"], second["integrations"], strict=True):
        for name, counts in after["flows"].items():
            assert counts["created"] == counts["updated"] == 0, (after["name"], name)
        assert after["flows"]["payments"]["failed"] == before["flows"]["payments"]["failed"]
    states = load_states(tmp_path / "first")
    expected = visible_order_numbers(states["centra"])
    assert 0 < len(expected) < len(states["centra"]["orders"])  # some seeded orders are on hold
    again = load_states(tmp_path / "second")
    assert fortnox_order_references(again["fortnox"]) == dict.fromkeys(expected, 1)

    # Every seeded order reconciles with its ERP document to the cent (DESIGN.md §3.7).
    for integration in first["integrations"]:
        assert integration["reconcile"]["compared"] > 0, integration["name"]
    differing = {
        integration["name"]: integration["reconcile"]["differences"]
        for integration in first["integrations"]
        if integration["reconcile"]["differences"]
    }
    assert differing == {}


def _near_duplicates_are_one_erp_customer_each(database, states):
    """The seeded near-duplicates (the same person entered twice with another e-mail, a typo,
    diacritics dropped, a street abbreviated) end as one ERP customer each: every shop customer
    became the ERP customer of the person it is, and the ERP holds one customer per person."""
    seed = generate()
    people = len(seed.customers) - len(seed.near_duplicates)
    for pair, template in PAIRS.items():
        became = erp_customers(database, pair)
        for label in seed.near_duplicates:
            twin, original = str(label.customer_id), str(label.duplicate_of)
            assert became[twin] == became[original], (pair, label)
        assert len(set(became.values())) == people, pair
        erp = load_states(states, pair)[template.erp]  # Fortnox and Visma.net alike
        assert len(erp["customers"]) == people, pair


def test_fresh_starts_the_shop_the_erp_and_the_database_over(tmp_path):
    home, pair = tmp_path / "home", "centra-fortnox"
    options = ("--no-rate-limit", "--pair", pair, "--orders", "30")
    first = run_demo(home, *options)
    fresh = run_demo(home, *options, "--fresh", "--state-dir", str(tmp_path / "fresh"))
    orders = first["integrations"][0]["flows"]["orders"]
    assert fresh["integrations"][0]["flows"]["orders"] == orders
    assert orders["created"] == orders["read"] > 0
    anew = load_states(tmp_path / "fresh", pair)
    expected = visible_order_numbers(anew["centra"])
    assert fortnox_order_references(anew["fortnox"]) == dict.fromkeys(expected, 1)


def test_demo_with_real_rate_limits_gets_no_429s(tmp_path):
    """Brygga's limiters keep under each API's documented limits (DESIGN.md §3.5)."""
    report = run_demo(tmp_path / "home", "--orders", "20", "--state-dir", str(tmp_path / "s"))
    for integration in report["integrations"]:
        assert integration["errors"] == {}
        assert integration["flows"]["orders"]["failed"] == 0
        for system, stats in integration["requests"].items():
            assert stats["throttled"] == 0, (integration["name"], system)
    orders = report["integrations"][0]["flows"]["orders"]
    assert orders["created"] == 20 - _on_hold(tmp_path)


def _on_hold(tmp_path) -> int:
    centra = load_states(tmp_path / "s")["centra"]
    return sum(1 for order in centra["orders"] if order["isOnHold"])


def test_demo_uses_the_database_it_is_given(tmp_path, database_url):
    report = run_demo(
        tmp_path / "home",
        "--no-rate-limit",
        "--orders",
        "20",
        "--pair",
        "centra-fortnox",
        "--database",
        database_url,
    )
    orders = report["integrations"][0]["flows"]["orders"]
    assert orders["failed"] == 0 and orders["created"] == orders["read"] >= 19
    if database_url.startswith("sqlite"):
        assert report["database"] == database_url.removeprefix("sqlite:///")
        assert not (tmp_path / "home" / "brygga.db").exists()
    else:
        assert report["database"].startswith("postgresql+psycopg://")
