"""A shop sandbox and an ERP sandbox as real processes, and a Brygga home (SQLite database,
secret key) with connections to them: what an end-to-end test of one integration stands on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from brygga.demo import connection_settings
from brygga.engine.integrations import ConnectionSettings, FlowChoice, configure
from brygga.store import Database, SecretBox
from tests.support.processes import SandboxProcess, start_sandbox


@dataclass
class SandboxIntegration:
    home: Path
    db: Database
    box: SecretBox
    shop: SandboxProcess
    erp: SandboxProcess

    def configure(self, name: str, pair: str, flows: dict[str, FlowChoice] | None = None) -> None:
        shop, erp = (
            ConnectionSettings(s.system, s.system, s.base_url,
                               connection_settings(s, rate_limit=False))
            for s in (self.shop, self.erp)
        )  # fmt: skip
        configure(self.db, self.box, name=name, pair=pair, shop=shop, erp=erp, flows=flows)


@contextmanager
def sandbox_integration(
    tmp_path_factory: pytest.TempPathFactory, shop: str, erp: str, *shop_args: str
) -> Iterator[SandboxIntegration]:
    """Both sandboxes without rate limits (`shop_args` for the shop's, e.g. its orders)."""
    started: list[SandboxProcess] = []
    home = tmp_path_factory.mktemp("home")
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    try:
        for system, args in ((shop, shop_args), (erp, ())):
            directory = tmp_path_factory.mktemp(system)
            started.append(start_sandbox(system, directory, "--no-rate-limit", *args))
        db.migrate()
        yield SandboxIntegration(home, db, SecretBox.from_environment(home), *started)
    finally:
        db.dispose()
        for process in started:
            process.stop()
