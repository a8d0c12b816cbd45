"""The fault campaign (issue 6): every pair's flows against sandboxes on a bad day, with the
Brygga process SIGKILLed at random moments and started again, until a run completes; then the
faults stop, one more run drains the retries, and the sandboxes' state is compared with the
source (`ledger`).

The eight sandboxes (a shop and an ERP per pair, as in `brygga demo`) are long-lived children
of the campaign, so killing Brygga never kills them. Brygga is `campaign.child`, run once per
phase of a merchant's day (the demo's order), with the staff's work between phases done by the
campaign through the sandboxes' `/_sandbox/simulate`, so a kill never repeats or loses it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from brygga.demo import FIRST_FLOWS, LATE_STAFF_WORK, STAFF_WORK, connection_settings
from brygga.engine.integrations import ConnectionSettings, configure
from brygga.pairs import PAIRS, PairTemplate, pair_template
from brygga.sandbox.fortnox.tenant import SCOPES
from brygga.sandbox.processes import SandboxProcess, die_with_parent, launch_sandbox
from brygga.store import Connection, Database, SecretBox, connection_credentials
from tests.sandbox.test_fortnox import basic
from tests.sandbox.test_fortnox_oauth import REDIRECT, authorize_params, consent
from tests.support.campaign import ledger
from tests.support.campaign.chaos import Chaos, Weather, injected

ROOT = Path(__file__).resolve().parents[3]
# Shops' new business in every round after the first; refunds follow the day's invoices.
NEW_BUSINESS = {"centra": "orders", "magento": "orders"}
LATE_WORK = LATE_STAFF_WORK | {"centra": {"refunds": 2}}


@dataclass
class CampaignOptions:
    seed: int = 7
    orders: int = 200  # each shop starts with
    skus: int | None = None  # the demo catalogue's size (None: the sandboxes' default)
    new_orders: int = 20  # each shop gets in every round after the first
    rounds: int = 2
    kills: int = 20
    kill_after: tuple[float, float] = (0.2, 8.0)  # seconds after Brygga's first run began
    revocations: int = 1  # Fortnox grants revoked mid-run (then reconnected)
    token_ttl: int = 90  # seconds an ERP access token lives
    weather: Weather = field(default_factory=Weather)
    pairs: tuple[str, ...] = tuple(PAIRS)
    max_attempts: int = 30  # Brygga runs per phase before the campaign calls it stuck


@dataclass
class CampaignReport:
    wall_seconds: float = 0.0
    kills: int = 0
    kills_mid_create: int = 0  # a create begun and not yet committed at the moment of the kill
    brygga_runs: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    reconnects: list[str] = field(default_factory=list)  # why each connection was reconnected
    throttled_seen: int = 0  # 429s in the requests of Brygga runs that completed
    ledger: ledger.Ledger = field(default_factory=ledger.Ledger)

    @property
    def duplicates(self) -> int:
        return self.ledger.total("duplicates")

    @property
    def lost(self) -> int:
        return self.ledger.total("lost")


class CampaignStuck(RuntimeError):
    """A phase never completed: Brygga could not finish a run through the faults."""


@dataclass
class Pair:
    template: PairTemplate
    shop: SandboxProcess
    erp: SandboxProcess

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def sandboxes(self) -> list[SandboxProcess]:
        return [self.shop, self.erp]


class Campaign:
    def __init__(
        self, workdir: Path, options: CampaignOptions, log: Callable[[str], None] = print
    ) -> None:
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.options = options
        self.log = log
        self.random = random.Random(options.seed)
        self.db = Database(f"sqlite:///{self.home / 'brygga.db'}")
        self.box = SecretBox.from_environment(self.home)
        self.pairs: list[Pair] = []
        self.report = CampaignReport()
        self.kills_left = options.kills
        self.revocations_left = options.revocations
        self.revoked: set[str] = set()  # connections whose grant the campaign revoked

    @property
    def sandboxes(self) -> list[SandboxProcess]:
        return [sandbox for pair in self.pairs for sandbox in pair.sandboxes]

    def run(self) -> CampaignReport:
        started = time.monotonic()
        self.db.migrate()
        for pair in self.pairs:
            self._connect(pair)
        rounds = self.options.rounds
        with Chaos(self.sandboxes, self.options.weather, self.options.seed) as chaos:
            for round_ in range(rounds):
                phases_left = 3 * (rounds - round_)
                if round_:
                    self._staff({s: {k: self.options.new_orders} for s, k in NEW_BUSINESS.items()})
                self._phase(f"round {round_ + 1}: shop records", FIRST_FLOWS, phases_left)
                self._staff(STAFF_WORK)
                later = [f.name for f in self.pairs[0].template.flows if f.name not in FIRST_FLOWS]
                self._phase(f"round {round_ + 1}: the rest", later, phases_left - 1)
                self._staff(LATE_WORK)
                self._phase(f"round {round_ + 1}: refunds", ["refunds"], phases_left - 2)
        self.report.faults.update(chaos.events)
        for sandbox in self.sandboxes:
            self.report.faults.update(injected(sandbox))
        self._phase("drain, faults off", None, 0)
        self.report.ledger = self._compare()
        self.report.wall_seconds = time.monotonic() - started
        return self.report

    # --- a phase: Brygga run until it completes, killed meanwhile ---------------------------

    def _phase(self, name: str, flows: list[str] | None, phases_left: int) -> None:
        """Run Brygga until a run completes. Of the kills left, this phase takes its share."""
        kills = -(-self.kills_left // phases_left) if phases_left else 0
        for attempt in range(1, self.options.max_attempts + 1):
            self._reconnect_refused()
            killed, ok = self._brygga(flows, kill=kills > 0, revoke=self._revoke_now(flows))
            if killed:
                kills -= 1
                self.kills_left -= 1
            elif ok and kills > 0 and phases_left == 1:
                continue  # the kills left hit the next scheduled runs, which change nothing
            elif ok:
                self.log(f"{name}: completed on attempt {attempt}")
                return
        raise CampaignStuck(f"{name}: no run completed in {self.options.max_attempts} attempts")

    def _revoke_now(self, flows: list[str] | None) -> bool:
        """Revoke a grant during the runs of each round's first phase, until one took it."""
        return bool(self.revocations_left) and flows == FIRST_FLOWS

    def _brygga(self, flows: list[str] | None, *, kill: bool, revoke: bool) -> tuple[bool, bool]:
        """One Brygga process; (killed, every flow ran to its end)."""
        mark = self._last_run_id()
        command = [sys.executable, "-m", "tests.support.campaign.child", "--home", str(self.home)]
        if flows:
            command += ["--flows", ",".join(flows)]
        command += [pair.name for pair in self.pairs]
        log = (self.home / "brygga.log").open("a")
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, env=_child_env(),
            preexec_fn=die_with_parent if sys.platform == "linux" else None,
        )  # fmt: skip
        self.report.brygga_runs += 1
        syncing = False
        kill_at = revoke_at = float("inf")
        try:
            while process.poll() is None:
                now = time.monotonic()
                if not syncing and self._last_run_id() > mark:  # its first flow began
                    syncing = True
                    delay = self.random.uniform(*self.options.kill_after)
                    kill_at = now + delay if kill else kill_at
                    revoke_at = now + delay / 2 if revoke else revoke_at
                if now >= revoke_at:
                    revoke_at = float("inf")
                    self._revoke_a_grant()
                if now >= kill_at:
                    self.report.kills_mid_create += self._creates_in_flight() > 0
                    os.kill(process.pid, signal.SIGKILL)
                    process.wait()
                    self.report.kills += 1
                    return True, False
                time.sleep(0.02)
            output = process.stdout.read() if process.stdout else b""
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
        self._count_throttled(output)
        return False, process.returncode == 0

    def _count_throttled(self, output: bytes) -> None:
        lines = output.decode().strip().splitlines()
        if not lines:
            return
        for summary in json.loads(lines[-1]).values():
            self.report.throttled_seen += sum(r["throttled"] for r in summary["requests"].values())

    # --- the database, read beside the running Brygga ---------------------------------------

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        path = self.home / "brygga.db"
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            yield db

    def _last_run_id(self) -> int:
        with self._read() as db:
            return db.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]

    def _creates_in_flight(self) -> int:
        """Creates begun (cross-reference pending) whose record has no outcome yet: neither
        linked nor in the error queue."""
        with self._read() as db:
            return db.execute(
                "SELECT count(*) FROM cross_references x WHERE x.state = 'pending' "
                "AND NOT EXISTS (SELECT 1 FROM record_errors e JOIN flows f ON f.id = e.flow_id "
                "WHERE f.integration_id = x.integration_id AND e.source_id = x.source_id "
                "AND e.status = 'open')"
            ).fetchone()[0]

    # --- connections: set up, revoked, reconnected ------------------------------------------

    def _connect(self, pair: Pair, reason: str | None = None) -> None:
        """Configure the pair's integration with the sandboxes' credentials; Fortnox with a
        fresh consent (authorization code), so its grant can be revoked and reconnected."""
        shop, erp = (
            ConnectionSettings(
                f"{pair.name}-{sandbox.system}",
                sandbox.system,
                sandbox.base_url,
                self._credentials(sandbox),
            )
            for sandbox in pair.sandboxes
        )
        configure(self.db, self.box, name=pair.name, pair=pair.name, shop=shop, erp=erp)
        if reason:
            self.report.reconnects.append(f"{pair.name}: {reason}")

    def _credentials(self, sandbox: SandboxProcess) -> dict[str, Any]:
        if sandbox.system != "fortnox":
            return connection_settings(sandbox, rate_limit=False)
        grant, demo = _consent(sandbox), sandbox.credentials()
        return {"client_id": demo["client_id"], "client_secret": demo["client_secret"],
                "refresh_token": grant["refresh_token"], "access_token": grant["access_token"],
                "expires_at": int(time.time()) + grant["expires_in"],
                "rate_limit": False}  # fmt: skip

    def _revoke_a_grant(self) -> None:
        """The merchant revokes Brygga's access in Fortnox mid-run; the access token expires."""
        pair = self.random.choice([p for p in self.pairs if p.erp.system == "fortnox"])
        name = f"{pair.name}-fortnox"
        with self.db.session() as session:
            stored = session.query(Connection).filter_by(name=name).one()
            token = connection_credentials(self.box, stored)["refresh_token"]
        demo = pair.erp.credentials()
        auth = httpx.BasicAuth(demo["client_id"], demo["client_secret"])
        form = {"token": token, "token_type_hint": "refresh_token"}
        _through_faults(lambda: httpx.post(f"{pair.erp.base_url}/oauth-v1/revoke", data=form,
                                           auth=auth, timeout=30))  # fmt: skip
        httpx.post(f"{pair.erp.base_url}/_sandbox/expire-tokens", timeout=30).raise_for_status()
        self.revoked.add(name)
        self.revocations_left -= 1
        self.report.faults["grant revocations"] += 1
        self.log(f"revoked the Fortnox grant of {pair.name}")

    def _reconnect_refused(self) -> None:
        """The merchant reconnects every connection in "reconnect required"."""
        with self.db.session() as session:
            refused = [c.name for c in session.query(Connection).filter_by(
                status="reconnect_required")]  # fmt: skip
        for name in refused:
            pair = next(p for p in self.pairs if name.startswith(f"{p.name}-"))
            why = "revoked by the campaign" if name in self.revoked else "refused unasked"
            self.revoked.discard(name)
            self._connect(pair, f"{name} reconnected ({why})")
            self.log(f"reconnected {name} ({why})")

    # --- the staff, and the comparison ------------------------------------------------------

    def _staff(self, work: dict[str, dict[str, int]]) -> None:
        for sandbox in self.sandboxes:
            if job := work.get(sandbox.system):
                answer = httpx.post(f"{sandbox.base_url}/_sandbox/simulate", json=job, timeout=300)
                answer.raise_for_status()

    def _compare(self) -> ledger.Ledger:
        database = self.home / "brygga.db"
        found = ledger.Ledger(limbo=ledger.limbo(database))
        errors = ledger.open_errors(database)
        for pair in self.pairs:
            states = {sandbox.system: sandbox.state() for sandbox in pair.sandboxes}
            parked = ledger.parked_keys(errors.get(pair.name, {}))
            shop, erp = pair.template.shop, pair.template.erp
            found.tallies[pair.name] = ledger.compare(pair.name, shop, erp, states, parked)
        return found


