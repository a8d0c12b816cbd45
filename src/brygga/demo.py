"""`brygga demo`: the four pairs, each between its own shop and ERP sandbox, all local.

Everything lives under one state directory (default `.brygga/` in the working directory): the
database, the secret key and each sandbox's data, so a second demo continues where the first
stopped and `--fresh` starts over.

A demo run is what a merchant's first day looks like: customers and orders reach the ERP; then
the staff work in their systems (below) and every other flow runs. The staff work is done once
per sandbox data directory (through each sandbox's `/_sandbox/simulate`), so a second demo run
moves nothing new.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from brygga.engine import alert_delivery
from brygga.engine.integrations import ConnectionSettings, SyncReport, configure, sync
from brygga.engine.reconcile import ReconcileReport, reconcile
from brygga.engine.runner import Progress
from brygga.pairs import PAIRS, PairTemplate, pair_template
from brygga.sandbox.processes import SandboxProcess, launch_sandbox, stop_all
from brygga.store import Base, Database, SecretBox, resolve_database_url, users
from brygga.store.workspaces import DEFAULT_WORKSPACE, OWNER, join, workspace_named

# Flows that need only what the shop already has; the rest wait for the staff's work.
FIRST_FLOWS = ["customers", "orders"]

# What the staff do on the demo's first day (the sandboxes' simulate requests). Once the
# orders are in the ERP, its staff invoice them, credit two invoices, receive stock and add
# articles, and Magento's staff add products. After the invoices reach Magento, its staff
# refund a few orders (Magento refunds only invoiced orders).
STAFF_WORK = {
    "fortnox": {"invoice_orders": 10_000, "credit_invoices": 2, "stock_changes": 15, "articles": 3},
    "vismanet": {"invoice_orders": 1_000, "credit_invoices": 2, "stock_changes": 15, "items": 3},
    "magento": {"products": 3},
}
LATE_STAFF_WORK = {"magento": {"refunds": 3}}

# Who logs in to the demo's dashboard; a new password is made at every start and printed.
DEMO_USER = "demo@brygga.local"

# The credential keys each system's connection takes from its sandbox's demo credentials.
DEMO_CREDENTIALS = {
    "centra": ("token",),
    "fortnox": ("client_id", "client_secret", "tenant_id"),
    "magento": ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
    "vismanet": ("client_id", "client_secret", "tenant_id"),
}


@dataclass
class DemoOptions:
    home: Path = Path(".brygga")
    database: str | None = None
    fresh: bool = False
    seed: int = 42
    orders: int = 150
    rate_limit: bool = True
    pairs: tuple[str, ...] = tuple(PAIRS)


@dataclass
class DemoPair:
    """One integration of the demo and its own two sandboxes."""

    template: PairTemplate
    shop: SandboxProcess
    erp: SandboxProcess
    data_dir: Path

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def sandboxes(self) -> dict[str, SandboxProcess]:
        return {self.shop.system: self.shop, self.erp.system: self.erp}


@dataclass
class PairReport:
    """What a pair's day moved, and how its shop orders reconcile with the ERP afterwards."""

    sync: SyncReport
    reconcile: ReconcileReport


