"""The connections of `brygga.yaml`: a known system, and credentials each client can sign in
with, every secret taken from the environment (`${VARIABLE}`), never written in the file."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brygga.config import environment
from brygga.config.loading import Document, Path, Problem
from brygga.config.names import duplicates, unknown
from brygga.config.schema import CONSENTED, CREDENTIALS, OPTION_KINDS, ConnectionSpec
from brygga.connectors import registry


def connection_problems(
    document: Document, connections: dict[int, ConnectionSpec], environ: Mapping[str, str] | None
) -> list[Problem]:
    problems = duplicates(document, "connections", connections)
    for index, connection in connections.items():
        at: Path = ("connections", index)
        if connection.system not in registry.SYSTEMS:
            message = unknown(f"system {connection.system!r}", connection.system, CREDENTIALS)
            problems.append(document.problem((*at, "system"), message))
        elif connection.existing:
            problems += [
                document.problem(
                    (*at, key),
                    f"an existing connection keeps the {key} it was connected with; remove "
                    f"`{key}` (or `existing: true`, to set the connection up from this file)",
                    key=True,
                )
                for key in ("base_url", "credentials", "options")
                if getattr(connection, key)
            ]
        else:
            problems += _credential_problems(document, at, connection, environ)
    return problems


def _credential_problems(
    document: Document, at: Path, connection: ConnectionSpec, environ: Mapping[str, str] | None
) -> list[Problem]:
    system, rules = connection.system, CREDENTIALS[connection.system]
    consent = registry.consent_app(system)
    problems = []
    if connection.base_url is None:
        problems.append(document.problem(at, "add `base_url:` (the API's address)", key=True))
    if connection.credentials is None:
        how = (
            f"{consent.provider} connects by consent: write `existing: true` and connect it in "
            f"the setup wizard, or add service `credentials:` ({', '.join(rules.required)})"
            if consent
            else f"add `credentials:` ({', '.join(rules.required)})"
        )
        return [*problems, document.problem(at, how, key=True)]
    for key, value in connection.credentials.items():
        path = (*at, "credentials", key)
        if key in CONSENTED and consent:
            problems.append(document.problem(path, _rotating(consent.provider, key), key=True))
        elif key not in rules.required:
            problems.append(document.problem(path, _unknown_credential(key, system), key=True))
        elif key in rules.secrets and environment.variable(value) is None:
            variable = environment.suggested(connection.name, key)
            message = (
                f"{key} is a secret and must not be written in the file: write "
                f"`{key}: ${{{variable}}}` and set {variable} in the environment"
            )
            problems.append(document.problem(path, message))
        elif not isinstance(value, str | int) or isinstance(value, bool):
            problems.append(document.problem(path, f"{key}: write a text or `${{VARIABLE}}`"))
        else:
            what = f"the {key} of {connection.name}"
            problems += _environment_problems(document, path, value, what, environ)
    missing = [key for key in rules.required if key not in connection.credentials]
    if missing:
        written = ", ".join(
            f"`{key}: ${{{environment.suggested(connection.name, key)}}}`"
            if key in rules.secrets
            else f"`{key}: <value>`"
            for key in missing
        )
        problems.append(document.problem((*at, "credentials"), f"add {written}", key=True))
    for key, value in connection.options.items():
        kind = OPTION_KINDS.get(key, str)
        if key not in rules.options:
            message = unknown(f"option {key!r} of a {system} connection", key, rules.options)
            problems.append(document.problem((*at, "options", key), message, key=True))
        elif not isinstance(value, kind) or (
            kind is int and (isinstance(value, bool) or value < 1)
        ):
            how = {bool: "true or false", int: "a whole number above 0"}.get(kind, "a text")
            problems.append(document.problem((*at, "options", key), f"{key}: write {how}"))
    return problems


def _rotating(provider: str, key: str) -> str:
    return (
        f"{key} is a token of a connection made by consent, which {provider} rotates on every "
        "use, so it cannot be kept in a file: connect in the setup wizard and write "
        "`existing: true`, or use service credentials (client_id, client_secret, tenant_id)"
    )


def _unknown_credential(key: str, system: str) -> str:
    rules = CREDENTIALS[system]
    meant = key.removesuffix("_env")
    if meant != key and meant in rules.required:
        return f"write `{meant}: ${{VARIABLE}}` to take {meant} from the environment"
    return unknown(f"credential {key!r} of a {system} connection", key, rules.required)


def _environment_problems(
    document: Document, path: Path, value: Any, what: str, environ: Mapping[str, str] | None
) -> list[Problem]:
    name = environment.variable(value)
    if environ is None or name is None or environ.get(name):
        return []
    state = "is empty" if name in environ else "is not set"
    return [document.problem(path, f"environment variable {name} {state}; set it to {what}")]
