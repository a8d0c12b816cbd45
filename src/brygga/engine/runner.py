"""One sync run of one flow: read pages since the cursor, write each record idempotently,
commit each page's outcomes, cross-references and cursor together (DESIGN.md §3)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from brygga.connectors import http
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine import error_queue, xrefs
from brygga.engine.dedupe import Action, Policy, index
from brygga.engine.dedupe.decisions import Decision
from brygga.engine.dedupe.matching import Matcher
from brygga.engine.finance import FinanceError
from brygga.engine.outcomes import Counts, Outcome, Status
from brygga.engine.protocols import FlowSpec, SearchesCandidates, SourceRecord, Writer, Written
from brygga.model import Customer, CustomerCard
from brygga.store import Database
from brygga.store.tables import Cursor, RecordOutcome, Run

log = logging.getLogger("brygga.engine")

Progress = Callable[[str, Counts], None]


class RunAborted(Exception):
    """The run stopped before its end (e.g. the credentials were refused); the cursor stays
    where the last committed page left it."""


@dataclass
class _Link:
    source_id: str
    target_id: str
    content_hash: str
    card: CustomerCard | None  # a customer's, for Brygga's index (dedupe.index)

    @classmethod
    def of(cls, source_id: str, target_id: str, content_hash: str, record: Any) -> _Link:
        return cls(source_id, target_id, content_hash, index.card_of(record))


@contextmanager
def _holding_writes() -> Iterator[None]:
    """A dry run's requests: reads go through, writes are held back (connectors.http)."""
    token = http.dry_run.set(True)
    try:
        yield
    finally:
        http.dry_run.reset(token)


