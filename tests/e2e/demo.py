"""Run `brygga demo` as a real process, as a user or a script would."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def demo_command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "brygga", "demo", "--once", "--json", "--home", str(home), *args]


def run_demo(home: Path, *args: str, timeout: float = 600) -> dict[str, Any]:
    done = subprocess.run(
        demo_command(home, *args), capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"demo exited {done.returncode}:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)


def load_states(directory: Path, pair: str = "centra-fortnox") -> dict[str, Any]:
    """Each sandbox's state as `--state-dir` wrote it, by system."""
    return {path.stem: json.loads(path.read_text()) for path in (directory / pair).glob("*.json")}


def visible_order_numbers(centra: dict[str, Any]) -> set[str]:
    """Orders on hold are hidden by Centra and must not be synced (centra.md §4.1)."""
    return {str(order["number"]) for order in centra["orders"] if not order["isOnHold"]}


def fortnox_order_references(fortnox: dict[str, Any]) -> Counter[str]:
    return Counter(order["ExternalInvoiceReference1"] for order in fortnox["orders"])


def erp_customers(database: str, integration: str) -> dict[str, str]:
    """Which ERP customer each shop customer became, from Brygga's cross-reference."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT x.source_id, x.target_id FROM cross_references x "
            "JOIN integrations i ON i.id = x.integration_id "
            "WHERE i.name = ? AND x.entity = 'customer'",
            (integration,),
        )
        return dict(rows.fetchall())
