"""Workspaces and who may do what in them.

Roles, from least to most: a viewer reads; an operator also runs flows, retries and skips
errors and moves cursors; an owner also connects systems, changes settings and manages the
workspace's people and API tokens.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.tables import Membership, Workspace

VIEWER, OPERATOR, OWNER = "viewer", "operator", "owner"
ROLES = (VIEWER, OPERATOR, OWNER)  # each may do what the ones before it may

# Where the command line puts what it configures when no workspace is named.
DEFAULT_WORKSPACE = "default"


def allows(role: str, needed: str) -> bool:
    """Whether `role` may do what needs `needed`."""
    return ROLES.index(role) >= ROLES.index(needed)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role


def workspace_named(session: Session, name: str, *, create: bool = False) -> Workspace:
    """The workspace called `name`; made if `create`, else a ValueError if there is none."""
    found = session.scalar(select(Workspace).where(Workspace.name == name))
    if found is not None:
        return found
    if not create:
        raise ValueError(f"no workspace called {name!r}")
    if not name.strip():
        raise ValueError("give the workspace a name, e.g. the merchant's")
    found = Workspace(name=name)
    session.add(found)
    session.flush()
    return found


def join(session: Session, user_id: int, workspace: Workspace, role: str) -> Membership:
    """Give the user `role` in the workspace (a member already has their role changed)."""
    membership = session.get(Membership, (user_id, workspace.id))
    if membership is None:
        membership = Membership(user_id=user_id, workspace_id=workspace.id)
        session.add(membership)
    membership.role = check_role(role)
    session.flush()
    return membership


def memberships(session: Session, user_id: int) -> list[Membership]:
    """The user's workspaces with their role in each, by workspace name."""
    query = (
        select(Membership)
        .join(Workspace)
        .where(Membership.user_id == user_id)
        .order_by(Workspace.name)
    )
    return list(session.scalars(query))
