"""`brygga.config.apply`: the file's connections and integrations in the store, through the
engine's `configure`; applying twice changes nothing the second time, and nothing the file
does not name is touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.config import ConfigError, apply
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.pairs import pair_template
from brygga.runtime import schedules
from brygga.store import (
    Connection,
    Database,
    Flow,
    Integration,
    SecretBox,
    connection_credentials,
    save_connection,
)
from brygga.store.connections import require_reconnect

FILE = """\
workspace: acme
connections:
  - name: acme-centra
    system: centra
    base_url: http://127.0.0.1:9/graphql
    credentials:
      token: ${ACME_CENTRA_TOKEN}
    options:
      rate_limit: false
  - name: acme-fortnox
    system: fortnox
    base_url: http://127.0.0.1:9
    credentials:
      client_id: brygga
      client_secret: ${ACME_FORTNOX_SECRET}
      tenant_id: ${ACME_FORTNOX_TENANT}
integrations:
  - name: acme
    pair: centra-fortnox
    shop: acme-centra
    erp: acme-fortnox
    paused: true
    flows:
      orders:
        schedule: {every: 1m, jitter: 10s}
        settings: {sales_account: 3001}
        value_maps:
          lines.sku: {GIFT-WRAP: "9001"}
      products:
        enabled: false
"""
ENVIRON = {
    "ACME_CENTRA_TOKEN": "centra-token-1",
    "ACME_FORTNOX_SECRET": "fortnox-secret",
    "ACME_FORTNOX_TENANT": "4711",
}
# A Fortnox connection as the setup wizard leaves it after the merchant's consent.
CONSENTED = {"client_id": "app", "client_secret": "s", "refresh_token": "r1"}


@pytest.fixture
def box(tmp_path: Path) -> SecretBox:
    return SecretBox.from_environment(tmp_path)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    database.migrate()
    yield database
    database.dispose()


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brygga.yaml"
    path.write_text(text)
    return path


def rows(db: Database, box: SecretBox) -> dict[str, Any]:
    """Everything apply may write, as stored (credentials both encrypted and readable)."""
    with db.session() as session:
        connections = {
            c.name: (
                c.workspace.name,
                c.system,
                c.base_url,
                c.status,
                c.credentials,
                connection_credentials(box, c),
                c.updated_at,
            )
            for c in session.scalars(select(Connection))
        }
        integrations = {
            i.name: (
                i.workspace.name,
                i.pair,
                i.shop_connection.name,
                i.erp_connection.name,
                i.paused,
            )
            for i in session.scalars(select(Integration))
        }
        flows = {
            (f.integration.name, f.name): (f.enabled, f.source, f.target, f.settings)
            for f in session.scalars(select(Flow))
        }
    return {"connections": connections, "integrations": integrations, "flows": flows}


def test_a_file_applies_and_applying_it_again_changes_nothing(database_url, tmp_path, box):
    db = Database(database_url)
    db.migrate()
    path = written(tmp_path, FILE)
    try:
        changes = apply(db, box, path, environ=ENVIRON)
        assert changes == [
            "connection acme-centra: created (centra)",
            "connection acme-fortnox: created (fortnox)",
            "integration acme: created (centra-fortnox)",
            "integration acme: paused",
        ]
        first = rows(db, box)
        connections = first["connections"]
        assert connections["acme-centra"][:4] == (
            "acme",
            "centra",
            "http://127.0.0.1:9/graphql",
            "active",
        )
        assert connections["acme-centra"][5] == {"token": "centra-token-1", "rate_limit": False}
        assert connections["acme-fortnox"][5] == {
            "client_id": "brygga",
            "client_secret": "fortnox-secret",
            "tenant_id": "4711",
        }
        assert "centra-token-1" not in connections["acme-centra"][4]  # encrypted at rest
        assert first["integrations"] == {
            "acme": ("acme", "centra-fortnox", "acme-centra", "acme-fortnox", True)
        }
        flows = first["flows"]
        assert {name for integration, name in flows} == {
            flow.name for flow in pair_template("centra-fortnox").flows
        }
        orders = flows[("acme", "orders")]
        assert orders[:3] == (True, "centra", "fortnox")
        assert orders[3] == {
            "sales_account": 3001,
            "value_maps": {"lines.sku": {"GIFT-WRAP": "9001"}},
            "schedule": {"every": "1m", "jitter": "10s"},
        }
        # The runtime reads the schedule as written.
        assert schedules.jobs("orders", orders[3])[schedules.SYNC].every.total_seconds() == 60
        assert flows[("acme", "products")][0] is False
        assert flows[("acme", "customers")] == (True, "centra", "fortnox", {})

        assert apply(db, box, path, environ=ENVIRON) == []
        assert rows(db, box) == first

        rotated = ENVIRON | {"ACME_CENTRA_TOKEN": "centra-token-2"}
        assert apply(db, box, path, environ=rotated) == [
            "connection acme-centra: credentials changed"
        ]
        after = rows(db, box)
        assert after["connections"]["acme-centra"][5]["token"] == "centra-token-2"
        assert after["connections"]["acme-fortnox"] == connections["acme-fortnox"]
        assert after["flows"] == flows
    finally:
        db.dispose()


def test_changed_flows_are_said_and_stored(db, tmp_path, box):
    path = written(tmp_path, FILE)
    apply(db, box, path, environ=ENVIRON)
    changed = FILE.replace("settings: {sales_account: 3001}", "settings: {sales_account: 3002}")
    changed = changed.replace("enabled: false", "enabled: true").replace(
        "paused: true", "paused: false"
    )
    changes = apply(db, box, written(tmp_path, changed), environ=ENVIRON)
    assert changes == [
        "integration acme: flow orders settings changed",
        "integration acme: flow products switched on",
        "integration acme: resumed",
    ]
    stored = rows(db, box)
    assert stored["flows"][("acme", "orders")][3]["sales_account"] == 3002
    assert stored["flows"][("acme", "products")][0] is True
    assert stored["integrations"]["acme"][4] is False


def test_what_the_file_does_not_name_is_left_as_it_is(db, tmp_path, box):
    configure(
        db,
        box,
        name="other",
        pair="centra-fortnox",
        shop=ConnectionSettings("other-centra", "centra", "http://127.0.0.1:8", {"token": "o"}),
        erp=ConnectionSettings("other-fortnox", "fortnox", "http://127.0.0.1:8", CONSENTED),
        flows={"stock": FlowChoice(enabled=False)},
    )
    before = rows(db, box)
    path = written(tmp_path, FILE)
    apply(db, box, path, environ=ENVIRON)
    with db.session() as session:  # the dashboard changes a flow the file does not list
        flow = session.scalar(
            select(Flow)
            .join(Integration)
            .where(Integration.name == "acme", Flow.name == "customers")
        )
        flow.settings = {"lookback_seconds": 600}
    assert apply(db, box, path, environ=ENVIRON) == []
    after = rows(db, box)
    assert after["flows"][("acme", "customers")][3] == {"lookback_seconds": 600}
    for name in ("other-centra", "other-fortnox"):
        assert after["connections"][name] == before["connections"][name]
    assert {key: value for key, value in after["flows"].items() if key[0] == "other"} == before[
        "flows"
    ]
    assert after["integrations"]["other"] == before["integrations"]["other"]


EXISTING = FILE.replace(
    """\
    base_url: http://127.0.0.1:9
    credentials:
      client_id: brygga
      client_secret: ${ACME_FORTNOX_SECRET}
      tenant_id: ${ACME_FORTNOX_TENANT}
