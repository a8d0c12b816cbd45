"""The engine's idempotency and cursor rules, with in-process streams and writers over a real
database (SQLite and PostgreSQL). End-to-end runs against the sandboxes are in tests/e2e."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine import error_queue, xrefs
from brygga.engine.integrations import move_cursors_back
from brygga.engine.outcomes import Counts
from brygga.engine.protocols import Candidate, Dependency, FlowSpec, SourceRecord, Written
from brygga.engine.runner import FlowRunner, RunAborted
from brygga.model import Customer, CustomerCard
from brygga.store import Cursor, Database, Flow, RecordError, RecordOutcome, Run

START = datetime(2026, 9, 1, 8, tzinfo=UTC)


class ListStream:
    entity = "customer"
    replication_key = "created_at"

    def __init__(self, records: list[Customer], page_size: int = 3) -> None:
        self.records = records
        self.page_size = page_size
        self.ranges: list[tuple[datetime | None, datetime]] = []

    async def pages(self, since, until) -> AsyncIterator[list[SourceRecord]]:
        self.ranges.append((since, until))
        chosen = [
            (index, record)
            for index, record in enumerate(self.records)
            if since is None or START + timedelta(minutes=index) >= since
        ]
        for offset in range(0, len(chosen), self.page_size):
            yield [
                SourceRecord(r.source_id, r.model_dump(), START + timedelta(minutes=i), r)
                for i, r in chosen[offset : offset + self.page_size]
            ]


class DictWriter:
    """A target system held in a dict; `refuse` makes chosen records fail like the API would."""

    entity = "customer"
    reuse_existing = False

    def __init__(self) -> None:
        self.records: dict[str, Customer] = {}
        self.creates = 0
        self.finds = 0
        self.refuse: dict[str, ErrorClass] = {}

    async def find(self, record: Customer) -> Written | None:
        self.finds += 1
        for target_id, existing in self.records.items():
            if existing.email == record.email:
                return Written(target_id)
        return None

    async def create(self, record: Customer, links: dict[str, str]) -> Written:
        if record.source_id in self.refuse:
            raise ConnectorError(self.refuse[record.source_id], f"refused {record.source_id}")
        self.creates += 1
        target_id = f"T{len(self.records) + 1}"
        self.records[target_id] = record
        return Written(target_id, {"id": target_id})

    async def update(self, target_id: str, record: Customer, links: dict[str, str]) -> Written:
        self.records[target_id] = record
        return Written(target_id)


def customers(count: int) -> list[Customer]:
    return [Customer(source_id=str(n), email=f"c{n}@example.se") for n in range(1, count + 1)]


def runner(db: Database, stream, writer, dependencies=(), echo_of=None) -> FlowRunner:
    with db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "customers"))
        ids = flow.integration_id, flow.id
    spec = FlowSpec("customers", stream, writer, list(dependencies))
    return FlowRunner(
        db,
        integration_id=ids[0],
        flow_id=ids[1],
        spec=spec,
        lookback=timedelta(minutes=2),
        echo_of=echo_of,
    )


def cursor_position(db: Database) -> str | None:
    with db.session() as session:
        cursor = session.scalar(select(Cursor))
        return cursor.value["position"] if cursor else None


async def test_one_bad_record_fails_alone_and_holds_the_cursor(db):
    stream, writer = ListStream(customers(8)), DictWriter()
    writer.refuse["3"] = ErrorClass.DATA
    counts = await runner(db, stream, writer).run()
    assert counts == Counts(read=8, created=7, failed=1)
    with db.session() as session:
        failed = session.scalars(select(RecordOutcome).where(RecordOutcome.status == "failed"))
        (outcome,) = list(failed)
        assert (outcome.source_id, outcome.error_class) == ("3", "data")
        assert "refused 3" in outcome.message and outcome.source_payload["email"] == "c3@example.se"
    # Record 3 sits at START + 2 min: the cursor may not pass it.
    assert cursor_position(db) == (START + timedelta(minutes=2)).isoformat()

    del writer.refuse["3"]
    counts = await runner(db, stream, writer).run()
    assert stream.ranges[-1][0] == START  # cursor minus the 2-minute lookback
    assert counts.created == 1 and counts.failed == 0 and writer.creates == 8
    assert cursor_position(db) == (START + timedelta(minutes=7)).isoformat()


async def test_a_second_run_skips_unchanged_and_updates_changed_records(db):
    records = customers(5)
    stream, writer = ListStream(records), DictWriter()
    await runner(db, stream, writer).run()
    records[4] = records[4].model_copy(update={"first_name": "Märta"})
    stream.records = records
    counts = await runner(db, stream, writer).run()
    # The lookback re-reads records 3-5 (minutes 2-4): two unchanged, one changed.
    assert counts == Counts(read=3, updated=1, skipped=2)
    assert writer.creates == 5 and writer.records["T5"].first_name == "Märta"


async def test_a_pending_cross_reference_is_resolved_by_lookup_not_a_second_create(db):
    stream, writer = ListStream(customers(2)), DictWriter()
    # As after a crash: the target has the record, Brygga only its intent to create it.
    writer.records["T1"] = customers(1)[0]
    with db.session() as session:
        integration_id = session.scalar(select(Flow.integration_id))
        xrefs.save(session, integration_id, "customer", "1", state=xrefs.PENDING)
    counts = await runner(db, stream, writer).run()
    assert counts == Counts(read=2, created=1, skipped=1)
    assert writer.creates == 1 and writer.finds == 1  # only the pending one was looked up
    with db.session() as session:
        xref = xrefs.find(session, integration_id, "customer", "1")
        assert (xref.state, xref.target_id) == (xrefs.LINKED, "T1")


async def test_refused_credentials_stop_the_run_without_moving_the_cursor(db):
    stream, writer = ListStream(customers(4), page_size=2), DictWriter()
    writer.refuse["3"] = ErrorClass.AUTH
    with pytest.raises(RunAborted, match="refused 3"):
        await runner(db, stream, writer).run()
    assert cursor_position(db) == (START + timedelta(minutes=1)).isoformat()  # first page only
    with db.session() as session:
        run = session.scalar(select(Run))
        assert (run.status, run.created) == ("failed", 2)
        assert session.scalar(select(func.count()).select_from(RecordOutcome)) == 2


async def test_dependencies_are_created_once_and_shared(db):
    class OrderLike(Customer):
        buyer: Customer

    buyer = Customer(source_id="b1", email="buyer@example.se")
    orders = [
        OrderLike(source_id=str(n), email=f"o{n}@example.se", buyer=buyer) for n in range(1, 4)
    ]
    buyers, writer = DictWriter(), DictWriter()
    buyers.entity = "buyer"
    stream = ListStream(orders)
    links: list[dict[str, str]] = []
    original = writer.create

    async def remember(record, record_links):
        links.append(dict(record_links))
        return await original(record, record_links)

    writer.create = remember
    await runner(db, stream, writer, [Dependency(buyers, lambda order: order.buyer)]).run()
    assert buyers.creates == 1
    assert links == [{"buyer": "T1"}] * 3


class SearchingWriter(DictWriter):
    """A customer writer whose target can be searched for candidates (engine.dedupe)."""

    def __init__(self) -> None:
        super().__init__()
        self.searches = 0

    async def candidates(self, card: CustomerCard) -> list[Candidate]:
        self.searches += 1
        return [
            Candidate(target_id, CustomerCard.of(existing))
            for target_id, existing in self.records.items()
            if card.email and existing.email and existing.email.lower() == card.email.lower()
        ]


async def test_a_buyer_met_again_under_another_id_is_linked_without_asking_the_target(db):
    """A guest checkout by a registered customer (source id `guest:<email>`), and a second
    buyer of a company already linked, reuse the ERP customer Brygga linked: Brygga's own index
    answers, no search of the target."""

    class OrderLike(Customer):
        buyer: Customer

    registered = Customer(source_id="7", email="Anna@Example.se")
    company = Customer(source_id="8", email="ap@firma.se", organisation_number="556677-8899")
    buyers = SearchingWriter()
    await runner(db, ListStream([registered, company]), buyers).run()
    assert (buyers.creates, buyers.searches) == (2, 2)

    guest = Customer(source_id="guest:anna@example.se", email="anna@example.se")
    colleague = Customer(source_id="9", email="inköp@firma.se", organisation_number="5566778899")
    stranger = Customer(source_id="guest:ny@example.se", email="ny@example.se")
    orders = [
        OrderLike(source_id=f"o{n}", email=f"o{n}@example.se", buyer=buyer)
        for n, buyer in enumerate([guest, colleague, stranger])
    ]
    writer = DictWriter()
    writer.entity = "order"
    links: list[dict[str, str]] = []
    original = writer.create

    async def remember(record, record_links):
        links.append(dict(record_links))
        return await original(record, record_links)

    writer.create = remember
    await runner(db, ListStream(orders), writer, [Dependency(buyers, lambda o: o.buyer)]).run()
    assert links == [{"customer": "T1"}, {"customer": "T2"}, {"customer": "T3"}]
    # Only the stranger was searched for in the target, then created.
    assert (buyers.creates, buyers.searches, buyers.finds) == (3, 3, 0)


async def test_what_brygga_wrote_into_the_source_is_not_sent_back(db):
    """A credit note Brygga created in the ERP from a shop refund comes back through the
    credit-notes stream; it is skipped, not turned into a second refund in the shop."""
    with db.session() as session:
        integration_id = session.scalar(select(Flow)).integration_id
        xrefs.save(session, integration_id, "refund", "R-1", state=xrefs.LINKED, target_id="2")
    stream, writer = ListStream(customers(3)), DictWriter()
    counts = await runner(db, stream, writer, echo_of="refund").run()
    assert counts == Counts(read=3, created=2, skipped=1)
    assert [r.source_id for r in writer.records.values()] == ["1", "3"]
    with db.session() as session:
        echo = session.scalar(select(RecordOutcome).where(RecordOutcome.source_id == "2"))
        assert echo.status == "skipped" and "from refund R-1" in echo.message


async def test_reconcile_writes_unchanged_records_again(db):
    """The stock reconcile job: the target drifted while the source did not change."""
    stream, writer = ListStream(customers(3)), DictWriter()
    await runner(db, stream, writer).run()
    writer.records["T2"] = writer.records["T2"].model_copy(update={"first_name": "drifted"})
    assert (await runner(db, stream, writer).run()).updated == 0
    assert writer.records["T2"].first_name == "drifted"
    reconciled = runner(db, stream, writer)
    reconciled.reconcile = True
    assert await reconciled.run() == Counts(read=3, updated=3)
    assert writer.records["T2"].first_name == ""


class BatchWriter(DictWriter):
    """A target that also takes many records in one request, like stock endpoints."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def write_many(self, records: list[Customer]) -> list[Written]:
        if any(record.source_id in self.refuse for record in records):
            raise ConnectorError(ErrorClass.DATA, "the batch has a refused record")
        self.batches.append(len(records))
        for record in records:
            self.records[f"B{record.source_id}"] = record
        return [Written(f"B{record.source_id}") for record in records]


