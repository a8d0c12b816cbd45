"""`brygga errors`: the error queue from the command line (list, show, retry, skip)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from brygga.engine import error_queue
from brygga.engine.error_queue import Filter, QueueError
from brygga.store import Database, SecretBox, migrated_database

errors_app = typer.Typer(
    no_args_is_help=True, help="The error queue: records whose latest write failed."
)

HOME = typer.Option(Path(".brygga"), help="Directory for Brygga's state")
DATABASE = typer.Option(None, help="Database URL or SQLite file (default: HOME/brygga.db)")
INTEGRATION = typer.Option(None, "--integration", help="Only this integration")
FLOW = typer.Option(None, "--flow", help="Only this flow, e.g. orders")
CLASS = typer.Option(None, "--class", help="Only this error class, e.g. data")
SINCE = typer.Option(None, formats=["%Y-%m-%d"], help="Only errors failing since this day")
JSON = typer.Option(False, "--json", help="Print JSON")
EDIT_HELP = 'A JSON file with the corrected record ("record" of `show --json`); one error id only'


def _filter(
    ids: list[int] | None,
    integration: str | None,
    flow: str | None,
    error_class: str | None,
    since: datetime | None,
    status: str | None = error_queue.OPEN,
) -> Filter:
    # Errors named by id are meant whatever their status; filters alone select open ones.
    if ids or status == "all":
        status = None
    return Filter(
        integration=integration,
        flow=flow,
        error_class=error_class,
        status=status,
        since=since.astimezone() if since else None,
        ids=tuple(ids or ()),
    )


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]{message}[/red]")
    return typer.Exit(2)


@errors_app.command("list")
def list_errors(
    integration: str | None = INTEGRATION,
    flow: str | None = FLOW,
    error_class: str | None = CLASS,
    status: str = typer.Option("open", help="open, resolved, skipped or all"),
    since: datetime | None = SINCE,
    json_output: bool = JSON,
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """List queued errors, open ones by default."""
    with migrated_database(database, home) as db, db.session() as session:
        try:
            rows = error_queue.find(
                session, _filter(None, integration, flow, error_class, since, status)
            )
        except QueueError as exc:
            raise _fail(str(exc)) from None
        found = [error_queue.summary(row) for row in rows]
    if json_output:
        print(json.dumps(found, indent=2))
        return
    table = Table(title=f"{len(found)} error(s)")
    for column in ("id", "integration", "flow", "record", "class", "attempts", "message"):
        table.add_column(column)
    for row in found:
        table.add_row(str(row["id"]), row["integration"], row["flow"], row["source_id"],
                      row["class"], str(row["attempts"]), row["message"])  # fmt: skip
    Console().print(table)


@errors_app.command("show")
def show_error(
    error_id: int = typer.Argument(..., help="The error's id (from `brygga errors list`)"),
    json_output: bool = JSON,
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """One error with its record and payloads; the record is what `retry --edit` takes."""
    with migrated_database(database, home) as db, db.session() as session:
        try:
            (row,) = error_queue.find(session, Filter(status=None, ids=(error_id,)))
        except QueueError as exc:
            raise _fail(str(exc)) from None
        shown = error_queue.detail(row)
    if json_output:
        print(json.dumps(shown, indent=2, default=str))  # Decimal amounts as exact strings
        return
    console = Console()
    for name in ("id", "integration", "flow", "source_id", "status", "class", "attempts",
                 "first_failed_at", "last_failed_at", "resolution", "message"):  # fmt: skip
        console.print(f"[bold]{name}:[/bold] {shown[name]}")
    for name in ("record", "edited_record", "source_payload", "target_payload"):
        if shown[name] is not None:
            console.print(f"[bold]{name}:[/bold]")
            console.print_json(json.dumps(shown[name], default=str))


@errors_app.command("retry")
def retry_errors(
    ids: list[int] | None = typer.Argument(None, help="Error ids; or --all with filters"),
    all_matching: bool = typer.Option(False, "--all", help="Every open error the filters select"),
    edit: Path | None = typer.Option(None, help=EDIT_HELP),
    integration: str | None = INTEGRATION,
    flow: str | None = FLOW,
    error_class: str | None = CLASS,
    since: datetime | None = SINCE,
    json_output: bool = JSON,
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Write the records of queued errors again; a success resolves the error."""
    from brygga.engine.integrations import retry_errors as retry
    from brygga.engine.runner import RunAborted

    if not ids and not all_matching:
        raise _fail("name the error ids to retry, or --all (with filters) for every open one")
    wanted = _filter(ids, integration, flow, error_class, since)
    with migrated_database(database, home) as db:
        if edit is not None:
            _save_edit(db, ids, edit)
        try:
            results = asyncio.run(retry(db, SecretBox.from_environment(home), wanted))
        except QueueError as exc:
            raise _fail(str(exc)) from None
        except RunAborted as exc:
            Console(stderr=True).print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    if json_output:
        print(json.dumps([result.__dict__ for result in results], indent=2))
    else:
        for result in results:
            note = f" — {result.message}" if result.message else ""
            Console().print(f"error {result.error_id} ({result.flow} {result.source_id}): "
                            f"{result.status}{note}")  # fmt: skip
    raise typer.Exit(1 if any(r.status in ("failed", "not retried") for r in results) else 0)


def _save_edit(db: Database, ids: list[int] | None, edit: Path) -> None:
    if not ids or len(ids) != 1:
        raise _fail("--edit takes exactly one error id")
    try:
        record = json.loads(edit.read_text())
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read the edited record from {edit}: {exc}") from None
    with db.session() as session:
        try:
            (row,) = error_queue.find(session, Filter(status=None, ids=(ids[0],)))
            error_queue.edit(row, record)
        except QueueError as exc:
            raise _fail(str(exc)) from None


@errors_app.command("skip")
def skip_errors(
    ids: list[int] | None = typer.Argument(None, help="Error ids; or --all with filters"),
    all_matching: bool = typer.Option(False, "--all", help="Every open error the filters select"),
    reason: str = typer.Option("", help="Why, kept with the error"),
    integration: str | None = INTEGRATION,
    flow: str | None = FLOW,
    error_class: str | None = CLASS,
    since: datetime | None = SINCE,
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Stop trying queued errors' records until they change in the source."""
    if not ids and not all_matching:
        raise _fail("name the error ids to skip, or --all (with filters) for every open one")
    with migrated_database(database, home) as db, db.session() as session:
        try:
            rows = error_queue.find(session, _filter(ids, integration, flow, error_class, since))
        except QueueError as exc:
            raise _fail(str(exc)) from None
        error_queue.skip(session, rows, reason)
        Console().print(f"skipped {len(rows)} error(s)")
