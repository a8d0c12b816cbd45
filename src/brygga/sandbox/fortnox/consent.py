"""The consent page at `/oauth-v1/auth` (fact sheet §1.1 steps 1-2, §7.1).

`GET` checks the request (client, redirect URI, response type, scopes) and shows a small HTML
page on which the demo user approves or denies access for the seeded company; the form posts
back to `POST /oauth-v1/auth`, which redirects to `redirect_uri?code=...&state=...` (the code is
valid 10 minutes, single use) or, when denied, `?error=access_denied&state=...`. The pending
consent is kept in the store and used once, so the form cannot be replayed or altered.
Refresh tokens are only granted for `access_type=offline`.
"""

from __future__ import annotations

import html
import secrets
import time
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from brygga.sandbox.fortnox.errors import OAuthError
from brygga.sandbox.fortnox.oauth import CODE_TTL, redirect
from brygga.sandbox.fortnox.tenant import CLIENT_ID, SCOPES, settings
from brygga.sandbox.storage import DocumentStore

PAGE = """<!DOCTYPE html>
<html lang="sv">
<head><meta charset="utf-8"><title>Fortnox – godkänn integration</title></head>
<body>
<h1>Godkänn integration</h1>
<p>Integrationen <strong>{client}</strong> vill få åtkomst till <strong>{company}</strong>
med behörigheterna:</p>
<ul>{scopes}</ul>
<form method="post" action="/oauth-v1/auth">
<input type="hidden" name="consent" value="{consent}">
<button type="submit" name="decision" value="approve">Godkänn</button>
<button type="submit" name="decision" value="deny">Avbryt</button>
</form>
</body>
</html>
"""


def router(store: DocumentStore) -> APIRouter:
    routes = APIRouter(prefix="/oauth-v1")

    @routes.get("/auth")
    async def consent_page(
        client_id: str = "",
        response_type: str = "",
        state: str = "",
        scope: str = "",
        redirect_uri: str = "",
        access_type: str = "",
    ) -> Response:
        if client_id != CLIENT_ID:
            raise OAuthError("invalid_client", "Auth code or ClientID supplied is invalid", 401)
        # Live Fortnox falls back to the redirect URI registered in the Developer Portal; the
        # sandbox has no portal, so the client must name one.
        if not redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is required")
        if response_type != "code":
            return redirect(redirect_uri, error="unsupported_response_type", state=state)
        scopes = scope.split()
        if not scopes or not set(scopes) <= set(SCOPES.split()):
            return redirect(redirect_uri, error="invalid_scope", state=state)
        consent = secrets.token_urlsafe(24)
        record = {"ClientId": client_id, "RedirectUri": redirect_uri, "Scope": " ".join(scopes)}
        record |= {"State": state, "Offline": access_type == "offline", "Used": False}
        store.put("consents", consent, record | {"ExpiresAt": time.time() + CODE_TTL})
        page = PAGE.format(
            client=html.escape(client_id),
            company=html.escape(settings(store)["CompanyName"]),
            scopes="".join(f"<li>{html.escape(name)}</li>" for name in scopes),
            consent=consent,
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @routes.post("/auth")
    async def decide(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        consent = form.get("consent", "")
        record = store.get("consents", consent) if consent else None
        if record is None or record["Used"] or record["ExpiresAt"] < time.time():
            raise OAuthError("invalid_request", "The consent request is invalid or has expired")
        store.put("consents", consent, record | {"Used": True})
        if form.get("decision") != "approve":
            return redirect(record["RedirectUri"], error="access_denied", state=record["State"])
        code = secrets.token_urlsafe(24)
        grant = {name: record[name] for name in ("ClientId", "RedirectUri", "Scope", "Offline")}
        store.put("auth_codes", code, grant | {"Used": False, "ExpiresAt": time.time() + CODE_TTL})
        return redirect(record["RedirectUri"], code=code, state=record["State"])

    return routes
