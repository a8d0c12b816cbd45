"""A revoked Fortnox grant end to end (DESIGN.md invariant 4): a Centra + Fortnox integration on
an authorization-code connection loses its grant mid-use. The connection turns "reconnect
required" with an alert, nothing is retried in a loop, and once reconnected the flow resumes
where it stopped, every order in Fortnox exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, configure, sync
from brygga.store import Connection, Database, SecretBox, connection_credentials
from tests.connectors.cases.fortnox import SCOPE, code_grant
from tests.support.processes import SandboxProcess, start_sandbox

NAME = "reconnect-test"


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SandboxProcess]]:
    started = {
        "centra": start_sandbox("centra", tmp_path_factory.mktemp("centra"), "--no-rate-limit",
                                "--orders", "12"),
        "fortnox": start_sandbox("fortnox", tmp_path_factory.mktemp("fortnox"), "--no-rate-limit"),
    }  # fmt: skip
    yield started
    for sandbox in started.values():
        sandbox.stop()


def connect(db: Database, box: SecretBox, sandboxes: dict[str, SandboxProcess]) -> None:
    """Configure the integration with a fresh consent for Fortnox, as the wizard will."""
    centra, fortnox = sandboxes["centra"], sandboxes["fortnox"]
    grant, demo = code_grant(fortnox, SCOPE), fortnox.credentials()
    expires_at = int(time.time()) + grant["expires_in"]
    credentials = {"client_id": demo["client_id"], "client_secret": demo["client_secret"],
                   "refresh_token": grant["refresh_token"], "access_token": grant["access_token"],
                   "expires_at": expires_at, "rate_limit": False}  # fmt: skip
    shop = ConnectionSettings("shop", "centra", centra.base_url,
                              connection_settings(centra, rate_limit=False))  # fmt: skip
    erp = ConnectionSettings("erp", "fortnox", fortnox.base_url, credentials)
    configure(db, box, name=NAME, pair="centra-fortnox", shop=shop, erp=erp)


def revoke_the_grant(db: Database, box: SecretBox, fortnox: SandboxProcess) -> None:
    """The merchant revokes Brygga's access in Fortnox, and the access token runs out."""
    with db.session() as session:
        stored = session.query(Connection).filter_by(name="erp").one()
        token = connection_credentials(box, stored)["refresh_token"]
    demo = fortnox.credentials()
    auth = httpx.BasicAuth(demo["client_id"], demo["client_secret"])
    form = {"token": token, "token_type_hint": "refresh_token"}
    answer = httpx.post(f"{fortnox.base_url}/oauth-v1/revoke", data=form, auth=auth)
    assert answer.json() == {"revoked": True}
    httpx.post(f"{fortnox.base_url}/_sandbox/expire-tokens").raise_for_status()


def alerts(home: Any) -> list[dict[str, Any]]:
    command = [sys.executable, "-m", "brygga", "alerts", "--all", "--json", "--home", str(home)]
    env = os.environ | {"BRYGGA_DATABASE_URL": ""}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_revoked_grant_asks_for_a_reconnect_and_resumes_after_it(sandboxes, tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    db.migrate()
    box = SecretBox.from_environment(tmp_path)
    connect(db, box, sandboxes)
    first = asyncio.run(sync(db, box, NAME, flows=["customers"]))
    assert first.ok and first.flows["customers"].created > 0

    revoke_the_grant(db, box, sandboxes["fortnox"])
    refused = asyncio.run(sync(db, box, NAME, flows=["orders"]))
    assert "reconnect" in refused.errors["orders"]
    # One request met the expired token; its refresh was refused; nothing more was tried.
    assert refused.requests["fortnox"].requests == 1
    with db.session() as session:
        assert session.query(Connection).filter_by(name="erp").one().status == "reconnect_required"
    (alert,) = alerts(tmp_path)
    assert alert["kind"] == "reconnect_required" and alert["resolved_at"] is None
    assert "connection erp (fortnox) needs reconnecting" in alert["message"]

    again = asyncio.run(sync(db, box, NAME))  # the next scheduled run: no loop
    assert again.requests["fortnox"].requests == 0
    assert all("needs reconnecting" in message for message in again.errors.values())
    assert again.flows == {}  # every flow touches the refused connection

    connect(db, box, sandboxes)  # the merchant consents again
    (alert,) = alerts(tmp_path)
    assert alert["resolved_at"] is not None
    resumed = asyncio.run(sync(db, box, NAME, flows=["orders"]))
    assert resumed.ok and resumed.flows["orders"].failed == 0
    shop = [o for o in sandboxes["centra"].state()["orders"] if not o["isOnHold"]]
    booked = Counter(o["ExternalInvoiceReference1"] for o in sandboxes["fortnox"].state()["orders"])
    assert {str(o["number"]) for o in shop} <= set(booked) and set(booked.values()) == {1}
    db.dispose()
