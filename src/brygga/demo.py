"""`brygga demo`: the sandboxes, the Centra + Fortnox integration and a first sync, all local.

Everything lives under one state directory (default `.brygga/` in the working directory): the
database, the secret key and each sandbox's data, so a second demo continues where the first
stopped and `--fresh` starts over.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from brygga.engine.integrations import ConnectionSettings, SyncReport, configure, sync
from brygga.engine.runner import Progress
from brygga.pairs import pair_template
from brygga.sandbox.processes import SandboxProcess, start_sandbox
from brygga.store import Base, Database, SecretBox, resolve_database_url

INTEGRATION = "centra-fortnox"


@dataclass
class DemoOptions:
    home: Path = Path(".brygga")
    database: str | None = None
    fresh: bool = False
    seed: int = 42
    orders: int = 150
    rate_limit: bool = True


@dataclass
class Demo:
    options: DemoOptions
    db: Database
    sandboxes: dict[str, SandboxProcess] = field(default_factory=dict)

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
            for system in (pair := pair_template(INTEGRATION)).shop, pair.erp:
                demo.sandboxes[system] = start_sandbox(
                    system,
                    options.home / "sandboxes" / system,
                    "--seed",
                    str(options.seed),
                    "--orders",
                    str(options.orders),
                    "--rate-limit" if options.rate_limit else "--no-rate-limit",
                )
            demo._configure()
        except BaseException:
            demo.stop()
            raise
        return demo

    def _configure(self) -> None:
        shop, erp = self.sandboxes["centra"], self.sandboxes["fortnox"]
        configure(
            self.db,
            SecretBox.from_environment(self.options.home),
            name=INTEGRATION,
            pair=INTEGRATION,
            shop=ConnectionSettings("demo-centra", "centra", shop.base_url, self._settings(shop)),
            erp=ConnectionSettings("demo-fortnox", "fortnox", erp.base_url, self._settings(erp)),
        )

    def _settings(self, sandbox: SandboxProcess) -> dict[str, Any]:
        return connection_settings(sandbox, self.options.rate_limit)

    def sync(self, progress: Progress | None = None) -> SyncReport:
        box = SecretBox.from_environment(self.options.home)
        return asyncio.run(sync(self.db, box, INTEGRATION, progress=progress))

    def summary(self, report: SyncReport) -> dict[str, Any]:
        """The `--json` document; its shape is documented in docs/cli.md and kept stable."""
        return {
            "database": self.db.display_url,
            "sandboxes": {name: {"base_url": s.base_url} for name, s in self.sandboxes.items()},
            "integrations": [
                {
                    "name": INTEGRATION,
                    "pair": ["centra", "fortnox"],
                    "flows": {name: counts.as_dict() for name, counts in report.flows.items()},
                    "errors": report.errors,
                }
            ],
            "requests": {system: asdict(stats) for system, stats in report.requests.items()},
        }

    def write_states(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, sandbox in self.sandboxes.items():
            (directory / f"{name}.json").write_bytes(sandbox.raw_state())

    def stop(self) -> None:
        for sandbox in self.sandboxes.values():
            sandbox.stop()
        self.db.dispose()


DEMO_CREDENTIALS = {"centra": ("token",), "fortnox": ("client_id", "client_secret", "tenant_id")}


def connection_settings(sandbox: SandboxProcess, rate_limit: bool) -> dict[str, Any]:
    """A connection to a sandbox: its demo credentials, and no client-side pacing when the
    sandbox enforces no limits."""
    credentials = sandbox.credentials()
    settings = {key: credentials[key] for key in DEMO_CREDENTIALS[sandbox.system]}
    return settings if rate_limit else settings | {"rate_limit": False}


def _drop_everything(db: Database) -> None:
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
