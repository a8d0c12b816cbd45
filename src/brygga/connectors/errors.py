"""How a failed call is classified, so the engine knows whether to retry, park or alert."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorClass(StrEnum):
    TRANSIENT = "transient"
    RATE_LIMIT = "rate_limit"
    AUTH = "auth"
    DATA = "data"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    # Perhaps a customer the target already has: a person decides (brygga.engine.dedupe).
    POSSIBLE_DUPLICATE = "duplicate?"

    @property
    def retryable(self) -> bool:
        return self in (ErrorClass.TRANSIENT, ErrorClass.RATE_LIMIT)


class ConnectorError(Exception):
    """A call the remote system refused or could not answer, with a message a merchant can act
    on. `retry_after` (seconds) is set when the server said when to come back."""

    def __init__(
        self,
        error_class: ErrorClass,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        payload: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.status = status
        self.code = code
        self.payload = payload
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status else "no response"
        code = f", code {self.code}" if self.code else ""
        return f"{self.message} ({self.error_class}, {where}{code})"


def error_class_for_status(status: int) -> ErrorClass:
    if status == 429:
        return ErrorClass.RATE_LIMIT
    if status in (401, 403):
        return ErrorClass.AUTH
    if status == 404:
        return ErrorClass.NOT_FOUND
    if status == 409:
        return ErrorClass.CONFLICT
    if status >= 500 or status == 408:
        return ErrorClass.TRANSIENT
    return ErrorClass.DATA
