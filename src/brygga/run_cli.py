"""`brygga run`: the long-running service. One process, one asyncio loop: uvicorn serves the app
(dashboard, REST API, webhook receivers, /healthz, /readyz, /metrics) while the local runtime
syncs every flow on its schedule and handles the events the receivers take in. SIGTERM or
SIGINT stops it: the runtime winds down (brygga.runtime.local), then the server, exit 0."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from brygga.store import Database, SecretBox, migrated_database

console = Console(stderr=True)


def run(
    host: str = typer.Option("127.0.0.1", envvar="BRYGGA_HOST", help="Interface to listen on"),
    port: int = typer.Option(8000, envvar="BRYGGA_PORT", help="TCP port"),
    https: bool = typer.Option(
        False, envvar="BRYGGA_HTTPS", help="Served behind TLS: session cookies over HTTPS only"
    ),
    config: Path | None = typer.Option(
        None,
        envvar="BRYGGA_CONFIG",
        exists=True,
        dir_okay=False,
        help="Apply this brygga.yaml (integrations as code) first",
    ),
    grace: float = typer.Option(
        10.0, envvar="BRYGGA_SHUTDOWN_GRACE", help="Seconds runs get to finish when stopping"
    ),
    database: str | None = typer.Option(
        None,
        envvar="BRYGGA_DATABASE_URL",
        help="Database URL or SQLite file (default: HOME/brygga.db)",
    ),
    home: Path = typer.Option(
        Path(".brygga"), envvar="BRYGGA_HOME", help="Directory for Brygga's state"
    ),
    log_level: str = typer.Option("info", envvar="BRYGGA_LOG_LEVEL", help="debug, info, warning"),
) -> None:
    """Run Brygga: serve the dashboard, the API and the webhooks, and sync every enabled flow
    on its schedule, until SIGTERM or Ctrl-C."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # every request; brygga.http has them
    box = SecretBox.from_environment(home)
    with migrated_database(database, home) as db:
        if config is not None:
            _apply(db, box, config)
        code = asyncio.run(_serve(db, box, host, port, https, grace))
    raise typer.Exit(code)


def _apply(db: Database, box: SecretBox, path: Path) -> None:
    """The file's connections and integrations into the store (brygga.config), each change
    said; a mistake stops `run` before it starts, with its line."""
    from brygga.config import ConfigError, apply

    try:
        changes = apply(db, box, path)
    except ConfigError as exc:
        for problem in exc.problems:
            console.print(f"[red]{path}:{problem.line}:{problem.column}: {problem.message}[/red]")
        raise typer.Exit(2) from None
    for change in changes:
        console.print(f"{path}: {change}")


class _Server(uvicorn.Server):
    """uvicorn, leaving the signals to `brygga run` (it would raise them again on exit)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(
    db: Database, box: SecretBox, host: str, port: int, https: bool, grace: float
) -> int:
    from brygga.runtime.local import LocalRuntime
    from brygga.web.app import create_app

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runtime = LocalRuntime(db, box, grace=grace)
    app = create_app(db, box, https=https)
    app.state.runtime, app.state.wake = runtime, runtime.wake
    server = _Server(
        uvicorn.Config(
            app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=grace
        )
    )
    web = asyncio.create_task(server.serve())
    work = asyncio.create_task(runtime.run(stop))
    stopping = asyncio.create_task(stop.wait())
    while not server.started and not web.done():
        await asyncio.sleep(0.02)
    if server.started:
        console.print(
            f"Brygga runs at http://{host}:{port}/ (API /api/docs, health /healthz and /readyz, "
            f"metrics /metrics); database {db.display_url}. Ctrl-C or SIGTERM stops it."
        )
    await asyncio.wait({web, work, stopping}, return_when=asyncio.FIRST_COMPLETED)
    failed = not stop.is_set()  # the server or the runtime ended on its own
    stop.set()
    await asyncio.wait({work})  # the runtime winds down while webhooks are still taken in
    server.should_exit = True
    await asyncio.wait({web})
    stopping.cancel()
    for task in (web, work):
        if not task.cancelled() and isinstance(task.exception(), BaseException):
            console.print(f"[red]{task.get_name()} stopped: {task.exception()!r}[/red]")
    return 1 if failed else 0