async def test_a_batch_writer_gets_one_request_per_page_of_changed_records(db):
    records = customers(5)
    stream, writer = ListStream(records, page_size=5), BatchWriter()
    assert await runner(db, stream, writer).run() == Counts(read=5, created=5)
    assert writer.batches == [5] and writer.creates == 0

    stream.records = [*records[:4], records[4].model_copy(update={"first_name": "Märta"})]
    counts = await runner(db, stream, writer).run()
    assert counts.updated == 1 and writer.batches == [5, 1]  # only the changed record

    # A refused batch falls back to one write per record, so the bad one fails alone.
    writer.refuse["6"] = ErrorClass.DATA
    stream.records = customers(7)
    counts = await runner(db, stream, writer).run()
    assert counts.failed == 1 and counts.created == 1  # record 7 alone; 6 refused
    assert writer.batches == [5, 1]


async def test_failures_are_queued_and_a_later_success_resolves_them(db):
    stream, writer = ListStream(customers(4)), DictWriter()
    writer.refuse["2"] = ErrorClass.DATA
    await runner(db, stream, writer).run()
    await runner(db, stream, writer).run()  # read again from the held cursor: fails again
    with db.session() as session:
        (row,) = session.scalars(select(RecordError))
        assert (row.source_id, row.status, row.error_class) == ("2", "open", "data")
        assert row.attempts == 2
        assert row.record_type == "Customer" and row.record["email"] == "c2@example.se"
        assert "refused 2" in row.message

    del writer.refuse["2"]
    await runner(db, stream, writer).run()
    with db.session() as session:
        (row,) = session.scalars(select(RecordError))
        assert row.status == "resolved" and row.resolution == "created in a later run"


