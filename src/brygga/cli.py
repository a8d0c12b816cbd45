"""The `brygga` command line."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from brygga.api_cli import serve, token_app, user_app
from brygga.config_cli import config_app
from brygga.dedupe_cli import dedupe_app
from brygga.errors_cli import errors_app
from brygga.run_cli import run
from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.faults import Faults

if TYPE_CHECKING:
    from brygga.demo import Demo, PairReport
    from brygga.engine.reconcile import ReconcileReport

app = typer.Typer(no_args_is_help=True, help="Brygga: keep your shop and your ERP in step.")
sandbox_app = typer.Typer(no_args_is_help=True, help="Run the emulated shop and ERP APIs.")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(errors_app, name="errors")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(config_app, name="config")
app.add_typer(dedupe_app, name="dedupe")
app.command()(serve)
app.command()(run)

HOME_HELP = "Directory for Brygga's state: database, secret key, sandbox data"
DATABASE_HELP = "Database URL or SQLite file (default: BRYGGA_DATABASE_URL, else HOME/brygga.db)"


def _stop_on_sigterm() -> None:
    """SIGTERM ends the process like Ctrl-C, so child sandboxes are stopped cleanly."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


@app.command()
def demo(
    once: bool = typer.Option(False, "--once", help="Sync once, print the summary and exit"),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON"),
    fresh: bool = typer.Option(False, help="Start over: new sandbox data and an empty database"),
    state_dir: Path | None = typer.Option(None, help="Write each sandbox's final state here"),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
    home: Path = typer.Option(Path(".brygga"), help=HOME_HELP),
    seed: int = typer.Option(42, help="Seed of the demo data"),
    orders: int = typer.Option(150, help="How many shop orders the sandbox starts with"),
    rate_limit: bool = typer.Option(True, help="Enforce the real APIs' rate limits"),
    pair: list[str] = typer.Option(
        [], "--pair", help="Only this pair (repeatable; default: all four)"
    ),
    dashboard_port: int = typer.Option(
        8000, help="Serve the dashboard here (0, or a port in use: any free port)"
    ),
) -> None:
    """Start a shop and an ERP sandbox for each pair, connect them, sync, and keep serving
    them with the dashboard (log in with the user and password it prints)."""
    from brygga.demo import Demo, DemoOptions
    from brygga.pairs import PAIRS

    _stop_on_sigterm()
    console = Console(stderr=True)
    unknown = set(pair) - set(PAIRS)
    if unknown:
        raise typer.BadParameter(f"known pairs: {', '.join(PAIRS)}", param_hint="--pair")
    options = DemoOptions(home, database, fresh, seed, orders, rate_limit, tuple(pair or PAIRS))
    with console.status("Starting the sandboxes…"):
        running = Demo.start(options)
    try:
        if once:
            reports = _demo_day(running, console, json_output, state_dir)
            raise typer.Exit(0 if all(report.sync.ok for report in reports.values()) else 1)
        _demo_serving(running, console, json_output, state_dir, dashboard_port)
    except KeyboardInterrupt:
        console.print("Stopped.")
    finally:
        running.stop()


def _demo_day(
    running: Demo,
    console: Console,
    json_output: bool,
    state_dir: Path | None,
    dashboard: dict[str, str] | None = None,
) -> dict[str, PairReport]:
    """Sync the demo's day and print what it did: a table per pair, or the JSON document
    (on one line, with the dashboard's address and login, when the demo goes on serving)."""
    from brygga.reporting import live_progress, summary_table

    with live_progress(console) as progress:
        reports = running.sync(progress)
    if state_dir is not None:
        running.write_states(state_dir)
    if json_output:
        document = running.summary(reports)
        if dashboard is None:
            print(json.dumps(document, indent=2))
        else:
            print(json.dumps(document | {"dashboard": dashboard}), flush=True)
        return reports
    for demo_pair in running.pairs:
        title = f"{demo_pair.template.shop} ↔ {demo_pair.template.erp}"
        console.print(summary_table(title, reports[demo_pair.name].sync))
    for name, report in reports.items():
        console.print(f"Reconciled {name}: {report.reconcile.headline()}")
    console.print(f"Database: {running.db.display_url}")
    return reports


