"""Connecting one system, the way the system itself does it: Centra and Magento by keys typed
into a form (tested before they are saved), Fortnox and Visma.net by the merchant's consent on
the provider's page (`consent`). The wizard connects its shop and ERP here, and any page's
"Reconnect" link leads to `/setup/connect/<connection>`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response

from brygga.connectors import registry
from brygga.store import Connection, connection_credentials, save_connection
from brygga.store.connections import ACTIVE
from brygga.web import UNPROCESSABLE, scope
from brygga.web.auth import Caller, page_owner
from brygga.web.wizard import consent, systems
from brygga.web.wizard import progress as wizard
from brygga.web.wizard.accounts import Found, check_connections, try_credentials
from brygga.web.wizard.view import show

router = APIRouter(include_in_schema=False)
# `/setup/{side}` would also match the other steps' addresses: included after them.
sides = APIRouter(include_in_schema=False)


class Side(StrEnum):
    shop = "shop"
    erp = "erp"


@dataclass(frozen=True)
class Target:
    """The connection a form connects, and where the merchant goes once it is connected."""

    connection: str
    system: str
    action: str  # where the form posts
    then: str


@sides.get("/setup/{side}")
def side_page(side: Side, request: Request, caller: Caller = Depends(page_owner)) -> Response:
    with request.app.state.db.session() as session:
        started = wizard.reached(request, caller, session, side)
        existing = started.connection(session, caller, side)
        done = started.done(session, caller)
    target = _wizard_target(started, side)
    return _form(request, caller, target, existing, started=started, step=side, done=done)


@sides.post("/setup/{side}")
async def connect_side(
    side: Side, request: Request, caller: Caller = Depends(page_owner)
) -> Response:
    with request.app.state.db.session() as session:
        started = wizard.reached(request, caller, session, side)
        done = started.done(session, caller)
    target = _wizard_target(started, side)
    return await _submit(request, caller, target, started=started, step=side, done=done)


@router.get("/setup/connect/{connection}")
async def reconnect_page(
    connection: str, request: Request, caller: Caller = Depends(page_owner)
) -> Response:
    """Connect an existing connection again; an active one is tested first."""
    db = request.app.state.db
    with db.session() as session:
        existing = scope.connection(session, caller, connection)
    found = None
    if existing.status == ACTIVE:
        [found] = await check_connections(db, request.app.state.box, [existing])
    return _form(request, caller, _reconnect_target(existing), existing, found=found)


@router.post("/setup/connect/{connection}")
async def reconnect(
    connection: str, request: Request, caller: Caller = Depends(page_owner)
) -> Response:
    with request.app.state.db.session() as session:
        existing = scope.connection(session, caller, connection)
    return await _submit(request, caller, _reconnect_target(existing))


def _wizard_target(started: wizard.Progress, side: str) -> Target:
    then = "/setup/erp" if side == Side.shop else "/setup/check"
    name = started.connection_name(side)
    return Target(name, started.system(side), f"/setup/{side}", then)


def _reconnect_target(connection: Connection) -> Target:
    here = f"/setup/connect/{connection.name}"
    return Target(connection.name, connection.system, here, here)


def _form(
    request: Request,
    caller: Caller,
    target: Target,
    existing: Connection | None,
    *,
    started: wizard.Progress | None = None,
    step: str = "",
    done: set[str] | frozenset[str] = frozenset(),
    error: str | None = None,
    entered: dict[str, str] | None = None,
    found: Found | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    """The connect form; after a refusal, what was typed except the secrets."""
    known: dict[str, str] = {"base_url": systems.LIVE_URLS.get(target.system, "")}
    if existing is not None:
        known["base_url"] = existing.base_url
        stored = connection_credentials(request.app.state.box, existing)
        known["client_id"] = str(stored.get("client_id") or "")  # public: it is in the URL
    return show(
        request,
        caller,
        "connect.html",
        started,
        step,
        set(done),
        status_code=status_code,
        target=target,
        existing=existing,
        entered=known | (entered or {}),
        key_form=systems.KEY_FORMS.get(target.system),
        consent=registry.consent_app(target.system) is not None,
        configured=systems.configured_client(target.system) is not None,
        error=error,
        found=found,
    )


async def _submit(
    request: Request,
    caller: Caller,
    target: Target,
    *,
    started: wizard.Progress | None = None,
    step: str = "",
    done: set[str] | frozenset[str] = frozenset(),
) -> Response:
    form = {key: str(value).strip() for key, value in (await request.form()).items()}
    db, box = request.app.state.db, request.app.state.box
    with db.session() as session:
        existing = wizard.connection_named(session, caller, target.connection)
    base_url = form.get("base_url", "")
    key_form = systems.KEY_FORMS.get(target.system)
    kept = {"base_url": base_url}
    if key_form is not None:
        kept |= {f.key: form.get(f.key, "") for f in key_form.fields if not f.secret}
    else:
        kept["client_id"] = form.get("client_id", "")

    def refused(problem: str) -> Response:
        return _form(
            request, caller, target, existing, started=started, step=step, done=done,
            error=problem, entered=kept, status_code=UNPROCESSABLE,
        )  # fmt: skip

    problem = _url_problem(base_url)
    if problem:
        return refused(problem)
    stored = connection_credentials(box, existing) if existing is not None else {}
    if key_form is None:
        try:
            url = consent.begin(request, caller, target, base_url, form, stored)
        except ValueError as exc:
            return refused(str(exc))
        return RedirectResponse(url, status.HTTP_303_SEE_OTHER)
    credentials = {f.key: form.get(f.key, "") for f in key_form.fields}
    missing = [f.label for f in key_form.fields if not credentials[f.key]]
    if missing:
        return refused(f"fill in the {', '.join(missing)}")
    found = await try_credentials(target.system, base_url, stored | credentials)
    if found.error:
        return refused(f"{systems.name(target.system)} did not accept them: {found.error}")
    with db.session() as session:
        try:
            save_connection(
                session, box, name=target.connection, system=target.system,
                base_url=base_url, credentials=stored | credentials, workspace=caller.workspace,
            )  # fmt: skip
        except ValueError as exc:
            return refused(str(exc))
    return RedirectResponse(target.then, status.HTTP_303_SEE_OTHER)


def _url_problem(base_url: str) -> str | None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "give the address of the API, starting with https://"
    return None
