"""`/alerts`: what needs a person, each with a link to where it is fixed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from brygga.connectors import registry
from brygga.store import Alert, Connection, Flow, Integration
from brygga.store.alerts import ERROR_QUEUE, RECONNECT_REQUIRED
from brygga.web.alerts import alerts_of
from brygga.web.auth import Caller, page_viewer
from brygga.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, resolved: bool = False, caller: Caller = Depends(page_viewer)
) -> Response:
    query = alerts_of(caller.workspace_id)
    if not resolved:
        query = query.where(Alert.resolved_at.is_(None))
    with request.app.state.db.session() as session:
        shown = [_shown(session, alert) for alert in session.scalars(query)]
    return render(request, "pages/alerts.html", caller, alerts=shown, resolved=resolved)


def _shown(session: Any, alert: Alert) -> dict[str, Any]:
    """The alert with the page that deals with it."""
    found: dict[str, Any] = {
        "id": alert.id, "kind": alert.kind, "message": alert.message,
        "raised_at": alert.raised_at, "resolved_at": alert.resolved_at, "link": None,
    }  # fmt: skip
    if alert.connection_id is not None and alert.kind == RECONNECT_REQUIRED:
        connection = session.get(Connection, alert.connection_id)
        found["link"] = (reconnect_url(connection), f"Reconnect {connection.name}")
    elif alert.flow_id is not None:
        flow = session.get(Flow, alert.flow_id)
        name = flow.integration.name
        if alert.kind == ERROR_QUEUE:
            found["link"] = (f"/errors?integration={name}&flow={flow.name}", "See the errors")
        else:
            found["link"] = (f"/integrations/{name}", f"Open {name}")
    elif alert.integration_id is not None:
        integration = session.get(Integration, alert.integration_id)
        found["link"] = (f"/integrations/{integration.name}", f"Open {integration.name}")
    return found


def reconnect_url(connection: Connection) -> str:
    """Where a connection is connected again: the provider's consent (the wizard's route) for
    an OAuth system, its integration page's credentials form for one connected with keys."""
    if registry.consent_app(connection.system) is not None:
        return f"/setup/connect/{connection.name}"
    return f"/connections/{connection.name}"
