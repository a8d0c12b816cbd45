"""Step 4: test both connections and show what Brygga found in each account."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from brygga.web.auth import Caller, page_owner
from brygga.web.wizard import progress as wizard
from brygga.web.wizard.accounts import check_connections
from brygga.web.wizard.view import show

router = APIRouter(include_in_schema=False)


@router.get("/setup/check")
async def check(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    db = request.app.state.db
    with db.session() as session:
        started = wizard.reached(request, caller, session, "check")
        done = started.done(session, caller)
        connections = [started.connection(session, caller, side) for side in wizard.SIDES]
    found = await check_connections(db, request.app.state.box, connections)
    sides = list(zip(wizard.SIDES, found, strict=True))
    answered = all(item.error is None for item in found)
    return show(
        request, caller, "check.html", started, "check", done, sides=sides, answered=answered
    )
