"""The error queue end to end: a Centra + Fortnox integration whose orders Fortnox refuses (an
inactive sales account), then the operator's tools over the real CLI (`brygga errors list,
show, retry, skip`) with the sandboxes up. Every refused order is filed with what to fix and
the record to retry; a later success resolves it; a skipped record is passed over until it
changes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from brygga.demo import connection_settings
from brygga.engine.dry_run import changes
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure, sync
from brygga.store import CrossReference, Cursor, Database, RecordOutcome, Run, SecretBox
from tests.support.processes import SandboxProcess, start_sandbox

NAME = "queue-test"
REFUSING = {"sales_accounts": {"25": 3990, "12": 3990, "6": 3990}}  # 3990 is inactive


@dataclass
class Setup:
    home: Path
    db: Database
    box: SecretBox
    fortnox: SandboxProcess

    def brygga(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "brygga", "errors", *args, "--home", str(self.home)]
        env = os.environ | {"BRYGGA_DATABASE_URL": ""}
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)

    def errors(self, *args: str) -> list[dict[str, Any]]:
        done = self.brygga("list", "--json", *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def configure(self, order_settings: dict[str, Any], shop: SandboxProcess) -> None:
        systems = {"centra": shop, "fortnox": self.fortnox}
        shop_settings, erp_settings = (
            ConnectionSettings(system, system, sandbox.base_url,
                               connection_settings(sandbox, rate_limit=False))
            for system, sandbox in systems.items()
        )  # fmt: skip
        choices = {"orders": FlowChoice(settings=order_settings)}
        configure(self.db, self.box, name=NAME, pair="centra-fortnox", shop=shop_settings,
                  erp=erp_settings, flows=choices)  # fmt: skip


@pytest.fixture(scope="module")
def centra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox("centra", tmp_path_factory.mktemp("centra"), "--no-rate-limit",
                            "--orders", "12")  # fmt: skip
    yield process
    process.stop()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, centra: SandboxProcess) -> Iterator[Setup]:
    fortnox = start_sandbox("fortnox", tmp_path_factory.mktemp("fortnox"), "--no-rate-limit")
    home = tmp_path_factory.mktemp("home")
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    db.migrate()
    found = Setup(home, db, SecretBox.from_environment(home), fortnox)
    found.configure(REFUSING, centra)
    report = asyncio.run(sync(db, found.box, NAME, flows=["customers", "orders"]))
    assert report.flows["orders"].failed > 2, report
    yield found
    db.dispose()
    fortnox.stop()


def fortnox_orders(setup: Setup) -> dict[str, dict[str, Any]]:
    orders = setup.fortnox.state()["orders"]
    return {order["ExternalInvoiceReference1"]: order for order in orders}


def test_refused_records_are_filed_with_what_to_fix(setup: Setup):
    found = setup.errors("--flow", "orders")
    assert found and {error["class"] for error in found} == {"data"}
    assert all("account 3990" in e["message"] and "sales_accounts" in e["message"]
               for e in found)  # fmt: skip
    assert {e["integration"] for e in found} == {NAME} and all(e["attempts"] == 1 for e in found)
    shown = setup.brygga("show", str(found[0]["id"]), "--json")
    assert shown.returncode == 0, shown.stderr
    detail = json.loads(shown.stdout)
    assert detail["record_type"] == "Order" and detail["record"]["number"] == found[0]["source_id"]
    assert detail["source_payload"]["number"] is not None


def test_retry_with_the_setting_fixed_resolves_and_skip_passes_over(setup: Setup, centra):
    found = setup.errors("--flow", "orders")
    first, skipped, *rest = found
    # Retried as it is: the setting is still wrong, so it fails again, one more attempt.
    again = setup.brygga("retry", str(first["id"]), "--json")
    assert again.returncode == 1
    assert json.loads(again.stdout)[0]["status"] == "failed"
    assert setup.errors("--flow", "orders")[0]["attempts"] == 2

    setup.configure({}, centra)  # the operator corrects sales_accounts
    done = setup.brygga("retry", str(first["id"]), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)[0]["status"] == "created"
    assert first["source_id"] in fortnox_orders(setup)

    assert setup.brygga("skip", str(skipped["id"]), "--reason", "booked by hand").returncode == 0
    bulk = setup.brygga("retry", "--all", "--flow", "orders", "--json")
    assert bulk.returncode == 0, bulk.stdout + bulk.stderr
    assert sorted(r["source_id"] for r in json.loads(bulk.stdout)) == sorted(
        e["source_id"] for e in rest
    )
    assert setup.errors() == []
    resolved = setup.errors("--status", "resolved")
    assert sorted(e["source_id"] for e in resolved) == sorted(
        e["source_id"] for e in [first, *rest]
    )
    (skip,) = setup.errors("--status", "skipped")
    assert skip["resolution"] == "skipped: booked by hand"

    # The next run passes the skipped order over: nothing fails, nothing is written for it.
    report = asyncio.run(sync(setup.db, setup.box, NAME, flows=["orders"]))
    assert report.flows["orders"].failed == 0
    assert skipped["source_id"] not in fortnox_orders(setup)


def test_an_invalid_edit_is_refused_and_changes_nothing(setup: Setup, tmp_path: Path):
    (skip,) = setup.errors("--status", "skipped")
    broken = tmp_path / "order.json"
    broken.write_text(json.dumps({"number": skip["source_id"], "lines": []}))
    done = setup.brygga("retry", str(skip["id"]), "--edit", str(broken))
    assert done.returncode == 2 and "is not valid" in done.stderr
    detail = json.loads(setup.brygga("show", str(skip["id"]), "--json").stdout)
    assert detail["edited_record"] is None and detail["status"] == "skipped"


def test_retry_with_an_edited_record_writes_the_edit(setup: Setup, tmp_path: Path):
    (skip,) = setup.errors("--status", "skipped")
    record = json.loads(setup.brygga("show", str(skip["id"]), "--json").stdout)["record"]
    record["shipping_address"]["city"] = "Rättvik"
    edited = tmp_path / "order.json"
    edited.write_text(json.dumps(record))
    done = setup.brygga("retry", str(skip["id"]), "--edit", str(edited), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)[0]["status"] == "created"
    assert fortnox_orders(setup)[skip["source_id"]]["DeliveryCity"] == "Rättvik"
    assert setup.errors("--status", "skipped") == []


def test_sync_since_moves_the_cursor_back_and_writes_nothing_twice(setup: Setup):
    before = len(setup.fortnox.state()["orders"])
    command = [sys.executable, "-m", "brygga", "sync", NAME, "orders", "--since", "2020-01-01",
               "--home", str(setup.home)]  # fmt: skip
    env = os.environ | {"BRYGGA_DATABASE_URL": ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "orders: cursor moved back" in done.stderr
    assert len(setup.fortnox.state()["orders"]) == before  # re-read, none written again


def test_dry_run_shows_what_would_be_written_and_writes_nothing(setup: Setup, centra):
    httpx.post(f"{centra.base_url}/_sandbox/simulate", json={"orders": 3}, timeout=120)
    fortnox_before = setup.fortnox.state()
    with setup.db.session() as session:
        kept = [session.scalar(select(func.count()).select_from(table))
                for table in (RecordOutcome, CrossReference, Run)]  # fmt: skip
        cursors = [cursor.value for cursor in session.scalars(select(Cursor))]
    command = [sys.executable, "-m", "brygga", "sync", NAME, "orders", "--dry-run", "--json",
               "--home", str(setup.home)]  # fmt: skip
    env = os.environ | {"BRYGGA_DATABASE_URL": ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    planned = [entry for entry in json.loads(done.stdout) if entry["action"] != "skip"]
    assert len(planned) == 3 and {entry["action"] for entry in planned} == {"create"}
    orders = [e for e in planned if e["request"].endswith("/3/orders")]
    assert orders, planned
    for entry in orders:
        assert entry["request"].startswith("POST ")
        assert entry["body"]["Order"]["ExternalInvoiceReference1"] == entry["source_id"]
    assert setup.fortnox.state() == fortnox_before  # nothing written to Fortnox
    with setup.db.session() as session:  # nor to Brygga's own store
        assert kept == [session.scalar(select(func.count()).select_from(table))
                        for table in (RecordOutcome, CrossReference, Run)]  # fmt: skip
        assert cursors == [cursor.value for cursor in session.scalars(select(Cursor))]


def test_a_dry_run_update_lists_the_fields_it_would_change():
    before = {"CustomerNumber": "7", "DeliveryCity": "Mora", "Freight": "49.00"}
    body = {"Order": {"CustomerNumber": "7", "DeliveryCity": "Rättvik", "Freight": 49}}
    assert changes(before, body) == ["DeliveryCity: Mora → Rättvik"]
    visma = {"name": {"value": "Ny AB"}, "mainAddress": {"value": {"city": {"value": "Umeå"}}}}
    assert changes({"name": "Gammal AB", "mainAddress": {"city": "Umeå"}}, visma) == [
        "name: Gammal AB → Ny AB"
    ]