@contextmanager
def sandboxes_for(workdir: Path, options: CampaignOptions) -> Iterator[list[Pair]]:
    """The pairs' sandboxes, seeded side by side, stopped at the end."""
    env = {
        "BRYGGA_SANDBOX_FORTNOX_TOKEN_TTL": str(options.token_ttl),
        "BRYGGA_SANDBOX_VISMANET_TOKEN_TTL": str(options.token_ttl),
    }
    volume = ["--seed", str(options.seed), "--orders", str(options.orders)]
    volume += ["--skus", str(options.skus)] if options.skus else []
    pairs: list[Pair] = []
    try:
        for name in options.pairs:
            template = pair_template(name)
            shop, erp = (
                launch_sandbox(system, workdir / "sandboxes" / name / system, "--no-rate-limit",
                               *volume, env=env)
                for system in (template.shop, template.erp)
            )  # fmt: skip
            pairs.append(Pair(template, shop, erp))
        for pair in pairs:
            for sandbox in pair.sandboxes:
                sandbox.wait_until_up(300)
        yield pairs
    finally:
        for pair in pairs:
            for sandbox in pair.sandboxes:
                sandbox.stop()


def run_campaign(
    workdir: Path, options: CampaignOptions, log: Callable[[str], None] = print
) -> CampaignReport:
    with sandboxes_for(workdir, options) as pairs:
        campaign = Campaign(workdir, options, log)
        campaign.pairs = pairs
        try:
            return campaign.run()
        finally:
            campaign.db.dispose()


def _consent(sandbox: SandboxProcess) -> dict[str, Any]:
    """The merchant's consent to every scope Brygga uses, and the code traded for tokens. A
    browser would be retried through the sandbox's faults; so is this."""

    def grant() -> httpx.Response:
        params = authorize_params(scope=SCOPES)
        url = httpx.URL(f"{sandbox.base_url}/oauth-v1/auth", params=params)
        code = parse_qs(urlsplit(consent(sandbox.base_url, str(url))).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        return httpx.post(f"{sandbox.base_url}/oauth-v1/token", data=form, headers=basic())

    return _through_faults(grant).json()


def _through_faults(call: Callable[[], httpx.Response], attempts: int = 30) -> httpx.Response:
    for _ in range(attempts - 1):
        try:
            answer = call()
            if answer.status_code < 400:
                return answer
        except (httpx.HTTPError, AssertionError, KeyError):
            pass
        time.sleep(0.2)
    answer = call()
    answer.raise_for_status()
    return answer


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BRYGGA_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
