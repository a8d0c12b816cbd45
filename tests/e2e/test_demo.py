"""`brygga demo --once --json` end to end: real sandboxes, real HTTP, a real database file."""

from tests.e2e.demo import fortnox_order_references, load_states, run_demo, visible_order_numbers

COUNT_KEYS = {"read", "created", "updated", "skipped", "failed"}


def test_demo_syncs_each_order_once_and_a_second_run_creates_nothing(tmp_path):
    home = tmp_path / "home"
    first = run_demo(home, "--no-rate-limit", "--state-dir", str(tmp_path / "first"))

    # The documented shape (docs/cli.md).
    assert first["database"].endswith("brygga.db")
    assert set(first["sandboxes"]) == {"centra", "fortnox"}
    assert all(s["base_url"].startswith("http://127.0.0.1:") for s in first["sandboxes"].values())
    (integration,) = first["integrations"]
    assert integration["name"] == "centra-fortnox"
    assert integration["pair"] == ["centra", "fortnox"]
    assert set(integration["flows"]) == {"customers", "orders"}
    assert all(set(counts) == COUNT_KEYS for counts in integration["flows"].values())

    states = load_states(tmp_path / "first")
    expected = visible_order_numbers(states["centra"])
    assert 0 < len(expected) < len(states["centra"]["orders"])  # some seeded orders are on hold
    orders = integration["flows"]["orders"]
    assert orders == {
        "read": len(expected),
        "created": len(expected),
        "updated": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert fortnox_order_references(states["fortnox"]) == dict.fromkeys(expected, 1)
    customers = integration["flows"]["customers"]
    assert customers["failed"] == 0
    assert customers["read"] == len(states["centra"]["customers"])
    assert customers["created"] + customers["skipped"] == customers["read"]

    second = run_demo(home, "--no-rate-limit", "--state-dir", str(tmp_path / "second"))
    flows = second["integrations"][0]["flows"]
    assert flows["orders"]["created"] == 0 and flows["customers"]["created"] == 0
    assert flows["orders"]["failed"] == 0 and flows["customers"]["failed"] == 0
    assert flows["customers"]["skipped"] == customers["read"]
    again = load_states(tmp_path / "second")
    assert fortnox_order_references(again["fortnox"]) == dict.fromkeys(expected, 1)
    assert len(again["fortnox"]["customers"]) == len(states["fortnox"]["customers"])

    # --fresh starts the shop, the ERP and the database over: everything is created again.
    fresh = run_demo(home, "--no-rate-limit", "--fresh", "--state-dir", str(tmp_path / "fresh"))
    assert fresh["integrations"][0]["flows"]["orders"]["created"] == len(expected)
    anew = load_states(tmp_path / "fresh")
    assert fortnox_order_references(anew["fortnox"]) == dict.fromkeys(expected, 1)


def test_demo_with_real_rate_limits_gets_no_429s(tmp_path):
    """Brygga's limiter keeps under Fortnox's 25 requests per 5 s (DESIGN.md §3.5)."""
    report = run_demo(tmp_path / "home", "--orders", "40", "--state-dir", str(tmp_path / "s"))
    flows = report["integrations"][0]["flows"]
    assert flows["orders"]["failed"] == 0 and flows["orders"]["created"] == 40 - _on_hold(tmp_path)
    assert report["requests"]["fortnox"]["throttled"] == 0


def _on_hold(tmp_path) -> int:
    centra = load_states(tmp_path / "s")["centra"]
    return sum(1 for order in centra["orders"] if order["isOnHold"])


def test_demo_uses_the_database_it_is_given(tmp_path, database_url):
    report = run_demo(
        tmp_path / "home", "--no-rate-limit", "--orders", "20", "--database", database_url
    )
    orders = report["integrations"][0]["flows"]["orders"]
    assert orders["failed"] == 0 and orders["created"] == orders["read"] >= 19
    if database_url.startswith("sqlite"):
        assert report["database"] == database_url.removeprefix("sqlite:///")
        assert not (tmp_path / "home" / "brygga.db").exists()
    else:
        assert report["database"].startswith("postgresql+psycopg://")
