"""`/api/workspaces` and `/api/workspace/members`: where the caller works, with which role, and
(for an owner) who else works there. Members are existing users (`brygga user create`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brygga.store import Membership, User, Workspace, users, workspaces
from brygga.store.workspaces import OWNER, ROLES
from brygga.web import UNPROCESSABLE
from brygga.web.auth import Caller, owner, viewer

router = APIRouter(prefix="/api", tags=["workspaces"])


class WorkspaceOut(BaseModel):
    name: str
    role: str
    current: bool


class Member(BaseModel):
    email: str
    role: str


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str


@router.get("/workspaces", response_model=list[WorkspaceOut])
def list_workspaces(request: Request, caller: Caller = Depends(viewer)) -> list[WorkspaceOut]:
    """The caller's workspaces and their role in each; an API token has its one workspace."""
    if caller.user_id is None:
        return [WorkspaceOut(name=caller.workspace, role=caller.role, current=True)]
    with request.app.state.db.session() as session:
        return [
            WorkspaceOut(
                name=m.workspace.name, role=m.role, current=m.workspace_id == caller.workspace_id
            )
            for m in workspaces.memberships(session, caller.user_id)
        ]


@router.get("/workspace/members", response_model=list[Member])
def list_members(request: Request, caller: Caller = Depends(viewer)) -> list[Member]:
    with request.app.state.db.session() as session:
        return [Member(email=m.user.email, role=m.role) for m in _members(session, caller)]


@router.put("/workspace/members/{email}", response_model=Member)
def set_member(
    request: Request, email: str, body: RoleChange, caller: Caller = Depends(owner)
) -> Member:
    """Add an existing user to the workspace, or change a member's role."""
    if body.role not in ROLES:
        raise HTTPException(UNPROCESSABLE, f"role is one of {', '.join(ROLES)}")
    with request.app.state.db.session() as session:
        user = users.user_with_email(session, email)
        if user is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"no user {email}; create it first (`brygga user create`)",
            )
        current = session.get(Membership, (user.id, caller.workspace_id))
        if current is not None and current.role == OWNER and body.role != OWNER:
            _keep_an_owner(session, caller)
        workspace = session.get(Workspace, caller.workspace_id)
        membership = workspaces.join(session, user.id, workspace, body.role)
        return Member(email=user.email, role=membership.role)


@router.delete("/workspace/members/{email}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(request: Request, email: str, caller: Caller = Depends(owner)) -> Response:
    with request.app.state.db.session() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        membership = session.get(Membership, (user.id, caller.workspace_id)) if user else None
        if membership is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"{email} is not a member")
        if membership.role == OWNER:
            _keep_an_owner(session, caller)
        session.delete(membership)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _members(session: Session, caller: Caller) -> list[Membership]:
    query = (
        select(Membership)
        .join(User)
        .where(Membership.workspace_id == caller.workspace_id)
        .order_by(User.email)
    )
    return list(session.scalars(query))


def _keep_an_owner(session: Session, caller: Caller) -> None:
    """409 if the workspace would be left without an owner."""
    owners = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.workspace_id == caller.workspace_id, Membership.role == OWNER)
    )
    if owners <= 1:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "the workspace needs an owner; make someone else owner first"
        )
