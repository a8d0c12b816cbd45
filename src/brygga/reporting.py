"""How sync runs look in a terminal: a live line per flow, then a summary table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from brygga.engine.integrations import SyncReport
from brygga.engine.outcomes import Counts
from brygga.engine.runner import Progress as ProgressCallback


def _line(counts: Counts) -> str:
    return (
        f"read {counts.read} · created {counts.created} · updated {counts.updated} · "
        f"skipped {counts.skipped} · failed {counts.failed}"
    )


@contextmanager
def live_progress(console: Console) -> Iterator[ProgressCallback]:
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<30}"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, int] = {}

        def update(flow: str, counts: Counts) -> None:
            if flow not in tasks:
                tasks[flow] = progress.add_task(flow, total=None, counts="")
            progress.update(tasks[flow], counts=_line(counts))

        yield update


def summary_table(title: str, report: SyncReport) -> Table:
    table = Table(title=title)
    table.add_column("flow")
    for column in ("read", "created", "updated", "skipped", "failed"):
        table.add_column(column, justify="right")
    table.add_column("HTTP requests / 429s", justify="right")
    for flow, counts in report.flows.items():
        values = counts.as_dict()
        table.add_row(
            flow, *(str(values[c]) for c in ("read", "created", "updated", "skipped", "failed")), ""
        )
    for flow, error in report.errors.items():
        table.add_row(flow, "[red]stopped[/red]", "", "", "", "", error)
    for system, stats in report.requests.items():
        table.add_row(
            f"[dim]{system}[/dim]", "", "", "", "", "", f"{stats.requests} / {stats.throttled}"
        )
    return table
