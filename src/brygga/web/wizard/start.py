"""Step 1: choose a pair and name the integration."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.pairs import PAIRS
from brygga.store import Connection, Integration
from brygga.web import UNPROCESSABLE
from brygga.web.auth import Caller, page_owner
from brygga.web.wizard import progress as wizard
from brygga.web.wizard.systems import pair_label
from brygga.web.wizard.view import show

router = APIRouter(include_in_schema=False)

# The name goes into page addresses (/integrations/<name>) and names its connections.
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")


@router.get("/setup")
def choose_pair(request: Request, caller: Caller = Depends(page_owner)) -> Response:
    started = wizard.current(request, caller)
    done: set[str] = set()
    resume = None
    if started is not None:
        with request.app.state.db.session() as session:
            done = started.done(session, caller)
        resume = next(s for s in wizard.STEPS if s.key not in done or s.key == "activate")
    return _page(request, caller, started, done, resume=resume)


@router.post("/setup")
def start(
    request: Request,
    pair: str = Form(""),
    name: str = Form(""),
    caller: Caller = Depends(page_owner),
) -> Response:
    name = name.strip().lower()
    with request.app.state.db.session() as session:
        problem = _problem(session, caller, pair, name)
    if problem:
        chosen = wizard.Progress(pair, name) if pair in PAIRS else None
        return _page(
            request, caller, chosen, set(), error=problem, entered=name,
            status_code=UNPROCESSABLE,
        )  # fmt: skip
    wizard.begin(request, caller, pair, name)
    return RedirectResponse("/setup/shop", status.HTTP_303_SEE_OTHER)


def _problem(session: Session, caller: Caller, pair: str, name: str) -> str | None:
    if pair not in PAIRS:
        return "choose the pair of systems to connect"
    if not NAME.fullmatch(name):
        return (
            "name the integration with lower-case letters, digits and dashes (at most 60), "
            "e.g. acme-webshop"
        )
    integration = session.scalar(select(Integration).where(Integration.name == name))
    if integration is not None:
        if integration.workspace_id == caller.workspace_id:
            return f"you already have an integration called {name}; choose another name"
        return f"the name {name} is taken; choose another"
    template = PAIRS[pair]
    wanted = [f"{name}-{system}" for system in (template.shop, template.erp)]
    taken = session.scalar(
        select(Connection.name).where(
            Connection.name.in_(wanted), Connection.workspace_id != caller.workspace_id
        )
    )
    return f"the name {name} is taken; choose another" if taken else None


def _page(
    request: Request,
    caller: Caller,
    started: wizard.Progress | None,
    done: set[str],
    *,
    status_code: int = status.HTTP_200_OK,
    **context: object,
) -> Response:
    pairs = [(name, pair_label(template)) for name, template in PAIRS.items()]
    return show(
        request, caller, "start.html", started, "pair", done, pairs=pairs,
        status_code=status_code, **context,
    )  # fmt: skip
