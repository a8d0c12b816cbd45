"""The tables Brygga keeps: connections, integrations and their flows, and what each sync did.

Constraint and index names come from one naming convention, so migrations name them the same on
every backend. Timestamps are timezone-aware UTC everywhere; JSON columns keep Decimal exact.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

# none_as_null: Python None is SQL NULL (so `IS NULL` finds it), not the JSON text 'null'.
JSONType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend; SQLite stores no offset, so UTC is attached on read.

    Naive datetimes are refused: their meaning depends on the machine that made them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware one, e.g. datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}  # noqa: RUF012


class Workspace(Base):
    """A merchant (or one of an agency's clients): its people see only its connections,
    integrations and what they did."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who logs in to the dashboard; only an argon2 hash of the password is kept."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class Membership(Base):
    """A user's role in a workspace: owner, operator or viewer (store.workspaces)."""

    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship()
    workspace: Mapped[Workspace] = relationship()


class Connection(Base):
    """One account in one system; `credentials` is a SecretBox token, never plaintext."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    system: Mapped[str] = mapped_column(String(50))
    base_url: Mapped[str] = mapped_column(Text)
    credentials: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(50), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    workspace: Mapped[Workspace] = relationship()


class Integration(Base):
    """A shop connection and an ERP connection joined by a pair template."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    pair: Mapped[str] = mapped_column(String(100))
    shop_connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    erp_connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Paused: nothing runs on a schedule or by hand until it is resumed.
    paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workspace: Mapped[Workspace] = relationship()
    shop_connection: Mapped[Connection] = relationship(foreign_keys=[shop_connection_id])
    erp_connection: Mapped[Connection] = relationship(foreign_keys=[erp_connection_id])
    flows: Mapped[list[Flow]] = relationship(
        back_populates="integration", cascade="all, delete-orphan", passive_deletes=True
    )


class Flow(Base):
    """One kind of record moving one way within an integration, e.g. orders shop -> ERP."""

    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("integration_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(50))
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    integration: Mapped[Integration] = relationship(back_populates="flows")


class Cursor(Base):
    """How far a flow has read its source; moved in the same transaction as the page's writes."""

    __tablename__ = "cursors"

    flow_id: Mapped[int] = mapped_column(
        ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CrossReference(Base):
    """Which target record a source record became; checked before every create (invariant 3).

    `pending` is written before the create, so a crash in between is found and resolved by the
    target's external reference instead of creating twice.
    """

    __tablename__ = "cross_references"
    __table_args__ = (
        UniqueConstraint("integration_id", "entity", "source_id"),
        Index(None, "integration_id", "entity", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(50))
    source_id: Mapped[str] = mapped_column(String(255))
    target_id: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomerCardRow(Base):
    """Brygga's own index of the customers it linked: each source customer's card (as
    `model.CustomerCard`) and the target customer it became, with the card's keys in columns,
    so de-duplication finds candidates without asking the ERP (brygga.engine.dedupe.index)."""

    __tablename__ = "customer_cards"
    __table_args__ = (
        UniqueConstraint("integration_id", "source_id"),
        Index(None, "integration_id", "email"),
        Index(None, "integration_id", "phone"),
        Index(None, "integration_id", "identity"),
        Index(None, "integration_id", "place"),
        Index(None, "integration_id", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(255))
    target_id: Mapped[str] = mapped_column(String(255))
    card: Mapped[Any] = mapped_column(JSONType)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    identity: Mapped[str | None] = mapped_column(String(60))  # scheme:number
    place: Mapped[str | None] = mapped_column(String(200))  # postcode|street|house number
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MatchDecision(Base):
    """How de-duplication decided for a source customer: link (to `target_id`), review or
    create, with its score, reasons and the candidates it weighed. An operator's decision on a
    "duplicate?" error is kept here too (`decided_by` names them) and holds for later runs."""

    __tablename__ = "match_decisions"
    __table_args__ = (UniqueConstraint("integration_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str | None] = mapped_column(String(255))
    score: Mapped[str | None] = mapped_column(String(10))  # "0.95", as shown
    reasons: Mapped[Any] = mapped_column(JSONType)
    candidates: Mapped[Any] = mapped_column(JSONType)
    decided_by: Mapped[str] = mapped_column(String(320))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RecordError(Base):
    """The error queue: one row per record of a flow whose latest write failed (DESIGN.md §3.6).

    `record` is the canonical record as Brygga mapped it (its model in `record_type`), so the
    write can be retried without reading the source again, or retried with an operator's
    edit (`edited_record`). A later success resolves the row; an operator may skip it.
    """

    __tablename__ = "record_errors"
    __table_args__ = (
        UniqueConstraint("flow_id", "source_id"),
        Index(None, "status", "last_failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="open")
    error_class: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)
    record_type: Mapped[str | None] = mapped_column(String(50))
    record: Mapped[Any | None] = mapped_column(JSONType)
    edited_record: Mapped[Any | None] = mapped_column(JSONType)
    content_hash: Mapped[str | None] = mapped_column(String(128))
    source_payload: Mapped[Any | None] = mapped_column(JSONType)
    target_payload: Mapped[Any | None] = mapped_column(JSONType)

    flow: Mapped[Flow] = relationship()


class Alert(Base):
    """Something a person must act on: a connection needing reconnection, an error queue over
    its threshold, a flow silent too long. Open until resolved; one open alert per kind and
    subject."""

    __tablename__ = "alerts"
    __table_args__ = (Index(None, "resolved_at", "raised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    integration_id: Mapped[int | None] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE")
    )
    flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    # Sent by webhook or e-mail, if set up (engine.alert_delivery); a failure is kept and
    # the sending tried again later.
    delivered_at: Mapped[datetime | None]
    delivery_error: Mapped[str | None] = mapped_column(Text)


class InboxEvent(Base):
    """The webhook inbox: each event a system sent, once per connection and event id, so a
    redelivered event does nothing twice (DESIGN.md §3 invariant 3a)."""

    __tablename__ = "inbox_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "event_id"),
        Index(None, "handled_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(200))
    payload: Mapped[Any | None] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    deliveries: Mapped[int] = mapped_column(default=1)  # how often the system sent it
    handled_at: Mapped[datetime | None]


class ApiToken(Base):
    """A token for the REST API, acting in one workspace with one role. Only its SHA-256 is
    kept: the token is 32 random bytes, so a fast hash suffices (a password, guessable, needs
    a slow one)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    workspace: Mapped[Workspace] = relationship()


class Run(Base):
    """One sync of one flow, with counts per outcome (invariant 8)."""

    __tablename__ = "runs"
    __table_args__ = (Index(None, "flow_id", "started_at"), Index(None, "runtime_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    # HTTP requests the run made to its two systems, and how many were answered 429.
    requests: Mapped[int] = mapped_column(default=0)
    rate_limited: Mapped[int] = mapped_column(default=0)
    # The `brygga run` process that started it (Runtime.id); none for a sync run by hand.
    runtime_id: Mapped[str | None] = mapped_column(String(32))


class RecordOutcome(Base):
    """What happened to one record in one run; failures keep their payloads for the error queue."""

    __tablename__ = "record_outcomes"
    __table_args__ = (Index(None, "flow_id", "source_id"), Index(None, "run_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    source_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    error_class: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    target_id: Mapped[str | None] = mapped_column(String(255))
    source_payload: Mapped[Any | None] = mapped_column(JSONType)
    target_payload: Mapped[Any | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicOffset(Base):
    """How far a connection's event feed was taken into the inbox, per topic: the offset of
    the last event taken in (Fortnox WebSocket topics, fortnox.md §5.1), committed with it."""

    __tablename__ = "topic_offsets"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_offset: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Runtime(Base):
    """A `brygga run` process while it lives. Its heartbeat tells the others it is alive, so
    only the runs of a process that died are marked interrupted (brygga.runtime.owners)."""

    __tablename__ = "runtimes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScheduleMark(Base):
    """The latest slot of a flow's scheduled job (its sync, or the stock reconcile) that was
    run, so a restarted runtime knows which slots it missed (brygga.runtime.schedules)."""

    __tablename__ = "schedule_marks"

    flow_id: Mapped[int] = mapped_column(
        ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    job: Mapped[str] = mapped_column(String(20), primary_key=True)
    slot: Mapped[datetime]
