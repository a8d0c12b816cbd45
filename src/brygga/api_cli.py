"""`brygga serve` (the REST API) and `brygga token` (its API tokens)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from brygga.errors_cli import DATABASE, HOME
from brygga.store import SecretBox, api_tokens, migrated_database

token_app = typer.Typer(no_args_is_help=True, help="API tokens for the REST API.")


@contextmanager
def _tokens(database: str | None, home: Path) -> Iterator[Session]:
    """A session on the tokens; a refusal (ValueError) ends the command with its reason."""
    try:
        with migrated_database(database, home) as db, db.session() as session:
            yield session
    except ValueError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@token_app.command("create")
def create_token(
    name: str = typer.Argument(..., help="Who or what uses it, e.g. erp-team-scripts"),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Print a new API token; it is shown this once, so store it in your secret manager."""
    with _tokens(database, home) as session:
        token = api_tokens.issue(session, name)
    print(token)


@token_app.command("revoke")
def revoke_token(
    name: str = typer.Argument(..., help="The token's name"),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Refuse the token from now on."""
    with _tokens(database, home) as session:
        api_tokens.revoke(session, name)
    Console(stderr=True).print(f"revoked {name}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Serve the REST API (OpenAPI at /api/openapi.json); every route needs an API token."""
    import uvicorn

    from brygga.web.app import create_app

    with migrated_database(database, home) as db:
        Console(stderr=True).print(f"Brygga API at http://{host}:{port}/api/docs")
        uvicorn.run(create_app(db, SecretBox.from_environment(home)), host=host, port=port)
