"""A Centra + Visma.net integration whose orders of one SKU fail because Visma.net does not
know that item (deactivated before the first sync), with people and API tokens of every role
in its workspace and an owner of another workspace: what the configuration API and pages are
tested on. The fix is a value map of that SKU to another item (`spare`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from brygga.connectors import registry
from brygga.connectors.vismanet.writers import item_path
from brygga.engine import error_queue
from brygga.engine.integrations import integration_named, open_clients, sync
from brygga.store import api_tokens, users, workspaces
from brygga.store.workspaces import DEFAULT_WORKSPACE, ROLES
from tests.support.integrations import SandboxIntegration, sandbox_integration

T = TypeVar("T")

NAME = "shop-erp"
OTHER_WORKSPACE = "elsewhere"
PASSWORD = "correct horse battery"


@dataclass
class Broken:
    """The integration, the SKU Visma.net refuses, an item it knows, and the orders that
    failed."""

    sandboxes: SandboxIntegration
    sku: str
    spare: str
    failed_orders: set[str]
    tokens: dict[str, str] = field(default_factory=dict)  # by role, and "other"
    emails: dict[str, str] = field(default_factory=dict)  # by role, and "other"


@contextmanager
def broken_integration(tmp_path_factory: pytest.TempPathFactory, tag: str) -> Iterator[Broken]:
    with sandbox_integration(tmp_path_factory, "centra", "vismanet", "--orders", "8") as found:
        found.configure(NAME, "centra-vismanet")
        sku, spare = _in_a_thread(_retire_a_sold_item(found))
        report = _in_a_thread(sync(found.db, found.box, NAME, flows=["customers", "orders"]))
        broken = Broken(found, sku, spare, _failed_orders(found), **_people(found, tag))
        assert report.flows["orders"].failed == len(broken.failed_orders) >= 1, report
        yield broken


def _in_a_thread(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` on an event loop of its own thread: a browser test before this one leaves
    Playwright's loop running in the main thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


async def _retire_a_sold_item(found: SandboxIntegration) -> tuple[str, str]:
    """Deactivate in Visma.net the item of the first shop order's first line, so every order
    of it is refused; and name another item the orders sell, which stays active."""
    with found.db.session() as session:
        clients = open_clients(found.db, found.box, integration_named(session, NAME))
    try:
        stream = registry.stream("centra", "order", clients["centra"], {})
        orders: list[set[str]] = []
        async for page in stream.pages(None, datetime.now(UTC)):
            orders += [{line.sku for line in item.record.lines} for item in page if item.record]
        sku = min(orders[0])
        # An item no order of `sku` has, so a mapped order shows which item it is sent with.
        spare = min(set().union(*orders) - set().union(*(o for o in orders if sku in o)))
        await clients["vismanet"].put(item_path(sku), {"status": {"value": "Inactive"}})
    finally:
        for client in clients.values():
            await client.aclose()
    return sku, spare


def _failed_orders(found: SandboxIntegration) -> set[str]:
    with found.db.session() as session:
        rows = error_queue.find(session, error_queue.Filter(integration=NAME, flow="orders"))
        return {row.source_id for row in rows}


def _people(found: SandboxIntegration, tag: str) -> dict[str, dict[str, str]]:
    """A user and an API token of each role in the integration's workspace, and an owner of
    another workspace."""
    tokens, emails = {}, {}
    with found.db.session() as session:
        home = workspaces.workspace_named(session, DEFAULT_WORKSPACE)
        other = workspaces.workspace_named(session, OTHER_WORKSPACE, create=True)
        for role, workspace in [*((r, home) for r in ROLES), ("other", other)]:
            email = f"{role}-{tag}@example.com"
            user = users.create_user(session, email, PASSWORD)
            workspaces.join(session, user.id, workspace, role if role in ROLES else "owner")
            emails[role] = email
            tokens[role] = api_tokens.issue(
                session, f"{tag}-{role}", workspace=workspace.name,
                role=role if role in ROLES else "owner",
            )  # fmt: skip
    return {"tokens": tokens, "emails": emails}