""",
    "    existing: true\n",
)


def wizard_connection(session: Session, box: SecretBox) -> Connection:
    return save_connection(
        session,
        box,
        name="acme-fortnox",
        system="fortnox",
        base_url="http://127.0.0.1:7",
        credentials=CONSENTED,
        workspace="acme",
    )


def test_a_connection_made_by_consent_must_exist_and_is_only_named(db, tmp_path, box):
    path = written(tmp_path, EXISTING)
    with pytest.raises(ConfigError) as refused:
        apply(db, box, path, environ=ENVIRON)
    name_line = EXISTING.splitlines().index("  - name: acme-fortnox") + 1
    assert [(p.line, p.column) for p in refused.value.problems] == [(name_line, 11)]
    assert "connect fortnox by consent, in the setup wizard" in refused.value.problems[0].message
    assert rows(db, box)["connections"] == {}  # nothing was written

    with db.session() as session:  # the wizard, after the consent
        wizard_connection(session, box)
    assert "integration acme: created (centra-fortnox)" in apply(db, box, path, environ=ENVIRON)
    stored = rows(db, box)
    assert stored["connections"]["acme-fortnox"][2] == "http://127.0.0.1:7"
    assert stored["connections"]["acme-fortnox"][5] == CONSENTED
    assert stored["integrations"]["acme"][3] == "acme-fortnox"
    assert apply(db, box, path, environ=ENVIRON) == []


def test_an_integration_on_a_connection_to_reconnect_is_not_changed(db, tmp_path, box):
    with db.session() as session:
        connection = wizard_connection(session, box)
        require_reconnect(session, connection, "invalid_grant")
    with pytest.raises(ConfigError) as refused:
        apply(db, box, written(tmp_path, EXISTING), environ=ENVIRON)
    erp_line = EXISTING.splitlines().index("    erp: acme-fortnox") + 1
    assert [p.line for p in refused.value.problems] == [erp_line]
    assert "needs reconnecting" in refused.value.problems[0].message
    assert rows(db, box)["connections"]["acme-fortnox"][3] == "reconnect_required"


def test_a_dry_run_says_what_would_change_and_writes_nothing(db, tmp_path, box):
    changes = apply(db, box, written(tmp_path, FILE), environ=ENVIRON, dry_run=True)
    assert "integration acme: created (centra-fortnox)" in changes
    assert rows(db, box) == {"connections": {}, "integrations": {}, "flows": {}}


def test_names_taken_in_another_workspace_and_a_changed_pair_are_refused(db, tmp_path, box):
    apply(db, box, written(tmp_path, FILE), environ=ENVIRON)
    before = rows(db, box)
    elsewhere = FILE.replace("workspace: acme", "workspace: globex")
    with pytest.raises(ConfigError) as refused:
        apply(db, box, written(tmp_path, elsewhere), environ=ENVIRON)
    lines = elsewhere.splitlines()
    expected = [
        lines.index(line) + 1
        for line in ("  - name: acme-centra", "  - name: acme-fortnox", "  - name: acme")
    ]
    assert [p.line for p in refused.value.problems] == expected
    assert all("another workspace" in p.message for p in refused.value.problems)
    repaired = FILE.replace("pair: centra-fortnox", "pair: centra-vismanet").replace(
        "system: fortnox", "system: vismanet"
    )
    with pytest.raises(ConfigError) as refused:
        apply(db, box, written(tmp_path, repaired), environ=ENVIRON)
    assert {p.line for p in refused.value.problems} == {
        repaired.splitlines().index("    system: vismanet") + 1,
        repaired.splitlines().index("    pair: centra-vismanet") + 1,
    }
    assert rows(db, box) == before


def test_a_file_with_mistakes_is_not_applied(db, tmp_path, box):
    with pytest.raises(ConfigError) as refused:
        apply(db, box, written(tmp_path, FILE), environ={})
    assert len(refused.value.problems) == len(ENVIRON)
    assert rows(db, box)["connections"] == {}
