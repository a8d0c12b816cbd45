"""What the shared conformance suite (tests/connectors/test_conformance.py) needs to know about
one connector: how to open it against its sandbox, what to read and write, how to make its
credentials expire, and what its seeded account looks like. Each system describes itself in
`cases/<system>.py` as `CASE`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from brygga.model import AccountFacts
from brygga.sandbox.processes import SandboxProcess


@dataclass(frozen=True)
class ConnectorCase:
    system: str
    # The client against a sandbox started with --no-rate-limit (so it must not pace itself).
    open_client: Callable[[SandboxProcess], Any]
    # A stream with a replication key whose sandbox has seeded records to read.
    stream_entity: str
    # A writer, a fresh record for it (unique per `tag`), and the links it needs.
    writer_entity: str
    sample: Callable[[str], BaseModel]
    links: Callable[[Any, str], Awaitable[dict[str, str]]]
    # A record the real API refuses (e.g. an unknown SKU or a missing required field).
    invalid_sample: Callable[[str], BaseModel]
    # Make the sandbox refuse the client's current access token, so the next request gets a
    # 401; `refreshes` says whether the connector can then renew it (a static API key cannot).
    expire_token: Callable[[SandboxProcess, Any], Awaitable[None]]
    refreshes: bool
    # What `describe` finds in the seeded sandbox, and a client whose credentials the system
    # refuses, with the words its error starts with (the wizard shows it as "check your key").
    account: AccountFacts
    refused_client: Callable[[SandboxProcess], Any]
    refusal: str


async def no_links(client: Any, tag: str) -> dict[str, str]:
    return {}
