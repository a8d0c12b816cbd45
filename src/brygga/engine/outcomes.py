"""What happened to each record, and the counts a run reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass
class Outcome:
    source_id: str
    status: Status
    target_id: str | None = None
    error_class: str | None = None
    message: str | None = None
    source_payload: Any = None
    target_payload: Any = None
    record: Any = None  # the canonical record, kept with a failure so it can be retried


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, status: Status) -> None:
        self.read += 1
        setattr(self, status.value, getattr(self, status.value) + 1)

    def __add__(self, other: Counts) -> Counts:
        mine, theirs = self.as_dict(), other.as_dict()
        return Counts(**{name: mine[name] + theirs[name] for name in mine})

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
