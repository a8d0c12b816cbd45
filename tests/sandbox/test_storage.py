"""The sandboxes' document store: durable writes, and seeding saved in the background."""

from decimal import Decimal

from brygga.sandbox.storage import DocumentStore


def test_writes_survive_a_reopen_with_exact_decimals(tmp_path):
    store = DocumentStore(tmp_path / "s.db")
    store.put("orders", "1", {"total": Decimal("10.10")})
    assert store.next_number("orders") == 1
    store.set_meta("seeded", True)
    store.close()
    again = DocumentStore(tmp_path / "s.db")
    assert again.get("orders", "1") == {"total": Decimal("10.10")}
    assert (again.next_number("orders"), again.get_meta("seeded")) == (2, True)
    again.close()


def test_bulk_serves_from_memory_at_once_and_saves_everything_in_order(tmp_path):
    store = DocumentStore(tmp_path / "s.db")
    with store.bulk():
        store.put_many("items", {str(n): {"n": n} for n in range(5000, 0, -1)})
        store.put("items", "5000", {"n": "changed"})
        store.next_number("items", start=5001)
        store.set_meta("seeded", True)
    assert store.get("items", "5000") == {"n": "changed"}  # served before the save ends
    store.put("items", "new", {"n": 0})  # a request's write lands after the bulk save
    store.close()  # waits for the save
    again = DocumentStore(tmp_path / "s.db")
    keys = [doc["n"] for doc in again.all("items")]
    assert keys[:2] == ["changed", 4999] and keys[-1] == 0 and len(keys) == 5001
    assert again.get_meta("seeded") is True and again.next_number("items") == 5002
    again.close()


def test_clear_empties_documents_counters_and_meta(tmp_path):
    store = DocumentStore(tmp_path / "s.db")
    with store.bulk():
        store.put("a", "1", {})
        store.set_meta("seeded", True)
    store.clear()
    assert store.is_empty and store.get_meta("seeded") is None
    store.close()
    assert DocumentStore(tmp_path / "s.db").is_empty
