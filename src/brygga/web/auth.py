"""Every API route needs a token: `Authorization: Bearer brg_...` (`brygga token create`)."""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from brygga.store import Database, api_tokens

bearer = HTTPBearer(auto_error=False, description="An API token from `brygga token create`")


def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> str:
    """The name of the caller's token; 401 for a missing, unknown or revoked one."""
    db: Database = request.app.state.db
    if credentials is not None:
        with db.session() as session:
            token = api_tokens.check(session, credentials.credentials)
            if token is not None:
                return token.name
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "an API token is needed: Authorization: Bearer <token from `brygga token create`>",
        headers={"WWW-Authenticate": "Bearer"},
    )
