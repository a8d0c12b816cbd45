"""`brygga serve` (the dashboard and REST API), `brygga user` (who logs in) and `brygga token`
(API tokens)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from brygga.errors_cli import DATABASE, HOME
from brygga.store import SecretBox, api_tokens, migrated_database, users, workspaces
from brygga.store.workspaces import DEFAULT_WORKSPACE, OPERATOR, OWNER, ROLES

token_app = typer.Typer(no_args_is_help=True, help="API tokens for the REST API.")
user_app = typer.Typer(no_args_is_help=True, help="The people who log in to the dashboard.")

WORKSPACE = typer.Option(DEFAULT_WORKSPACE, help="The workspace (made if it does not exist)")


@contextmanager
def _accounts(database: str | None, home: Path) -> Iterator[Session]:
    """A session on the tokens and users; a refusal (ValueError) ends the command with its
    reason."""
    try:
        with migrated_database(database, home) as db, db.session() as session:
            yield session
    except ValueError as exc:
        Console(stderr=True).print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@token_app.command("create")
def create_token(
    name: str = typer.Argument(..., help="Who or what uses it, e.g. erp-team-scripts"),
    workspace: str = WORKSPACE,
    role: str = typer.Option(OPERATOR, help=f"What it may do: {', '.join(ROLES)}"),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Print a new API token; it is shown this once, so store it in your secret manager."""
    with _accounts(database, home) as session:
        token = api_tokens.issue(session, name, workspace=workspace, role=role)
    print(token)


@token_app.command("revoke")
def revoke_token(
    name: str = typer.Argument(..., help="The token's name"),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Refuse the token from now on."""
    with _accounts(database, home) as session:
        api_tokens.revoke(session, name)
    Console(stderr=True).print(f"revoked {name}")


@user_app.command("create")
def create_user(
    email: str = typer.Argument(..., help="The e-mail address they log in with"),
    workspace: str = WORKSPACE,
    role: str = typer.Option(OWNER, help=f"What they may do there: {', '.join(ROLES)}"),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="BRYGGA_USER_PASSWORD",
        help="Asked for when not given (never on the command line)",
    ),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Add a person who logs in to the dashboard, with a role in a workspace. The first one
    bootstraps Brygga: an owner, who then manages the rest."""
    with _accounts(database, home) as session:
        workspaces.check_role(role)
        user = users.create_user(session, email, password)
        workspaces.join(
            session, user.id, workspaces.workspace_named(session, workspace, create=True), role
        )
    Console(stderr=True).print(f"{user.email} is {role} in {workspace}")


@user_app.command("join")
def join_workspace(
    email: str = typer.Argument(..., help="A user's e-mail"),
    workspace: str = typer.Argument(..., help="The workspace (made if it does not exist)"),
    role: str = typer.Option(OPERATOR, help=f"What they may do there: {', '.join(ROLES)}"),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Give a user a role in a(nother) workspace, or change their role there."""
    with _accounts(database, home) as session:
        user = users.user_with_email(session, email)
        if user is None:
            raise ValueError(f"no user {email}; `brygga user create` makes one")
        workspaces.join(
            session, user.id, workspaces.workspace_named(session, workspace, create=True), role
        )
    Console(stderr=True).print(f"{email} is {role} in {workspace}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    https: bool = typer.Option(
        False, help="Served behind TLS: session cookies are sent over HTTPS only"
    ),
    database: str | None = DATABASE,
    home: Path = HOME,
) -> None:
    """Serve the dashboard and the REST API (OpenAPI at /api/openapi.json); both need a login
    (`brygga user create`) or an API token (`brygga token create`)."""
    import uvicorn

    from brygga.web.app import create_app

    with migrated_database(database, home) as db:
        Console(stderr=True).print(f"Brygga at http://{host}:{port}/ (API: /api/docs)")
        app = create_app(db, SecretBox.from_environment(home), https=https)
        uvicorn.run(app, host=host, port=port)