def _demo_serving(
    running: Demo, console: Console, json_output: bool, state_dir: Path | None, port: int
) -> None:
    """The dashboard is up from the start, so the first sync can be watched in it."""
    from brygga.store import SecretBox
    from brygga.web.app import create_app
    from brygga.web.serving import serving

    app = create_app(running.db, SecretBox.from_environment(running.options.home))
    with serving(app, port) as url:
        user, password = running.login()
        login = {"url": f"{url}/", "user": user, "password": password}
        console.print(f"Dashboard: {login['url']}  (log in as {user}, password {password})")
        _demo_day(running, console, json_output, state_dir, login)
        for demo_pair in running.pairs:
            for name, sandbox in demo_pair.sandboxes.items():
                console.print(f"{demo_pair.name}: {name} sandbox at {sandbox.base_url}")
        console.print(f"Dashboard: {login['url']}  (log in as {user}, password {password})")
        console.print("Serving the dashboard and the sandboxes. Press Ctrl-C to stop.")
        while True:
            time.sleep(3600)


@app.command()
def sync(
    integration: str = typer.Argument(..., help="Integration name, e.g. centra-fortnox"),
    flow: list[str] | None = typer.Argument(None, help="Only these flows (default: all)"),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
    home: Path = typer.Option(Path(".brygga"), help=HOME_HELP),
    reconcile: bool = typer.Option(
        False, help="Write every record again, changed or not (e.g. correct drifted stock)"
    ),
    since: datetime | None = typer.Option(
        None,
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"],
        help="Move the flows' cursors back to this day or time first, to sync that period again",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show per record what would be written; write nothing"
    ),
    json_output: bool = typer.Option(False, "--json", help="With --dry-run: print JSON"),
    ids: str | None = typer.Option(
        None, "--ids", help="Re-sync only these records of one flow (source ids, comma-separated)"
    ),
) -> None:
    """Run an integration's flows once."""
    from brygga.engine import alert_delivery
    from brygga.engine.dry_run import planned_records
    from brygga.engine.integrations import move_cursors_back
    from brygga.engine.integrations import sync as run_sync
    from brygga.reporting import live_progress, summary_table
    from brygga.store import Database, SecretBox, resolve_database_url

    console = Console(stderr=True)
    if ids is not None:
        if not flow or len(flow) != 1 or since or dry_run or reconcile:
            console.print("[red]--ids re-syncs records of one flow: name the flow, alone[/red]")
            raise typer.Exit(2)
        _resync(integration, flow[0], ids.split(","), database, home)
    db = Database(resolve_database_url(database, home))
    db.migrate()
    try:
        if since is not None and dry_run:
            raise ValueError("--since moves cursors for good; it cannot go with --dry-run")
        channels = alert_delivery.Channels.from_environment()
        if since is not None:
            moved = move_cursors_back(db, integration, flow or None, since.astimezone())
            for name, position in moved.items():
                if position is None:
                    console.print(f"{name}: not synced yet, so it reads from the start")
                else:
                    console.print(f"{name}: cursor moved back from {position} to {since}")
        with live_progress(console) as progress:
            report = asyncio.run(
                run_sync(
                    db,
                    SecretBox.from_environment(home),
                    integration,
                    flows=flow or None,
                    progress=progress,
                    reconcile=reconcile,
                    dry_run=dry_run,
                )
            )
        planned = planned_records(db, integration, report) if dry_run else []
        alert_delivery.deliver(db, channels)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    if dry_run and json_output:
        print(json.dumps(planned, indent=2, default=str))  # Decimal amounts as exact strings
    elif dry_run:
        _print_planned(planned)
    console.print(summary_table(integration, report))
    raise typer.Exit(0 if report.ok else 1)


