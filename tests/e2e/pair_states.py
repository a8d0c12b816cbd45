"""One demo pair run end to end, and what its sandboxes hold afterwards.

A test module runs `brygga demo --once --pair PAIR` once (a module-scoped fixture around
`run_pair`) and compares the target systems' states with the source systems' field by field.
Every number in a state is a Decimal (JSON floats are parsed as Decimal, never float), so money
compares to the cent.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from brygga.sandbox.seed import generate
from tests.e2e.demo import run_demo

Record = dict[str, Any]
CENT = Decimal("0.01")


def cents(value: Any) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def load_state(path: Path) -> Record:
    return json.loads(path.read_text(), parse_float=Decimal)


@dataclass
class PairRun:
    """The demo's JSON summary for one pair, and its sandboxes' states by system name."""

    pair: str
    home: Path
    report: Record  # the pair's entry of `integrations` in the `--json` document
    states: dict[str, Record]

    @property
    def flows(self) -> dict[str, dict[str, int]]:
        return self.report["flows"]

    def failures(self, flow: str) -> list[Record]:
        """The failed records of the flow's latest run: source id, error class, message and
        the source payload, as the engine kept them in the database."""
        query = """
            SELECT o.source_id, o.error_class, o.message, o.source_payload
            FROM record_outcomes o
            JOIN flows f ON f.id = o.flow_id
            JOIN integrations i ON i.id = f.integration_id
            WHERE i.name = ? AND f.name = ? AND o.status = 'failed'
              AND o.run_id = (SELECT max(run_id) FROM record_outcomes WHERE flow_id = f.id)
            ORDER BY o.id
        """
        with sqlite3.connect(self.home / "brygga.db") as db:
            rows = db.execute(query, (self.pair, flow)).fetchall()
        return [
            {
                "source_id": source_id,
                "error_class": error_class,
                "message": message,
                "payload": json.loads(payload, parse_float=Decimal) if payload else {},
            }
            for source_id, error_class, message, payload in rows
        ]

    def again(self, states_dir: Path) -> PairRun:
        """The demo once more with the same home: the same sandboxes and database."""
        return run_pair(self.pair, self.home, states_dir)


def run_pair(pair: str, home: Path, states_dir: Path, *args: str) -> PairRun:
    document = run_demo(
        home, "--no-rate-limit", "--pair", pair, "--state-dir", str(states_dir), *args
    )
    (report,) = (item for item in document["integrations"] if item["name"] == pair)
    directory = states_dir / pair
    states = {path.stem: load_state(path) for path in sorted(directory.glob("*.json"))}
    assert set(states) == set(report["pair"]), f"states written: {sorted(states)}"
    return PairRun(pair, home, report, states)


def pair_run(pair: str):  # a pytest fixture
    """A module-scoped fixture `run`: the demo of `pair` run once for the test module.

    In a test module: `run = pair_run("centra-fortnox")`."""

    @pytest.fixture(scope="module", name="run")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> PairRun:
        base = tmp_path_factory.mktemp(pair)
        return run_pair(pair, base / "home", base / "states")

    return fixture


# --- Centra, the shop side of the Centra pairs ----------------------------------------------


def visible_orders(centra: Record) -> list[Record]:
    """Orders on hold are hidden by Centra's API and are not synced (centra.md §4.1)."""
    return [order for order in centra["orders"] if not order["isOnHold"]]


def order_total(order: Record) -> Decimal:
    """What the customer pays: each line's value to the cent, plus shipping (VAT included)."""
    lines = (cents(Decimal(line["unitPrice"]) * line["quantity"]) for line in order["lines"])
    return sum(lines, Decimal(order["shipping"]))


def captures(order: Record) -> list[Record]:
    return [
        entry
        for entry in order["paymentHistory"]
        if entry["entryType"] == "CAPTURE" and entry["status"] == "SUCCESS"
    ]


def id_conversions(centra: Record, object_type: str) -> dict[str, int]:
    """The demo integration's ID-conversion entries of one type: external id → internal id."""
    token = next(t for t in centra["tokens"] if t["token"] == "centra-demo-token")
    return {
        entry["externalId"]: entry["internalId"]
        for table in centra["idConversions"]
        if table["integrationName"] == token["integrationName"]
        and table["objectType"] == object_type
        for entry in table["entries"]
    }


