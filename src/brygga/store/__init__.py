"""Brygga's state: connections, integrations, flows, cursors, cross-references and runs."""

from brygga.store import api_tokens, users, workspaces
from brygga.store.connections import connection_credentials, save_connection
from brygga.store.database import Database, migrated_database, resolve_database_url
from brygga.store.secrets import SecretBox, SecretKeyMismatch
from brygga.store.tables import (
    Alert,
    ApiToken,
    Base,
    Connection,
    CrossReference,
    Cursor,
    Flow,
    InboxEvent,
    Integration,
    Membership,
    RecordError,
    RecordOutcome,
    Run,
    User,
    Workspace,
)

__all__ = [
    "Alert",
    "ApiToken",
    "Base",
    "Connection",
    "CrossReference",
    "Cursor",
    "Database",
    "Flow",
    "InboxEvent",
    "Integration",
    "Membership",
    "RecordError",
    "RecordOutcome",
    "Run",
    "SecretBox",
    "SecretKeyMismatch",
    "User",
    "Workspace",
    "api_tokens",
    "connection_credentials",
    "migrated_database",
    "resolve_database_url",
    "save_connection",
    "users",
    "workspaces",
]
