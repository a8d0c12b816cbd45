"""Credentials by reference: a value `${CENTRA_TOKEN}` in the file is the environment variable
CENTRA_TOKEN when the file is applied, so the secret itself never enters git."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def variable(value: Any) -> str | None:
    """The environment variable `value` refers to, if it is a reference (`${NAME}`)."""
    found = REFERENCE.fullmatch(value) if isinstance(value, str) else None
    return found.group(1) if found else None


def resolved(value: Any, environ: Mapping[str, str]) -> Any:
    """The value with a reference replaced by its variable's value (KeyError if unset)."""
    name = variable(value)
    return value if name is None else environ[name]


def suggested(connection: str, key: str) -> str:
    """A variable name to propose for a credential, e.g. ACME_CENTRA_TOKEN."""
    return re.sub(r"[^A-Z0-9]+", "_", f"{connection}_{key}".upper()).strip("_")
