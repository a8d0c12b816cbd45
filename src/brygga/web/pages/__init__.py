"""The dashboard's pages (server-rendered, Jinja2)."""

from fastapi import APIRouter

from brygga.web.pages import overview, records, runs

routers: list[APIRouter] = [overview.router, runs.router, records.router]

# Configuration: errors, alerts, integrations, connections, settings and time history.
from brygga.web.pages import alerts, connections, errors, history, integrations, settings  # noqa: E402

routers += [
    errors.router,
    alerts.router,
    integrations.router,
    connections.router,
    settings.router,
    history.router,
]
