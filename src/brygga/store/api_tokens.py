"""Issuing, checking and revoking REST API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.tables import ApiToken, utcnow
from brygga.store.workspaces import DEFAULT_WORKSPACE, OPERATOR, check_role, workspace_named

PREFIX = "brg_"  # tells a reader (or a secret scanner) what the string is


def issue(
    session: Session, name: str, *, workspace: str = DEFAULT_WORKSPACE, role: str = OPERATOR
) -> str:
    """A new token called `name`, acting in `workspace` as `role`; the only time it is shown."""
    check_role(role)
    owner = workspace_named(session, workspace, create=True)
    if not name.strip():
        raise ValueError("give the token a name, e.g. who or what uses it")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise ValueError(f"a token called {name!r} exists; revoke it or choose another name")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_digest(token), workspace_id=owner.id, role=role))
    return token


def check(session: Session, token: str) -> ApiToken | None:
    """The live token this is, its use noted; None for an unknown or revoked one."""
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if found is None or found.revoked_at is not None:
        return None
    found.last_used_at = utcnow()
    return found


def revoke(session: Session, name: str) -> None:
    found = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if found is None:
        raise ValueError(f"no token called {name!r}")
    found.revoked_at = found.revoked_at or utcnow()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
