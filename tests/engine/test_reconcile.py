"""The reconciliation report against real sandboxes: one Fortnox pair and one Visma.net pair,
each synced once (customers and orders), then changed behind Brygga's back through the ERP's
own API. Each test compares with a report taken just before its change, so that the tests
of a module can share its sandboxes in any order."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from brygga.connectors import registry
from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, configure, sync
from brygga.engine.reconcile import OrderDifference, ReconcileReport, reconcile
from brygga.pairs import pair_template
from brygga.store import CrossReference, Database, Flow, RecordOutcome, Run, SecretBox
from tests.support.processes import SandboxProcess, start_sandbox

ORDERS = "20"
FIGURE = re.compile(r"^(?P<name>.+): shop (?P<shop>\S+), ERP (?P<erp>\S+)$")


@dataclass
class Synced:
    """An integration synced once between its own two sandboxes; `home` holds its database
    and secret key, as `brygga --home` expects them."""

    name: str
    home: Path
    db: Database
    box: SecretBox
    erp: SandboxProcess

    async def report(self) -> ReconcileReport:
        return await reconcile(self.db, self.box, self.name)

    def erp_client(self) -> Any:
        """Brygga's own client for the ERP sandbox, to change it as the ERP's staff would."""
        credentials = connection_settings(self.erp, rate_limit=False)
        return registry.open_client(
            self.erp.system, self.erp.base_url, credentials, lambda renewed: None
        )

    def linked_orders(self) -> dict[str, str]:
        """Shop order number → ERP order id, as Brygga linked them."""
        with self.db.session() as session:
            rows = session.scalars(select(CrossReference).where(CrossReference.entity == "order"))
            return {row.source_id: row.target_id for row in rows if row.state == "linked"}

    def untouched_order(self, report: ReconcileReport) -> tuple[str, str]:
        """A linked order that reconciles, so that a change to it stands out."""
        differing = {found.order for found in report.differences}
        return next((n, t) for n, t in self.linked_orders().items() if n not in differing)


def synced(pair: str):  # a module-scoped pytest fixture
    @pytest.fixture(scope="module", name=pair.replace("-", "_"))
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
        home = tmp_path_factory.mktemp(pair)
        template = pair_template(pair)
        shop_system, erp_system = template.shop, template.erp
        args = ("--no-rate-limit", "--orders", ORDERS)
        shop = start_sandbox(shop_system, home / shop_system, *args)
        erp = start_sandbox(erp_system, home / erp_system, *args)
        db = Database(f"sqlite:///{home / 'brygga.db'}")
        try:
            db.migrate()
            box = SecretBox.from_environment(home)
            shop_settings, erp_settings = (
                ConnectionSettings(s.system, s.system, s.base_url, connection_settings(s, False))
                for s in (shop, erp)
            )
            configure(db, box, name=pair, pair=pair, shop=shop_settings, erp=erp_settings)
            done = asyncio.run(sync(db, box, pair, flows=["customers", "orders"]))
            assert done.ok and done.flows["orders"].failed == 0, done
            yield Synced(pair, home, db, box, erp)
        finally:
            db.dispose()
            shop.stop()
            erp.stop()

    return fixture


centra_fortnox = synced("centra-fortnox")
magento_vismanet = synced("magento-vismanet")


def new_differences(before: ReconcileReport, after: ReconcileReport) -> list[OrderDifference]:
    return [found for found in after.differences if found not in before.differences]


def figures(found: OrderDifference) -> dict[str, tuple[Decimal, Decimal]]:
    """`net: shop 10.00, ERP 12.00` → {"net": (10.00, 12.00)}."""
    parsed = (FIGURE.match(line) for line in found.differences)
    return {m["name"]: (Decimal(m["shop"]), Decimal(m["erp"])) for m in parsed if m}


def delta(found: OrderDifference, name: str) -> Decimal:
    shop, erp = figures(found)[name]
    return erp - shop


async def test_synced_orders_are_compared(centra_fortnox: Synced, magento_vismanet: Synced):
    for synced_pair in (centra_fortnox, magento_vismanet):
        report = await synced_pair.report()
        assert report.compared > 0
        assert report.skipped == {"cancelled": 0}


async def test_a_fortnox_row_price_changed_in_fortnox(centra_fortnox: Synced):
    before = await centra_fortnox.report()
    number, document = centra_fortnox.untouched_order(before)
    client = centra_fortnox.erp_client()
    try:
        order = (await client.get(f"/3/orders/{document}"))["Order"]
        assert order["VATIncluded"]  # Centra prices include VAT
        row = order["OrderRows"][0]
        raised = {"RowId": row["RowId"], "Price": Decimal(row["Price"]) + 10}
        others = [{"RowId": other["RowId"]} for other in order["OrderRows"][1:]]
        await client.put(f"/3/orders/{document}", {"Order": {"OrderRows": [raised, *others]}})
    finally:
        await client.aclose()

    (found,) = new_differences(before, await centra_fortnox.report())
    assert (found.order, found.erp_document) == (number, document)
    rate = Decimal(row["VAT"]).normalize()
    assert {"net", f"VAT {rate:f} %", "gross"} <= set(figures(found))
    assert delta(found, "gross") == 10 * Decimal(row["OrderedQuantity"])


async def test_an_order_brygga_never_linked_is_not_in_the_erp(centra_fortnox: Synced):
    before = await centra_fortnox.report()
    number, _ = centra_fortnox.untouched_order(before)
    with centra_fortnox.db.session() as session:
        session.execute(
            delete(CrossReference).where(
                CrossReference.entity == "order", CrossReference.source_id == number
            )
        )
    after = await centra_fortnox.report()
    assert new_differences(before, after) == [OrderDifference(number, None, ["not in the ERP"])]
    assert after.compared == before.compared - 1

    # An order the orders flow parked says why.
    reason = "the SKU is unknown in Fortnox"
    with centra_fortnox.db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "orders"))
        run = Run(flow_id=flow.id, started_at=datetime.now(UTC), status="succeeded")
        session.add(run)
        session.flush()
        session.add(
            RecordOutcome(
                run_id=run.id,
                flow_id=flow.id,
                source_id=number,
                status="failed",
                error_class="data",
                message=reason,
            )
        )
    parked = [OrderDifference(number, None, [f"not in the ERP: parked as a data error: {reason}"])]
    assert new_differences(before, await centra_fortnox.report()) == parked


async def test_visma_freight_changed_in_visma(magento_vismanet: Synced):
    before = await magento_vismanet.report()
    number, document = magento_vismanet.untouched_order(before)
    client = magento_vismanet.erp_client()
    path = f"/api/v3/SalesOrders/SO/{document}"
    try:
        order, etag = await client.v3_get(path, expand="freight")
        cost = Decimal(order["freight"]["cost"]) + 10
        await client.v3_patch(path, {"freight": {"cost": cost}}, etag)
    finally:
        await client.aclose()

    (found,) = new_differences(before, await magento_vismanet.report())
    assert (found.order, found.erp_document) == (number, document)
    assert delta(found, "net") == 10
    assert delta(found, "gross") > 10  # the freight's VAT too


async def test_a_sales_order_deleted_in_visma(magento_vismanet: Synced):
    before = await magento_vismanet.report()
    number, document = magento_vismanet.untouched_order(before)
    client = magento_vismanet.erp_client()
    try:
        await client.request("DELETE", f"/api/v3/SalesOrders/SO/{document}", v3=True)
    finally:
        await client.aclose()

    after = await magento_vismanet.report()
    (found,) = new_differences(before, after)
    assert (found.order, found.erp_document) == (number, document)
    (line,) = found.differences
    assert line.startswith("not in the ERP: ") and document in line
    assert after.compared == before.compared - 1


def test_the_command_line(centra_fortnox: Synced):
    home = ["--home", str(centra_fortnox.home)]
    command = [sys.executable, "-m", "brygga", "reconcile"]
    done = subprocess.run(
        [*command, centra_fortnox.name, "--json", "--since", "2000-01-01", *home],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stdout)
    assert set(report) == {"compared", "differences", "skipped"}
    assert report["compared"] > 0
    assert done.returncode == (1 if report["differences"] else 0), done.stderr
    for found in report["differences"]:
        assert set(found) == {"order", "erp_document", "differences"}

    unknown = subprocess.run(
        [*command, "no-such", *home], capture_output=True, text=True, timeout=60
    )
    assert unknown.returncode == 2
    assert "no integration called 'no-such'" in unknown.stderr
