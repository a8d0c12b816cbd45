"""The setup wizard: choose a pair, connect both systems, test, set up, try one order, activate."""

from fastapi import APIRouter

from brygga.web.wizard import activate, check, connect, consent, sample, settings, start

# `connect.sides` (`/setup/{side}`) last, so that the other steps' addresses are matched first.
routers: list[APIRouter] = [
    start.router,
    consent.router,
    check.router,
    settings.router,
    sample.router,
    activate.router,
    connect.router,
    connect.sides,
]