async def test_a_skipped_error_is_passed_over_until_the_record_changes(db):
    records = customers(3)
    stream, writer = ListStream(records), DictWriter()
    writer.refuse["3"] = ErrorClass.CONFLICT
    await runner(db, stream, writer).run()
    with db.session() as session:
        rows = error_queue.find(session, error_queue.Filter())
        error_queue.skip(session, rows, "handled by hand")

    counts = await runner(db, stream, writer).run()
    assert counts.failed == 0 and writer.creates == 2  # passed over, not tried
    with db.session() as session:
        passed = session.scalars(select(RecordOutcome).where(RecordOutcome.source_id == "3")).all()[
            -1
        ]
        assert passed.status == "skipped" and "skipped in the error queue" in passed.message

    del writer.refuse["3"]
    stream.records = [*records[:2], records[2].model_copy(update={"first_name": "Ny"})]
    await runner(db, stream, writer).run()  # changed in the source: tried, and it works
    assert writer.creates == 3
    with db.session() as session:
        (row,) = session.scalars(select(RecordError))
        assert row.status == "resolved"


async def test_retry_writes_the_given_records_without_moving_the_cursor(db):
    stream, writer = ListStream(customers(2)), DictWriter()
    writer.refuse["2"] = ErrorClass.DATA
    await runner(db, stream, writer).run()
    position = cursor_position(db)
    del writer.refuse["2"]
    fixed = Customer(source_id="2", email="fixed@example.se")
    (outcome,) = await runner(db, stream, writer).retry([SourceRecord("2", {}, record=fixed)])
    assert outcome.status.value == "created" and writer.records["T2"].email == "fixed@example.se"
    assert cursor_position(db) == position
    with db.session() as session:
        assert session.scalar(select(RecordError)).status == "resolved"


async def test_moving_a_cursor_back_syncs_the_period_again_without_duplicates(db):
    stream, writer = ListStream(customers(5)), DictWriter()
    await runner(db, stream, writer).run()
    assert cursor_position(db) == (START + timedelta(minutes=4)).isoformat()
    with pytest.raises(ValueError, match="only moves back"):
        move_cursors_back(db, "test", ["customers"], START + timedelta(hours=1))
    with pytest.raises(ValueError, match="has no flow bogus"):
        move_cursors_back(db, "test", ["bogus"], START)

    before = move_cursors_back(db, "test", ["customers"], START + timedelta(minutes=3))
    assert before == {"customers": START + timedelta(minutes=4)}
    counts = await runner(db, stream, writer).run()
    # Read from minute 1 (3 less the 2-minute lookback): four records, all unchanged.
    assert stream.ranges[-1][0] == START + timedelta(minutes=1)
    assert counts == Counts(read=4, skipped=4) and writer.creates == 5
