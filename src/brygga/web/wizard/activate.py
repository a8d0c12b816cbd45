"""Step 7: activate the integration (it was paused since its settings were saved), and if the
merchant wants, start the first sync of its enabled flows at once, in the background, while
the integration's page shows it run."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response

from brygga.engine.integrations import sync
from brygga.store import Database, SecretBox
from brygga.web.auth import Caller, page_owner
from brygga.web.wizard import progress as wizard
from brygga.web.wizard.view import show

log = logging.getLogger("brygga.web")
router = APIRouter(include_in_schema=False)

# The first syncs running, kept so that they are not collected before they end.
_syncing: set[asyncio.Task[object]] = set()


@router.get("/setup/activate")
def activate_page(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    with request.app.state.db.session() as session:
        started = wizard.reached(request, caller, session, "activate")
        done = started.done(session, caller)
        integration = started.integration(session, caller)
        assert integration is not None  # reached: its settings were saved
        flows = [(f.name, f.source, f.target) for f in integration.flows if f.enabled]
    order = [flow.name for flow in started.template.flows]
    flows.sort(key=lambda flow: order.index(flow[0]))
    return show(request, caller, "activate.html", started, "activate", done, flows=flows)


@router.post("/setup/activate")
async def activate(
    request: Request, sync_now: str = Form(""), caller: Caller = Depends(page_owner)
) -> Response:
    db = request.app.state.db
    with db.session() as session:
        started = wizard.reached(request, caller, session, "activate")
        integration = started.integration(session, caller)
        assert integration is not None
        integration.paused = False
    if sync_now:
        _first_sync(db, request.app.state.box, started.name)
    wizard.finish(request)
    return RedirectResponse(f"/integrations/{started.name}", status.HTTP_303_SEE_OTHER)


def _first_sync(db: Database, box: SecretBox, name: str) -> None:
    task = asyncio.get_running_loop().create_task(sync(db, box, name))
    _syncing.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[object]) -> None:
    _syncing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("the first sync failed", exc_info=task.exception())