def _resync(
    integration: str, flow: str, ids: list[str], database: str | None, home: Path
) -> NoReturn:
    """`sync --ids`: each record's outcome, then the ids the source did not give."""
    from brygga.engine.integrations import resync
    from brygga.engine.outcomes import Status
    from brygga.engine.runner import RunAborted
    from brygga.store import SecretBox, migrated_database

    console, out = Console(stderr=True), Console()
    box = SecretBox.from_environment(home)
    try:
        with migrated_database(database, home) as db:
            done = asyncio.run(resync(db, box, integration, flow, ids))
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except RunAborted as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    for outcome in done.outcomes:
        target = f" → {outcome.target_id}" if outcome.target_id else ""
        message = f": {outcome.message}" if outcome.message else ""
        out.print(f"{flow} {outcome.source_id}{target}: {outcome.status.value}{message}")
    if done.missing:
        console.print(f"[red]not found in the source: {', '.join(done.missing)}[/red]")
    failed = done.missing or any(o.status is Status.FAILED for o in done.outcomes)
    raise typer.Exit(1 if failed else 0)


def _print_planned(planned: list[dict[str, object]]) -> None:
    """A dry run, record by record: what would be sent, and what an update would change."""
    out = Console()
    for entry in planned:
        if entry["action"] == "skip":
            continue
        target = f" → {entry['target_id']}" if entry["target_id"] else ""
        out.print(f"[bold]{entry['flow']} {entry['source_id']}{target}: {entry['action']}[/bold]")
        if entry["message"]:
            out.print(f"  {entry['message']}")
        if "request" in entry:
            out.print(f"  {entry['request']}")
        if entry.get("changes") is not None:
            for change in entry["changes"] or ["(no field changes)"]:
                out.print(f"    {change}")
        elif "body" in entry:
            out.print_json(json.dumps(entry["body"], default=str))


@app.command()
def alerts(
    show_all: bool = typer.Option(False, "--all", help="Resolved alerts too"),
    json_output: bool = typer.Option(False, "--json", help="Print JSON"),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
    home: Path = typer.Option(Path(".brygga"), help=HOME_HELP),
) -> None:
    """What needs a person: connections to reconnect and the like; open ones by default."""
    from sqlalchemy import select

    from brygga.store import Alert, Database, resolve_database_url

    db = Database(resolve_database_url(database, home))
    db.migrate()
    try:
        with db.session() as session:
            query = select(Alert).order_by(Alert.id)
            if not show_all:
                query = query.where(Alert.resolved_at.is_(None))
            found = [
                {
                    "id": alert.id,
                    "kind": alert.kind,
                    "message": alert.message,
                    "raised_at": alert.raised_at.isoformat(),
                    "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
                }
                for alert in session.scalars(query)
            ]
    finally:
        db.dispose()
    if json_output:
        print(json.dumps(found, indent=2))
        return
    for alert in found:
        state = f"resolved {alert['resolved_at']}" if alert["resolved_at"] else "open"
        Console().print(f"{alert['id']} [{alert['kind']}] {alert['message']} ({state})")
    if not found:
        Console().print("no alerts")


