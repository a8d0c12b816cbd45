"""Re-sync by record id, end to end against the Centra and Fortnox sandboxes: an order someone
edited in Fortnox is written again from Centra on request (`brygga sync ... --ids`), once, with
the flow's cursor left where it was; an unknown id is named; a stream that cannot fetch by id
(Centra customers) is read through and still writes only the records asked for."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from brygga.engine.integrations import (
    integration_named,
    open_clients,
    resync,
    sync,
)
from brygga.engine.outcomes import Status
from brygga.store import Cursor, Flow
from tests.support.integrations import SandboxIntegration as Setup
from tests.support.integrations import sandbox_integration

NAME = "resync-test"


def cursor_of(setup: Setup, flow: str) -> Any:
    with setup.db.session() as session:
        flow_id = session.scalar(select(Flow.id).where(Flow.name == flow))
        found = session.get(Cursor, flow_id)
        return found.value if found else None


def fortnox_orders(setup: Setup) -> list[dict[str, Any]]:
    return setup.erp.state()["orders"]


async def edit_in_fortnox(setup: Setup, document_number: str, change: dict[str, Any]) -> None:
    """What a person in Fortnox does, through the API with the integration's own grant."""
    with setup.db.session() as session:
        clients = open_clients(setup.db, setup.box, integration_named(session, NAME))
    try:
        path = f"/3/orders/{document_number}"
        await clients["fortnox"].http.request("PUT", path, json={"Order": change})
    finally:
        for client in clients.values():
            await client.aclose()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "8") as sandboxes:
        sandboxes.configure(NAME, "centra-fortnox")
        report = asyncio.run(sync(sandboxes.db, sandboxes.box, NAME, flows=["customers", "orders"]))
        assert report.ok and report.flows["orders"].created >= 5, report
        yield sandboxes


def brygga_sync(setup: Setup, *args: str) -> subprocess.CompletedProcess[str]:
    home = str(setup.home)
    command = [sys.executable, "-m", "brygga", "sync", NAME, *args, "--home", home]
    env = os.environ | {"BRYGGA_DATABASE_URL": ""}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_an_order_edited_in_the_erp_is_written_again_on_request(setup: Setup):
    order = fortnox_orders(setup)[0]
    number, document = order["ExternalInvoiceReference1"], order["DocumentNumber"]
    city = order["DeliveryCity"]
    asyncio.run(edit_in_fortnox(setup, document, {"DeliveryCity": "Fel stad"}))
    cursor = cursor_of(setup, "orders")

    # A normal run sees nothing new in Centra, so the edit stays.
    report = asyncio.run(sync(setup.db, setup.box, NAME, flows=["orders"]))
    assert report.flows["orders"].updated == 0 and report.flows["orders"].created == 0
    assert _by_number(setup)[number]["DeliveryCity"] == "Fel stad"

    done = brygga_sync(setup, "orders", "--ids", f"{number},999999")
    assert done.returncode == 1, done.stdout + done.stderr  # one id is unknown
    assert f"orders {number} → {document}: updated" in done.stdout
    assert "not found in the source: 999999" in done.stderr
    orders = [o for o in fortnox_orders(setup) if o["ExternalInvoiceReference1"] == number]
    assert len(orders) == 1 and orders[0]["DeliveryCity"] == city
    assert cursor_of(setup, "orders") == cursor

    again = brygga_sync(setup, "orders", "--ids", number)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(_by_number(setup)) == len(fortnox_orders(setup))  # still one order each


def test_a_stream_without_fetch_by_id_is_read_through_for_the_records_asked_for(
    setup: Setup,
):
    customers = setup.erp.state()["customers"]
    before = len(customers)
    done = asyncio.run(resync(setup.db, setup.box, NAME, "customers", ["1", "2", "nobody"]))
    assert sorted(o.source_id for o in done.outcomes) == ["1", "2"]
    assert {o.status for o in done.outcomes} == {Status.UPDATED}
    assert done.missing == ["nobody"]
    assert len(setup.erp.state()["customers"]) == before


def test_ids_need_one_named_flow(setup: Setup):
    done = brygga_sync(setup, "--ids", "1")
    assert done.returncode == 2 and "name the flow, alone" in done.stderr
    with pytest.raises(ValueError, match="has no flow stock-levels"):
        asyncio.run(resync(setup.db, setup.box, NAME, "stock-levels", ["1"]))


def _by_number(setup: Setup) -> dict[str, dict[str, Any]]:
    return {o["ExternalInvoiceReference1"]: o for o in fortnox_orders(setup)}
