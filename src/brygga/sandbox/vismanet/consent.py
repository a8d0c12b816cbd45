"""Visma Connect's authorize endpoint with a consent page (fact sheet §1.2, §7.1).

`GET /connect/authorize?client_id&redirect_uri&response_type=code&scope&state` (optionally
`code_challenge` with `code_challenge_method=S256`) checks the client and the redirect URI (an
error page, `400 {"error": ...}`, when either is wrong: Connect cannot redirect then), then the
response type, scopes and PKCE method (redirected back as `?error=...&state=...`). It shows a
small HTML page on which the demo user picks the company (the seeded company tenant, by name)
and approves or denies. The form posts to `POST /connect/consent`, which redirects to
`redirect_uri?code=...&state=...` (see `connect` for the code) or, when denied,
`?error=access_denied&state=...`. The pending consent is kept in the store and used once, so
the form cannot be replayed or altered.

Live Connect signs the user in first and accepts only the redirect URIs registered for the app
in the Developer Portal; the sandbox has one demo user already signed in and no portal, so any
redirect URI is accepted. Interactive scopes are listed in `company.INTERACTIVE_SCOPES`.
"""

from __future__ import annotations

import html
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet.company import (
    CLIENT_ID,
    COMPANY_NAME,
    COMPANY_TENANT,
    INTERACTIVE_SCOPES,
)
from brygga.sandbox.vismanet.connect import CODE_TTL
from brygga.sandbox.vismanet.errors import ConnectError

COMPANIES = {COMPANY_TENANT: COMPANY_NAME}  # the companies the demo user is an API User of
PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Visma Connect – allow access</title></head>
<body>
<h1>Allow access</h1>
<form method="post" action="/connect/consent">
<input type="hidden" name="consent" value="{consent}">
<fieldset>
<legend><strong>{client}</strong> wants access to the Visma.net company:</legend>
{companies}
</fieldset>
<p>with the permissions:</p>
<ul>{scopes}</ul>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body>
</html>
"""
COMPANY = '<label><input type="radio" name="tenant_id" value="{tenant}" checked> {name}</label>'


def router(store: DocumentStore) -> APIRouter:
    routes = APIRouter(prefix="/connect")

    @routes.get("/authorize")
    async def consent_page(
        client_id: str = "",
        redirect_uri: str = "",
        response_type: str = "",
        scope: str = "",
        state: str = "",
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> Response:
        if client_id != CLIENT_ID:
            raise ConnectError(400, "unauthorized_client")
        if not redirect_uri.startswith(("https://", "http://")):
            raise ConnectError(400, "invalid_request")
        if response_type != "code":
            return redirect(redirect_uri, state, error="unsupported_response_type")
        scopes = scope.split()
        if not scopes or not set(scopes) <= set(INTERACTIVE_SCOPES):
            return redirect(redirect_uri, state, error="invalid_scope")
        # Without a method PKCE means `plain`, which IdentityServer refuses unless allowed.
        if code_challenge and code_challenge_method != "S256":
            return redirect(redirect_uri, state, error="invalid_request")
        consent = secrets.token_urlsafe(24)
        record = {"ClientId": client_id, "RedirectUri": redirect_uri, "Scope": " ".join(scopes)}
        record |= {"State": state, "Challenge": code_challenge, "Used": False}
        store.put("consents", consent, record | {"ExpiresAt": time.time() + CODE_TTL})
        page = PAGE.format(
            client=html.escape(client_id),
            companies="\n".join(
                COMPANY.format(tenant=tenant, name=html.escape(name))
                for tenant, name in COMPANIES.items()
            ),
            scopes="".join(f"<li>{html.escape(name)}</li>" for name in scopes),
            consent=consent,
        )
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @routes.post("/consent")
    async def decide(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        consent = form.get("consent", "")
        record = store.get("consents", consent) if consent else None
        if record is None or record["Used"] or record["ExpiresAt"] < time.time():
            raise ConnectError(400, "invalid_request")
        approved = form.get("decision") == "approve"
        tenant = form.get("tenant_id", "")
        if approved and tenant not in COMPANIES:
            raise ConnectError(400, "invalid_tenant")
        store.put("consents", consent, record | {"Used": True})
        if not approved:
            return redirect(record["RedirectUri"], record["State"], error="access_denied")
        code = secrets.token_urlsafe(24)
        grant = {name: record[name] for name in ("ClientId", "RedirectUri", "Scope", "Challenge")}
        grant |= {"TenantId": tenant, "Used": False, "ExpiresAt": time.time() + CODE_TTL}
        store.put("auth_codes", code, grant)
        return redirect(record["RedirectUri"], record["State"], code=code)

    return routes


def redirect(uri: str, state: str, **params: str) -> Response:
    """Back to the client with `params` and the request's `state`, when it sent one."""
    query = params | ({"state": state} if state else {})
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(query)}", status_code=302)
