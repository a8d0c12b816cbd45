"""Connecting by consent (OAuth 2 authorization code, RFC 6749 §4.1): Brygga sends the browser
to the provider's consent page with a random `state` bound to this session, and the provider
sends it back to `/setup/callback` with a code, which is redeemed for the connection's
credentials. A callback whose state this session did not just send (forged, or replayed) is
refused: the state is used once.

Until the consent comes back, the connection keeps the app's client id and secret (encrypted,
like all credentials) and waits in "reconnect required"; the cookie holds only the state and
the connection's name."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse, Response

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError
from brygga.store import connection_credentials, save_connection
from brygga.store.alerts import RECONNECT_REQUIRED
from brygga.web.auth import Caller, page_owner
from brygga.web.templating import render
from brygga.web.wizard import systems
from brygga.web.wizard.progress import connection_named

if TYPE_CHECKING:
    from brygga.web.wizard.connect import Target

router = APIRouter(include_in_schema=False)

KEY = "consent"  # the session's pending consent: state, connection, where to go after


def begin(
    request: Request,
    caller: Caller,
    target: Target,
    base_url: str,
    form: dict[str, str],
    stored: dict[str, Any],
) -> str:
    """Keep the app's client with the connection and return the provider's consent page. The
    client id and secret come from the deployment's environment, else from the form, else
    (reconnecting) from what the connection has."""
    app = registry.consent_app(target.system)
    assert app is not None  # only systems connected by consent come here
    configured = systems.configured_client(target.system)
    client_id, client_secret = configured or (
        form.get("client_id") or str(stored.get("client_id") or ""),
        form.get("client_secret") or str(stored.get("client_secret") or ""),
    )
    if not (client_id and client_secret):
        raise ValueError(f"fill in the client id and secret of Brygga's {app.provider} app")
    db, box = request.app.state.db, request.app.state.box
    with db.session() as session:
        connection = connection_named(session, caller, target.connection)
        app_client = {"client_id": client_id, "client_secret": client_secret}
        if connection is None:
            connection = save_connection(
                session, box, name=target.connection, system=target.system,
                base_url=base_url, credentials=app_client, workspace=caller.workspace,
            )  # fmt: skip
            connection.status = RECONNECT_REQUIRED  # no grant yet
        else:  # its grant (if any) stays until the new one arrives
            connection.base_url = base_url
            connection.credentials = box.encrypt(stored | app_client)
    state = secrets.token_urlsafe(32)
    request.session[KEY] = {
        "state": state,
        "connection": target.connection,
        "then": target.then,
        "retry": target.action,
    }
    return app.authorize_url(base_url, client_id, _callback_url(request), state)


@router.get("/setup/callback")
async def callback(
    request: Request,
    state: str = "",
    code: str = "",
    error: str = "",
    caller: Caller = Depends(page_owner),
) -> Response:
    pending = request.session.pop(KEY, None)  # used once, whatever comes of it
    expected = pending.get("state", "") if isinstance(pending, dict) else ""
    if not (state and expected and hmac.compare_digest(state.encode(), expected.encode())):
        return _refused(
            request,
            caller,
            "This answer from the provider does not belong to a connection started in this "
            "browser, or it was used already, so Brygga did not accept it.",
            "/setup",
        )
    assert isinstance(pending, dict)
    retry = pending["retry"]
    db, box = request.app.state.db, request.app.state.box
    with db.session() as session:
        connection = connection_named(session, caller, pending["connection"])
        if connection is None:
            return _refused(request, caller, "The connection is gone; start again.", "/setup")
        system, base_url = connection.system, connection.base_url
        stored = connection_credentials(box, connection)
    app = registry.consent_app(system)
    assert app is not None
    if error or not code:
        reason = f" ({error})" if error else ""
        message = f"{app.provider} did not give Brygga access{reason}."
        return _refused(request, caller, message, retry)
    try:
        granted = await app.redeem(
            base_url, stored["client_id"], stored["client_secret"], code, _callback_url(request)
        )
    except ConnectorError as exc:
        return _refused(request, caller, f"{exc.message}.", retry)
    except httpx.HTTPError as exc:
        message = f"Brygga could not reach {app.provider} ({type(exc).__name__}); try again."
        return _refused(request, caller, message, retry)
    with db.session() as session:
        save_connection(
            session, box, name=pending["connection"], system=system, base_url=base_url,
            credentials=stored | granted, workspace=caller.workspace,
        )  # fmt: skip
    return RedirectResponse(pending["then"], status.HTTP_303_SEE_OTHER)


def _callback_url(request: Request) -> str:
    return str(request.url_for("callback"))


def _refused(request: Request, caller: Caller, message: str, retry: str) -> Response:
    return render(
        request, "wizard/refused.html", caller, message=message, retry=retry,
        status_code=status.HTTP_400_BAD_REQUEST,
    )  # fmt: skip
