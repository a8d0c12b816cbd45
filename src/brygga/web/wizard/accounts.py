"""A connection test: what the account behind some credentials holds (company, currencies,
warehouses, price lists, payment methods), or why the system would not say."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError
from brygga.engine.integrations import credential_saver
from brygga.model.account import AccountFacts
from brygga.store import Connection, Database, SecretBox, connection_credentials


@dataclass(frozen=True)
class Found:
    """What a connection test found: the facts, or the message saying what went wrong."""

    system: str
    facts: AccountFacts | None = None
    error: str | None = None


async def try_credentials(system: str, base_url: str, credentials: dict[str, Any]) -> Found:
    """Test credentials not saved yet (a system connected by keys, which never renews them)."""
    return await _describe(system, base_url, credentials, lambda renewed: None)


async def check_connections(
    db: Database, box: SecretBox, connections: list[Connection]
) -> list[Found]:
    """Test saved connections side by side; renewed credentials are stored before use."""
    return list(
        await asyncio.gather(
            *(
                _describe(
                    c.system,
                    c.base_url,
                    connection_credentials(box, c),
                    credential_saver(db, box, c.id),
                )
                for c in connections
            )
        )
    )


async def _describe(system: str, base_url: str, credentials: dict[str, Any], saver: Any) -> Found:
    try:
        client = registry.open_client(system, base_url, credentials, saver)
    except ValueError as exc:  # credentials missing a value the client needs
        return Found(system, error=str(exc))
    try:
        return Found(system, facts=await registry.describe(system, client))
    except ConnectorError as exc:
        return Found(system, error=exc.message)
    except httpx.HTTPError as exc:
        return Found(system, error=f"could not reach {base_url} ({type(exc).__name__})")
    finally:
        await client.aclose()