class FlowRunner:
    def __init__(
        self,
        db: Database,
        *,
        integration_id: int,
        flow_id: int,
        spec: FlowSpec,
        lookback: timedelta = timedelta(hours=1),
        progress: Progress | None = None,
        echo_of: str | None = None,
        reconcile: bool = False,
        dry_run: bool = False,
        prepare: Callable[[BaseModel], BaseModel] | None = None,
        dedupe: Policy | None = None,
    ) -> None:
        self.db = db
        self.integration_id = integration_id
        self.flow_id = flow_id
        self.spec = spec
        self.lookback = lookback
        self.progress = progress
        # The entity whose writes into the source system come back through this stream (a
        # credit note Brygga made from a shop refund is read again by the credit-notes flow).
        self.echo_of = echo_of
        # Write every record again, changed or not, to correct drift in the target (e.g. shop
        # stock that moved without the ERP's level changing).
        self.reconcile = reconcile
        # Decide every record and show what would be written, writing nothing: no request
        # that changes the target (connectors.http.dry_run), nothing in Brygga's store.
        self.dry_run = dry_run
        self.planned: list[Outcome] = []
        self.counts = Counts()
        # What the merchant's settings change in a record before it is written (the flow's
        # value maps); the cross-reference's hash is of the prepared record, so a change of
        # mapping writes it again, while the error queue keeps the record as read.
        self.prepare = prepare or (lambda record: record)
        # Whether a customer about to be created is one the target already has, with the
        # customers flow's thresholds (brygga.engine.dedupe); its decisions by source id.
        self.matcher = Matcher(db, integration_id, dedupe or Policy(), dry_run=dry_run)
        self.decisions: dict[str, Decision] = {}

    async def run(self) -> Counts:
        if self.dry_run:
            with _holding_writes():
                await self._read_and_write(None)
            return self.counts
        run_id = self._start_run()
        try:
            await self._read_and_write(run_id)
        except Exception as exc:
            self._finish_run(run_id, "failed", str(exc))
            raise RunAborted(f"{self.spec.name}: {exc}") from exc
        self._finish_run(run_id, "succeeded", None)
        return self.counts

    async def _read_and_write(self, run_id: int | None) -> None:
        position = self._load_position()
        until = datetime.now(UTC)
        since = position - self.lookback if position else None
        held: datetime | None = None  # the cursor may not pass a record that failed
        for_cursor = self.spec.stream.replication_key is not None
        async for page in self.spec.stream.pages(since, until):
            outcomes: list[Outcome] = []
            links: list[_Link] = []
            batched = await self._write_batch(page)
            passed_over = self._passed_over(page)
            for item in page:
                if item.source_id in passed_over:
                    outcome, link = passed_over[item.source_id], None
                else:
                    outcome, link = batched.get(item.source_id) or await self._sync(item)
                outcomes.append(outcome)
                if link is not None:
                    links.append(link)
                if outcome.status is Status.FAILED and item.position is not None:
                    held = min(held, item.position) if held else item.position
                self.counts.add(outcome.status)
                if self.progress:
                    self.progress(self.spec.name, self.counts)
            if for_cursor:
                newest = max((item.position for item in page if item.position), default=None)
                if newest and (position is None or newest > position):
                    position = newest
                if held and position and held < position:
                    position = held
            if self.dry_run:
                self.planned += outcomes
            else:
                assert run_id is not None  # every run but a dry one is recorded
                self._commit_page(run_id, outcomes, links, position if for_cursor else None)

    async def retry(self, items: list[SourceRecord]) -> list[Outcome]:
        """Write `items` now, as one page, without moving the cursor: the error queue's retry
        and a re-sync by id. Operator skips do not apply, since the operator asked. A dry
        runner only plans them (a preview), recording nothing."""
        if self.dry_run:
            with _holding_writes():
                return [(await self._sync(item))[0] for item in items]
        run_id = self._start_run()
        try:
            results = [await self._sync(item) for item in items]
        except Exception as exc:
            self._finish_run(run_id, "failed", str(exc))
            raise RunAborted(f"{self.spec.name}: {exc}") from exc
        outcomes = [outcome for outcome, _ in results]
        for outcome in outcomes:
            self.counts.add(outcome.status)
        self._commit_page(run_id, outcomes, [link for _, link in results if link], None)
        self._finish_run(run_id, "succeeded", None)
        return outcomes

    def _passed_over(self, page: list[SourceRecord]) -> dict[str, Outcome]:
        """Records an operator skipped in the error queue and that did not change since."""
        mapped = [item for item in page if item.record is not None]
        if not mapped:
            return {}
        with self.db.session() as session:
            rows = error_queue.skipped(session, self.flow_id, [i.source_id for i in mapped])
            hashes = {source_id: (row.id, row.content_hash) for source_id, row in rows.items()}
        passed = {}
        for item in mapped:
            error_id, digest = hashes.get(item.source_id, (None, None))
            assert item.record is not None  # mapped
            if error_id is not None and error_queue.fingerprint(item.record) == digest:
                outcome = Outcome(item.source_id, Status.SKIPPED, source_payload=item.payload)
                outcome.message = (
                    f"skipped in the error queue (error {error_id}); a change in the source "
                    "tries it again"
                )
                passed[item.source_id] = outcome
        return passed

    async def _sync(self, item: SourceRecord) -> tuple[Outcome, _Link | None]:
        outcome = Outcome(item.source_id, Status.FAILED, source_payload=item.payload)
        outcome.record = item.record
        if item.record is None:
            outcome.error_class, outcome.message = ErrorClass.DATA, item.error
            return outcome, None
        if echo := self._echo(item.source_id):
            outcome.status, outcome.message = Status.SKIPPED, echo
            return outcome, None
        try:
            return await self._write(item.source_id, item.record, outcome)
        except http.WouldWrite as planned:
            outcome.target_payload = planned.request()
            if outcome.status is Status.FAILED:  # a record it needs is written first
                outcome.status = Status.CREATED
                outcome.message = "a record it needs (e.g. its customer) would be written first"
        except ConnectorError as exc:
            if exc.error_class is ErrorClass.AUTH:
                raise  # every other record would fail the same way: stop and alert
            outcome.status = Status.FAILED
            outcome.error_class, outcome.message = exc.error_class, str(exc)
            outcome.target_payload = exc.payload
        except FinanceError as exc:  # an order that cannot be booked to the cent
            outcome.status = Status.FAILED
            outcome.error_class, outcome.message = ErrorClass.DATA, str(exc)
        except Exception as exc:  # a bug must cost one record, never the page
            log.exception("record %s of %s failed", item.source_id, self.spec.name)
            outcome.status = Status.FAILED
            outcome.error_class = ErrorClass.DATA
            outcome.message = f"unexpected {type(exc).__name__}: {exc}"
        return outcome, None

    async def _write_batch(self, page: list[SourceRecord]) -> dict[str, tuple[Outcome, _Link]]:
        """One request for the page's changed records, where the writer takes a batch and a
        write may simply be repeated (absolute stock levels). If the batch is refused, the
        records are written one by one, so each failure stays with its own record."""
        write_many = getattr(self.spec.writer, "write_many", None)
        if write_many is None or self.spec.dependencies or self.dry_run:
            return {}
        entity = self.spec.writer.entity
        due: list[tuple[SourceRecord, BaseModel, str, bool]] = []
        with self.db.session() as session:
            for item in page:
                if item.record is None:
                    continue
                record = self.prepare(item.record)
                digest = xrefs.content_hash(record, {})
                xref = xrefs.find(session, self.integration_id, entity, item.source_id)
                linked = xref is not None and xref.state == xrefs.LINKED
                if not linked or xref.content_hash != digest or self.reconcile:
                    due.append((item, record, digest, linked))
        if not due:
            return {}
        try:
            written = await write_many([record for _, record, _, _ in due])
        except ConnectorError as exc:
            if exc.error_class is ErrorClass.AUTH:
                raise
            log.warning("batch of %d %s refused (%s); writing one by one", len(due), entity, exc)
            return {}
        results = {}
        for (item, record, digest, linked), target in zip(due, written, strict=True):
            status = Status.UPDATED if linked else Status.CREATED
            outcome = Outcome(item.source_id, status, source_payload=item.payload)
            outcome.target_id, outcome.target_payload = target.target_id, target.payload
            link = _Link.of(item.source_id, target.target_id, digest, record)
            results[item.source_id] = (outcome, link)
        return results

    def _echo(self, source_id: str) -> str | None:
        if self.echo_of is None:
            return None
        with self.db.session() as session:
            xref = xrefs.written_as(session, self.integration_id, self.echo_of, source_id)
        if xref is None:
            return None
        return f"written by Brygga from {self.echo_of} {xref.source_id}; not sent back"

    async def _write(
        self, source_id: str, record: BaseModel, outcome: Outcome
    ) -> tuple[Outcome, _Link | None]:
        writer = self.spec.writer
        record = self.prepare(record)
        links = {
            dependency.entity: await self._resolve(dependency.writer, dependency.extract(record))
            for dependency in self.spec.dependencies
        }
        digest = xrefs.content_hash(record, links)
        with self.db.session() as session:
            xref = xrefs.find(session, self.integration_id, writer.entity, source_id)
        written: Written | None = None
        if xref is not None and xref.state == xrefs.LINKED and xref.target_id:
            if xref.content_hash == digest and not self.reconcile:
                outcome.status, outcome.target_id = Status.SKIPPED, xref.target_id
                return outcome, None
            outcome.status, outcome.target_id = Status.UPDATED, xref.target_id
            written = await writer.update(xref.target_id, record, links)
        else:
            pending = xref is not None and xref.state == xrefs.PENDING
            outcome.status = Status.CREATED  # what a dry run shows if the create is held back
            written, created = await self._find_or_create(writer, source_id, record, links, pending)
            outcome.status = Status.CREATED if created else Status.SKIPPED
            if not created:
                outcome.message = "already in the target; linked to it instead of creating"
            if decision := self.decisions.get(source_id):
                outcome.message = decision.explained() or outcome.message
        outcome.target_id, outcome.target_payload = written.target_id, written.payload
        return outcome, _Link.of(source_id, written.target_id, digest, record)

    async def _find_or_create(
        self, writer: Writer, source_id: str, record: Any, links: dict[str, str], pending: bool
    ) -> tuple[Written, bool]:
        """Find the record in the target when it may be there (a create that crashed before
        its cross-reference was committed, or a writer that reuses existing records), else
        create it, marking the intent first (invariant 3c). A customer goes through
        de-duplication: linked to the one the target has, parked (PossibleDuplicate), or new."""
        matched = _matched(writer, record)
        if pending or (writer.reuse_existing and not matched):
            found = await writer.find(record)
            if found is not None:
                return found, False
        if matched:
            assert isinstance(writer, SearchesCandidates)
            decision = await self.matcher.decide(source_id, record, writer)
            self.decisions[source_id] = decision
            if decision.action is Action.LINK:
                assert decision.target_id is not None  # a link names its target
                return Written(decision.target_id), False
        if not self.dry_run:
            with self.db.session() as session:
                entity = writer.entity
                xrefs.save(session, self.integration_id, entity, source_id, state=xrefs.PENDING)
        return await writer.create(record, links), True

    async def _resolve(self, writer: Writer, record: Any) -> str:
        """The target id of a record another one needs (e.g. an order's customer). Linked at
        once, since the target record now exists whatever happens to this page."""
        source_id = record.source_id
        with self.db.session() as session:
            xref = xrefs.find(session, self.integration_id, writer.entity, source_id)
        if xref is not None and xref.state == xrefs.LINKED and xref.target_id:
            return xref.target_id
        pending = xref is not None and xref.state == xrefs.PENDING
        written, _ = await self._find_or_create(writer, source_id, record, {}, pending)
        if self.dry_run:  # found in the target: linked by the real run, not this one
            return written.target_id
        with self.db.session() as session:
            # No content hash: the record's own flow still writes its full version.
            xrefs.save(
                session,
                self.integration_id,
                writer.entity,
                source_id,
                state=xrefs.LINKED,
                target_id=written.target_id,
            )
            self._index(session, source_id, written.target_id, index.card_of(record))
        return written.target_id

    def _index(
        self, session: Session, source_id: str, target_id: str, card: CustomerCard | None
    ) -> None:
        """Brygga's index of the customers it linked (dedupe.index)."""
        if card is not None:
            index.save(session, self.integration_id, source_id, target_id, card)

    def _load_position(self) -> datetime | None:
        with self.db.session() as session:
            cursor = session.get(Cursor, self.flow_id)
            value = cursor.value if cursor else None
        return datetime.fromisoformat(value["position"]) if value else None

    def _start_run(self) -> int:
        self._requests_before = self._requests_so_far()
        with self.db.session() as session:
            run = Run(flow_id=self.flow_id, started_at=datetime.now(UTC), status="running")
            session.add(run)
            session.flush()
            return run.id

    def _commit_page(
        self, run_id: int, outcomes: list[Outcome], links: list[_Link], position: datetime | None
    ) -> None:
        """Invariant 1: outcomes, cross-references and cursor of a page in one transaction."""
        entity = self.spec.writer.entity
        with self.db.session() as session:
            for link in links:
                xrefs.save(
                    session,
                    self.integration_id,
                    entity,
                    link.source_id,
                    state=xrefs.LINKED,
                    target_id=link.target_id,
                    content_hash=link.content_hash,
                )
                self._index(session, link.source_id, link.target_id, link.card)
            session.add_all(
                RecordOutcome(
                    run_id=run_id,
                    flow_id=self.flow_id,
                    source_id=outcome.source_id,
                    status=outcome.status.value,
                    error_class=outcome.error_class,
                    message=outcome.message,
                    target_id=outcome.target_id,
                    source_payload=outcome.source_payload,
                    target_payload=outcome.target_payload,
                    created_at=datetime.now(UTC),
                )
                for outcome in outcomes
            )
            error_queue.file_outcomes(session, self.flow_id, outcomes)
            if position is not None:
                cursor = session.get(Cursor, self.flow_id)
                if cursor is None:
                    cursor = Cursor(flow_id=self.flow_id)
                    session.add(cursor)
                cursor.value = {"position": position.isoformat()}
            run = session.get(Run, run_id)
            for name, value in self.counts.as_dict().items():
                setattr(run, name, value)

    def _finish_run(self, run_id: int, status: str, message: str | None) -> None:
        with self.db.session() as session:
            run = session.get(Run, run_id)
            run.status, run.message, run.finished_at = status, message, datetime.now(UTC)
            for name, value in self.counts.as_dict().items():
                setattr(run, name, value)
            requests, throttled = self._requests_so_far()
            run.requests = requests - self._requests_before[0]
            run.rate_limited = throttled - self._requests_before[1]

    def _requests_so_far(self) -> tuple[int, int]:
        """HTTP requests (and 429s) of the clients this flow's stream and writers use, so far.
        The counts are per connection and shared by a sync's flows, which run one at a time:
        what they grow by between a run's start and finish is that run's."""
        parts = [self.spec.stream, self.spec.writer, *(d.writer for d in self.spec.dependencies)]
        found = {id(s): s for p in parts if (s := _stats_of(p)) is not None}
        return (
            sum(s.requests for s in found.values()),
            sum(s.throttled for s in found.values()),
        )


def _matched(writer: Writer, record: Any) -> bool:
    """Whether the record goes through de-duplication: a customer, to a writer that can search
    the target's customers."""
    return isinstance(record, Customer) and isinstance(writer, SearchesCandidates)


def _stats_of(part: Any) -> http.RequestStats | None:
    """The request counts of a stream's or writer's client (`client.http.stats`)."""
    return getattr(getattr(getattr(part, "client", None), "http", None), "stats", None)
