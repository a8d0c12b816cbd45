"""Brygga on the web: the REST API, the dashboard and the setup wizard."""

from typing import Annotated

from fastapi import Path

# Starlette renamed its constant (RFC 9110 "Unprocessable Content"); the number is stable.
UNPROCESSABLE = 422

# A row id in a path: the tables' ids are 32-bit integers on PostgreSQL, so a larger number is
# refused (422) before it reaches the database, where it would overflow.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

# The record a page's path names, by the parameter every route uses for it (web.scope's guard
# checks it belongs to the caller's workspace); the handler may call it `name`.
IntegrationName = Annotated[str, Path(alias="integration")]
ConnectionName = Annotated[str, Path(alias="connection")]
