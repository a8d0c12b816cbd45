"""The two small contracts between the engine and the connectors (DESIGN.md §2)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

# A flow's settings (pair-template defaults overlaid with the merchant's own), given to the
# flow's stream and writer as their second constructor argument.
Settings = Mapping[str, Any]
NO_SETTINGS: Settings = MappingProxyType({})


@dataclass
class SourceRecord:
    """One record read from the source: its raw payload and, if mapping worked, the canonical
    record. A record that could not be mapped carries `error` and still gets an outcome."""

    source_id: str
    payload: Any
    position: datetime | None = None  # value of the stream's replication key
    record: BaseModel | None = None
    error: str | None = None


class Stream(Protocol):
    """Reads one entity from a source system, oldest first, in pages.

    A stream with a `replication_key` reads the closed range [since, until]; one without reads
    everything each run (the engine skips what did not change). A stream may name in `echo_of`
    the entity whose writer, in the same system, returns ids of the kind it reads: a record
    Brygga wrote that way (e.g. a credit note made from a shop refund) is then not sent back.
    """

    entity: str
    replication_key: str | None

    def pages(
        self, since: datetime | None, until: datetime
    ) -> AsyncIterator[list[SourceRecord]]: ...


@runtime_checkable
class Fetches(Protocol):
    """A stream that can read given records by source id (a re-sync by id, the record an event
    names) without reading the rest. Optional: without it, the engine reads the whole stream
    and keeps those records."""

    async def fetch(self, source_ids: list[str]) -> list[SourceRecord]: ...


@dataclass
class Written:
    target_id: str
    payload: Any = None


class Writer(Protocol):
    """Writes one entity into a target system, and finds what an earlier run wrote there."""

    entity: str
    reuse_existing: bool  # look for a matching target record before every create

    async def find(self, record: Any) -> Written | None: ...

    async def create(self, record: Any, links: dict[str, str]) -> Written: ...

    async def update(self, target_id: str, record: Any, links: dict[str, str]) -> Written: ...


@dataclass
class Candidate:
    """A record in the target that may be the one being written: its id, its card as the
    target shows it (model.CustomerCard), and the raw record."""

    target_id: str
    card: Any
    payload: Any = None


@runtime_checkable
class SearchesCandidates(Protocol):
    """A customer writer that can list the target's customers that may be a given one, using
    the target's own search filters (e-mail, organisation number, phone, name), never the
    whole register. The engine's de-duplication scores them (brygga.engine.dedupe)."""

    async def candidates(self, card: Any) -> list[Candidate]: ...


@dataclass
class Dependency:
    """A record the target needs first, e.g. the customer of an order. Resolved through the
    same cross-reference as its own flow, so both flows share one target record."""

    writer: Writer
    extract: Callable[[Any], Any]

    @property
    def entity(self) -> str:
        return self.writer.entity


@dataclass
class FlowSpec:
    name: str
    stream: Stream
    writer: Writer
    dependencies: list[Dependency] = field(default_factory=list)
