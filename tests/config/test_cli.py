"""`brygga config validate|apply` as real processes: mistakes at their lines on stdout (or as
JSON) with exit 1; a file applied with its credentials from the environment, which then sync
a Centra and a Fortnox sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from brygga.config import check
from brygga.demo import DEMO_CREDENTIALS
from tests.e2e.pair_states import visible_orders
from tests.support.processes import SandboxProcess, start_sandbox

EXAMPLE = Path(__file__).parents[2] / "examples" / "brygga.yaml"

MISTAKES = """\
connections:
  - name: shop
    system: centra
    base_url: http://127.0.0.1:1
    credentials:
      token: written-here
integrations:
  - name: main
    pair: centra-fortnox
    shop: shop
    erp: books
"""

FILE = """\
workspace: cli-test
connections:
  - name: cli-centra
    system: centra
    base_url: {centra}
    credentials:
      token: ${{CLI_CENTRA_TOKEN}}
    options:
      rate_limit: false
  - name: cli-fortnox
    system: fortnox
    base_url: {fortnox}
    credentials:
      client_id: ${{CLI_FORTNOX_CLIENT_ID}}
      client_secret: ${{CLI_FORTNOX_CLIENT_SECRET}}
      tenant_id: ${{CLI_FORTNOX_TENANT_ID}}
    options:
      rate_limit: false
integrations:
  - name: cli
    pair: centra-fortnox
    shop: cli-centra
    erp: cli-fortnox
    flows:
      orders:
        schedule: {{every: 1m}}
"""


def brygga(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = os.environ | {"BRYGGA_DATABASE_URL": ""} | (env or {})
    command = [sys.executable, "-m", "brygga", *args]
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=300)


def test_validate_prints_each_mistake_at_its_line_and_exits_1(tmp_path):
    path = tmp_path / "brygga.yaml"
    path.write_text(MISTAKES)
    expected = check(MISTAKES, os.environ).problems
    assert len(expected) == 2  # the inline token and the undeclared connection

    shown = brygga("config", "validate", str(path))
    assert shown.returncode == 1, shown.stderr
    assert shown.stdout.splitlines() == [
        f"{path}:{p.line}:{p.column}: {p.message}" for p in expected
    ]
    assert "written-here" not in shown.stdout

    as_json = brygga("config", "validate", str(path), "--json")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == [p.as_dict() for p in expected]


def test_validate_passes_the_example_and_refuses_a_file_it_cannot_read(tmp_path):
    valid = brygga("config", "validate", str(EXAMPLE), "--ignore-env", "--json")
    assert (valid.returncode, json.loads(valid.stdout)) == (0, [])
    missing = brygga("config", "validate", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 2 and "cannot be read" in missing.stderr


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SandboxProcess]]:
    started: dict[str, SandboxProcess] = {}
    try:
        for system, args in (("centra", ("--orders", "6")), ("fortnox", ())):
            directory = tmp_path_factory.mktemp(system)
            started[system] = start_sandbox(system, directory, "--no-rate-limit", *args)
        yield started
    finally:
        for process in started.values():
            process.stop()


def test_an_applied_file_syncs_with_credentials_from_the_environment(sandboxes, tmp_path):
    centra, fortnox = sandboxes["centra"], sandboxes["fortnox"]
    path = tmp_path / "brygga.yaml"
    path.write_text(FILE.format(centra=centra.base_url, fortnox=fortnox.base_url))
    env = {
        f"CLI_{sandbox.system.upper()}_{key.upper()}": str(sandbox.credentials()[key])
        for sandbox in (centra, fortnox)
        for key in DEMO_CREDENTIALS[sandbox.system]
    }
    home = ["--home", str(tmp_path / "home")]

    without = brygga("config", "apply", str(path), *home)
    assert without.returncode == 1 and "CLI_CENTRA_TOKEN is not set" in without.stderr

    applied = brygga("config", "apply", str(path), *home, env=env)
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        "connection cli-centra: created (centra)",
        "connection cli-fortnox: created (fortnox)",
        "integration cli: created (centra-fortnox)",
    ]
    again = brygga("config", "apply", str(path), *home, "--json", env=env)
    assert (again.returncode, json.loads(again.stdout)) == (0, [])

    synced = brygga("sync", "cli", "customers", "orders", *home)
    assert synced.returncode == 0, synced.stderr
    references = Counter(o["ExternalInvoiceReference1"] for o in fortnox.state()["orders"])
    assert references
    assert references == Counter(str(o["number"]) for o in visible_orders(centra.state()))
