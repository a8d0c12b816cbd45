"""Where a merchant is in the wizard. The session cookie keeps only the pair and the name
chosen in the first step; everything after is read from the rows the steps create: the two
connections (`<name>-<system>`, active once connected) and the integration (made, paused,
when its settings are saved). Credentials never go into the cookie."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.pairs import PairTemplate, pair_template
from brygga.store import Connection, Integration
from brygga.store.connections import ACTIVE
from brygga.web.auth import Caller
from brygga.web.wizard import systems

KEY = "wizard"
SIDES = ("shop", "erp")


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url: str


STEPS = (
    Step("pair", "Pair", "/setup"),
    Step("shop", "Shop", "/setup/shop"),
    Step("erp", "ERP", "/setup/erp"),
    Step("check", "Test", "/setup/check"),
    Step("settings", "Settings", "/setup/settings"),
    Step("sample", "Sample order", "/setup/sample"),
    Step("activate", "Activate", "/setup/activate"),
)


@dataclass(frozen=True)
class Progress:
    """The integration being set up: its pair and name, in the caller's workspace."""

    pair: str
    name: str

    @property
    def template(self) -> PairTemplate:
        return pair_template(self.pair)

    @property
    def label(self) -> str:
        return systems.pair_label(self.template)

    def system(self, side: str) -> str:
        return self.template.shop if side == "shop" else self.template.erp

    def connection_name(self, side: str) -> str:
        return f"{self.name}-{self.system(side)}"

    def connection(self, session: Session, caller: Caller, side: str) -> Connection | None:
        return connection_named(session, caller, self.connection_name(side))

    def integration(self, session: Session, caller: Caller) -> Integration | None:
        return session.scalar(
            select(Integration).where(
                Integration.name == self.name, Integration.workspace_id == caller.workspace_id
            )
        )

    def done(self, session: Session, caller: Caller) -> set[str]:
        """The steps whose rows exist: a connected side, saved settings."""
        found = {"pair"}
        for side in SIDES:
            connection = self.connection(session, caller, side)
            if connection is not None and connection.status == ACTIVE:
                found.add(side)
        if self.integration(session, caller) is not None:
            found |= {"check", "settings", "sample"}
        elif {"shop", "erp"} <= found:
            found.add("check")
        return found


def connection_named(session: Session, caller: Caller, name: str) -> Connection | None:
    """The caller's connection called `name`, if there is one (yet)."""
    return session.scalar(
        select(Connection).where(
            Connection.name == name, Connection.workspace_id == caller.workspace_id
        )
    )


def begin(request: Request, caller: Caller, pair: str, name: str) -> Progress:
    request.session[KEY] = {"workspace_id": caller.workspace_id, "pair": pair, "name": name}
    return Progress(pair, name)


def current(request: Request, caller: Caller) -> Progress | None:
    """The wizard the caller started in this workspace, if any."""
    kept = request.session.get(KEY)
    if not isinstance(kept, dict) or kept.get("workspace_id") != caller.workspace_id:
        return None
    return Progress(kept["pair"], kept["name"])


def finish(request: Request) -> None:
    request.session.pop(KEY, None)


def reached(request: Request, caller: Caller, session: Session, step: str) -> Progress:
    """The wizard's progress, if every step before `step` is done; else the browser is sent
    to the first step still to do."""
    progress = current(request, caller)
    if progress is None:
        raise _go("/setup")
    done = progress.done(session, caller)
    for earlier in STEPS:
        if earlier.key == step:
            return progress
        if earlier.key not in done:
            raise _go(earlier.url)
    raise ValueError(f"no wizard step {step}")


def _go(url: str) -> HTTPException:
    return HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": url})