@dataclass
class Demo:
    options: DemoOptions
    db: Database
    pairs: list[DemoPair] = field(default_factory=list)

    @classmethod
    def start(cls, options: DemoOptions) -> Demo:
        if options.fresh:
            shutil.rmtree(options.home / "sandboxes", ignore_errors=True)
        db = Database(resolve_database_url(options.database, options.home))
        if options.fresh:
            _drop_everything(db)
        db.migrate()
        demo = cls(options, db)
        try:
            for name in options.pairs:
                demo.pairs.append(demo._launch(pair_template(name)))
            for pair in demo.pairs:  # the sandboxes seed side by side
                for sandbox in pair.sandboxes.values():
                    sandbox.wait_until_up(120)
                demo._configure(pair)
        except BaseException:
            demo.stop()
            raise
        return demo

    def _launch(self, template: PairTemplate) -> DemoPair:
        data_dir = self.options.home / "sandboxes" / template.name
        shop, erp = (
            launch_sandbox(
                system,
                data_dir / system,
                "--seed",
                str(self.options.seed),
                "--orders",
                str(self.options.orders),
                "--rate-limit" if self.options.rate_limit else "--no-rate-limit",
            )
            for system in (template.shop, template.erp)
        )
        return DemoPair(template, shop, erp, data_dir)

    def _configure(self, pair: DemoPair) -> None:
        connections = (
            ConnectionSettings(
                f"demo-{pair.name}-{sandbox.system}",
                sandbox.system,
                sandbox.base_url,
                connection_settings(sandbox, self.options.rate_limit),
            )
            for sandbox in (pair.shop, pair.erp)
        )
        shop, erp = connections
        configure(
            self.db,
            SecretBox.from_environment(self.options.home),
            name=pair.name,
            pair=pair.name,
            shop=shop,
            erp=erp,
        )

    def sync(self, progress: Progress | None = None) -> dict[str, PairReport]:
        async def all_pairs() -> list[PairReport]:
            return await asyncio.gather(*(self._day(pair, progress) for pair in self.pairs))

        reports = asyncio.run(all_pairs())
        alert_delivery.deliver(self.db, alert_delivery.Channels.from_environment())
        return dict(zip((pair.name for pair in self.pairs), reports, strict=True))

    async def _day(self, pair: DemoPair, progress: Progress | None) -> PairReport:
        """Every flow runs once (refunds twice on the first day, around the late staff work),
        shop records first, then the rest after the staff's work. Then, while the sandboxes
        are up, the shop's orders are reconciled with the ERP's."""
        box = SecretBox.from_environment(self.options.home)
        labelled = _labelled(pair.name, progress)
        later = [flow.name for flow in pair.template.flows if flow.name not in FIRST_FLOWS]
        first_day = not (pair.data_dir / "staff-done").exists()
        report = await sync(self.db, box, pair.name, flows=FIRST_FLOWS, progress=labelled)
        if first_day:
            for sandbox in pair.sandboxes.values():
                await _simulate(sandbox, STAFF_WORK.get(sandbox.system))
        report.merge(await sync(self.db, box, pair.name, flows=later, progress=labelled))
        if first_day:
            (pair.data_dir / "staff-done").touch()
            if work := LATE_STAFF_WORK.get(pair.shop.system):
                await _simulate(pair.shop, work)
                flows = ["refunds"]
                report.merge(await sync(self.db, box, pair.name, flows=flows, progress=labelled))
        return PairReport(report, await reconcile(self.db, box, pair.name))

    def login(self) -> tuple[str, str]:
        """The demo user (owner of the demo's workspace) and a new password: none is kept in
        plaintext, so each start makes one to print."""
        password = secrets.token_urlsafe(12)
        with self.db.session() as session:
            user = users.user_with_email(session, DEMO_USER)
            if user is None:
                user = users.create_user(session, DEMO_USER, password)
            else:
                users.set_password(user, password)
            join(session, user.id, workspace_named(session, DEFAULT_WORKSPACE, create=True), OWNER)
        return DEMO_USER, password

    def summary(self, reports: dict[str, PairReport]) -> dict[str, Any]:
        """The `--json` document; its shape is documented in docs/cli.md and kept stable."""
        return {
            "database": self.db.display_url,
            "integrations": [_integration_summary(pair, reports[pair.name]) for pair in self.pairs],
        }

    def write_states(self, directory: Path) -> None:
        """Each sandbox's final state as `DIRECTORY/<pair>/<system>.json`."""
        for pair in self.pairs:
            (directory / pair.name).mkdir(parents=True, exist_ok=True)
            for system, sandbox in pair.sandboxes.items():
                (directory / pair.name / f"{system}.json").write_bytes(sandbox.raw_state())

    def stop(self) -> None:
        stop_all([sandbox for pair in self.pairs for sandbox in pair.sandboxes.values()])
        self.db.dispose()


def _integration_summary(pair: DemoPair, report: PairReport) -> dict[str, Any]:
    return {
        "name": pair.name,
        "pair": [pair.template.shop, pair.template.erp],
        "sandboxes": {
            system: {"base_url": sandbox.base_url} for system, sandbox in pair.sandboxes.items()
        },
        "flows": {name: counts.as_dict() for name, counts in report.sync.flows.items()},
        "errors": report.sync.errors,
        "requests": {system: stats.counts() for system, stats in report.sync.requests.items()},
        "reconcile": report.reconcile.as_dict(),
    }


def connection_settings(sandbox: SandboxProcess, rate_limit: bool) -> dict[str, Any]:
    """A connection to a sandbox: its demo credentials, and no client-side pacing when the
    sandbox enforces no limits."""
    credentials = sandbox.credentials()
    settings = {key: credentials[key] for key in DEMO_CREDENTIALS[sandbox.system]}
    return settings if rate_limit else settings | {"rate_limit": False}


async def _simulate(sandbox: SandboxProcess, work: dict[str, int] | None) -> None:
    if not work:
        return
    async with httpx.AsyncClient(timeout=120) as http:
        response = await http.post(f"{sandbox.base_url}/_sandbox/simulate", json=work)
        response.raise_for_status()


def _labelled(pair: str, progress: Progress | None) -> Progress | None:
    if progress is None:
        return None
    return lambda flow, counts: progress(f"{pair} {flow}", counts)


def _drop_everything(db: Database) -> None:
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