def last_orders(centra: Record) -> dict[int, Record]:
    """Each customer's latest visible order: Centra's `lastOrder`, whose billing address is
    the customer's address."""
    latest: dict[int, Record] = {}
    for order in visible_orders(centra):
        current = latest.get(order["customerId"])
        if current is None or order["createdAt"] > current["createdAt"]:
            latest[order["customerId"]] = order
    return latest


def customers_by_email(centra: Record) -> dict[str, Record]:
    """One Centra customer per person, by e-mail in lower case: the first (lowest id) of the
    customers sharing one, and no seeded near-duplicate. Brygga creates the ERP customer from
    it and links the others to that one (engine.dedupe)."""
    found: dict[str, Record] = {}
    for customer in sorted(centra["customers"], key=lambda c: c["id"]):
        if customer["id"] not in TWINS:
            found.setdefault(customer["email"].lower(), customer)
    return found


# The demo's seeded near-duplicates (the same person entered twice: brygga.sandbox.duplicates)
# by shop customer id, each with the id of the customer it copies. The shops keep the seed's
# customer ids, and the pair runs use the default seed.
TWINS = {label.customer_id: label.duplicate_of for label in generate().near_duplicates}


def person_emails(customers: list[Record]) -> dict[str, str]:
    """Each shop customer's e-mail in lower case → the e-mail of the person's ERP customer: its
    own, or for a near-duplicate its original's, whose ERP customer Brygga links it to."""
    email_of = {customer["id"]: customer["email"].lower() for customer in customers}
    return {email: email_of[TWINS.get(cid, cid)] for cid, email in email_of.items()}


def by_id(records: list[Record], key: str = "id") -> dict[Any, Record]:
    return {record[key]: record for record in records}


def sku_of(order: Record, line_id: int) -> str:
    return next(line["productSize"]["SKU"] for line in order["lines"] if line["id"] == line_id)


def returned_lines(centra: Record, returned: Record) -> dict[str, tuple[Decimal, Decimal]]:
    """A return's (units, amount) per SKU."""
    order = next(o for o in centra["orders"] if o["id"] == returned["orderId"])
    found: dict[str, tuple[Decimal, Decimal]] = {}
    for line in returned["lines"]:
        sku = sku_of(order, line["orderLineId"])
        units, amount = found.get(sku, (Decimal(0), Decimal(0)))
        found[sku] = (units + line["quantity"], amount + Decimal(line["amount"]))
    return found


def stock_in(centra: Record, warehouse: str = "Main Warehouse") -> dict[str, int]:
    """Physical stock per SKU in the named warehouse."""
    (warehouse_id,) = (str(w["id"]) for w in centra["warehouses"] if w["name"] == warehouse)
    return {
        size["SKU"]: size["stock"].get(warehouse_id, {}).get("physical", 0)
        for size in centra["productSizes"]
    }


def variant_price(centra: Record, variant_id: int, currency: str) -> Decimal:
    """A variant's price in the (only) pricelist of a currency: its own, else its product's."""
    (pricelist,) = (p for p in centra["pricelists"] if p["currency"] == currency)
    variant = by_id(centra["productVariants"])[variant_id]
    own = pricelist["variantPrices"].get(str(variant_id))
    return Decimal(
        own if own is not None else pricelist["productPrices"][str(variant["productId"])]
    )


def phone(text: str | None) -> str:
    return "".join((text or "").split())


def second_run_moves_nothing(run: PairRun, tmp_path: Path) -> None:
    """The demo again on the same home: nothing is created or updated, and only the first
    run's payment conflicts fail again. Call it from a module's last test (it changes the
    sandboxes behind the module's `run`)."""
    conflicts = {f["source_id"] for f in run.failures("payments")}
    again = run.again(tmp_path / "states")
    assert again.report["errors"] == {}
    assert {f["source_id"] for f in again.failures("payments")} == conflicts
    moved = {
        flow: counts
        for flow, counts in again.flows.items()
        if counts["created"]
        or counts["updated"]
        or counts["failed"] > len(conflicts)
        or (flow != "payments" and counts["failed"])
    }
    assert moved == {}, {flow: again.failures(flow) for flow in moved}
