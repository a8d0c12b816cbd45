"""`brygga config`: check a `brygga.yaml` (every mistake at its line) and apply it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

if TYPE_CHECKING:
    from brygga.config import Problem

config_app = typer.Typer(
    no_args_is_help=True, help="Integrations as code: check and apply a brygga.yaml."
)

PATH = typer.Argument(..., help="The file, e.g. brygga.yaml")
JSON = typer.Option(
    False, "--json", help="Print JSON: the mistakes as [{line, column, message}], or the changes"
)


@config_app.command("validate")
def validate(
    path: Path = PATH,
    json_output: bool = JSON,
    ignore_env: bool = typer.Option(
        False, "--ignore-env", help="Do not check that the credentials' variables are set"
    ),
) -> None:
    """List every mistake in the file with its line; exit 1 if there is any."""
    from brygga.config import check

    checked = check(_read(path), None if ignore_env else os.environ)
    if json_output:
        print(json.dumps([problem.as_dict() for problem in checked.problems], indent=2))
    else:
        _print_problems(path, checked.problems, sys.stdout)
        if checked.ok:
            print(f"{path}: no mistakes")
    raise typer.Exit(0 if checked.ok else 1)


@config_app.command("apply")
def apply_command(
    path: Path = PATH,
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would change; change nothing"),
    json_output: bool = JSON,
    database: str | None = typer.Option(None, help="Database URL or SQLite file"),
    home: Path = typer.Option(Path(".brygga"), help="Directory for Brygga's state"),
) -> None:
    """Create or update the file's connections and integrations; print what changed. Nothing
    the file does not name is changed or deleted."""
    from brygga.config import ConfigError, apply
    from brygga.store import SecretBox, migrated_database

    _read(path)
    with migrated_database(database, home) as db:
        try:
            changes = apply(db, SecretBox.from_environment(home), path, dry_run=dry_run)
        except ConfigError as error:
            if json_output:
                print(json.dumps([problem.as_dict() for problem in error.problems], indent=2))
            else:
                _print_problems(path, error.problems, sys.stderr)
            raise typer.Exit(1) from None
        except ValueError as error:  # the store refused what the checks could not foresee
            print(f"{path}: {error}", file=sys.stderr)
            raise typer.Exit(1) from None
    if json_output:
        print(json.dumps(changes, indent=2))
    else:
        print("\n".join(changes) or "nothing to change")
    if dry_run:
        print("(dry run: nothing was written)", file=sys.stderr)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{path}: cannot be read: {error}", file=sys.stderr)
        raise typer.Exit(2) from None


def _print_problems(path: Path, problems: list[Problem], stream: TextIO) -> None:
    for problem in problems:
        print(f"{path}:{problem.line}:{problem.column}: {problem.message}", file=stream)