@app.command("reconcile")
def reconcile_command(
    integration: str = typer.Argument(..., help="Integration name, e.g. centra-fortnox"),
    since: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Only shop orders since this day (local midnight)"
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON"),
    database: str | None = typer.Option(None, help=DATABASE_HELP),
    home: Path = typer.Option(Path(".brygga"), help=HOME_HELP),
) -> None:
    """Compare the shop's orders with the ERP's documents; list every difference per order."""
    from brygga.connectors.errors import ConnectorError
    from brygga.engine.reconcile import reconcile
    from brygga.store import Database, SecretBox, resolve_database_url

    console = Console(stderr=True)
    db = Database(resolve_database_url(database, home))
    db.migrate()
    try:
        with console.status(f"Reconciling {integration}…"):
            report = asyncio.run(
                reconcile(
                    db,
                    SecretBox.from_environment(home),
                    integration,
                    since.astimezone() if since else None,
                )
            )
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except ConnectorError as exc:
        console.print(f"[red]{integration} could not be reconciled: {exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    if json_output:
        print(json.dumps(report.as_dict(), indent=2))
    elif report.differences:
        Console().print(_reconcile_table(integration, report))
    else:
        Console().print(f"{integration}: {report.headline()}")
    raise typer.Exit(1 if report.differences else 0)


def _reconcile_table(integration: str, report: ReconcileReport) -> Table:
    table = Table(title=f"{integration}: {report.headline()}")
    for column in ("order", "ERP document", "difference"):
        table.add_column(column)
    for found in report.differences:
        document = found.erp_document or "—"
        for index, line in enumerate(found.differences):
            # The order and its document once, on its first difference.
            table.add_row(*((found.order, document) if index == 0 else ("", "")), line)
    return table


def _faults(values: list[str]) -> Faults:
    """`--fault error_rate=0.1 --fault latency_ms=200` → Faults, with a clear error."""
    from pydantic import ValidationError

    pairs = dict(value.partition("=")[::2] for value in values)
    try:
        return Faults.model_validate(pairs)
    except ValidationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fault") from None


@sandbox_app.command("serve")
def sandbox_serve(
    system: str = typer.Argument(..., help="centra, fortnox, magento, vismanet, or all"),
    port: int = typer.Option(8080, help="TCP port on 127.0.0.1; with 'all', the first of four"),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    data_dir: Path | None = typer.Option(None, help="Keep the sandbox's data here"),
    seed: int = typer.Option(42, help="Seed of the deterministic demo data"),
    orders: int = typer.Option(150, help="How many shop orders to seed"),
    scale: str | None = typer.Option(
        None,
        help="Seeded volume: small, medium (10,000 orders) or large (100,000 orders, "
        "50,000 SKUs); overrides --orders",
    ),
    skus: int | None = typer.Option(None, help="Grow the catalogue to at least this many SKUs"),
    rate_limit: bool = typer.Option(True, help="Enforce the real API's rate limits"),
    fault: list[str] = typer.Option(
        [], help="Inject faults, e.g. error_rate=0.1, latency_ms=200, drop_rate=0.05 (see docs)"
    ),
    json_output: bool = typer.Option(
        False, "--json", help="With 'all': print base URLs and demo credentials as JSON first"
    ),
) -> None:
    """Serve one sandbox, or all four, until interrupted. Data is seeded on first start."""
    from brygga.sandbox.seed import SCALES
    from brygga.sandbox.serve import SYSTEMS, serve

    faults = _faults(fault)
    if scale is not None and scale not in SCALES:
        raise typer.BadParameter(f"choose one of {', '.join(SCALES)}", param_hint="--scale")
    orders, skus = SCALES[scale] if scale else (orders, skus)
    if system == "all":
        _serve_all(SYSTEMS, port, data_dir, seed, orders, skus, rate_limit, fault, json_output)
        return
    public_url = f"http://{host}:{port}"
    config = SandboxConfig(data_dir, seed, orders, None, rate_limit, public_url, faults, skus)
    serve(system, config, host=host, port=port)


def _serve_all(
    systems: tuple[str, ...],
    port: int,
    data_dir: Path | None,
    seed: int,
    orders: int,
    skus: int | None,
    rate_limit: bool,
    faults: list[str],
    json_output: bool,
) -> None:
    """Each sandbox in its own process (they are separate services), on consecutive ports."""
    from brygga.sandbox.processes import launch_sandbox, stop_all

    _stop_on_sigterm()
    options = ["--seed", str(seed), "--orders", str(orders)]
    options += ["--rate-limit" if rate_limit else "--no-rate-limit"]
    options += ["--skus", str(skus)] if skus else []
    options += [item for value in faults for item in ("--fault", value)]
    running = []
    try:
        for offset, name in enumerate(systems):
            directory = data_dir / name if data_dir else None
            running.append(launch_sandbox(name, directory, *options, port=port + offset))
        for sandbox in running:
            sandbox.wait_until_up(timeout=600)  # seeding a large scale takes a while
        listing = {
            s.system: {"base_url": s.base_url, "credentials": s.credentials()} for s in running
        }
        if json_output:
            print(json.dumps(listing), flush=True)
        else:
            for name, details in listing.items():
                print(f"{name:<9} {details['base_url']}", flush=True)
        while all(s.process.poll() is None for s in running):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(running)
