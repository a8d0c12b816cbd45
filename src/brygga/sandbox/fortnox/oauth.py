"""OAuth 2 as Fortnox runs it on apps.fortnox.se (fact sheet §1.1, §1.2, §7.1).

- `/oauth-v1/auth` is the consent page (`consent.py`): the demo user approves for the seeded
  company and is sent back to `redirect_uri?code=...&state=...`.
- `POST /oauth-v1/token` (form body, `Authorization: Basic`) grants `authorization_code` (code
  valid 10 min, single use), `refresh_token` (45 days, single use, rotated on every refresh;
  reusing a spent one revokes the whole grant, so the user must consent again) and
  `client_credentials` (needs the `TenantId` header; no refresh token).
- `POST /oauth-v1/revoke` (Basic auth, form `token=...&token_type_hint=refresh_token`) ends the
  grant of a refresh token and answers `{"revoked": true|false}` (contract unconfirmed, §1.1).
  Access tokens are stateless JWTs: they stay valid until they expire.
- Access tokens are HS256 JWTs with a `tenantId` claim, valid `BRYGGA_SANDBOX_FORTNOX_TOKEN_TTL`
  seconds (default 3600). The signing secret is made once and kept in the store.
- `POST /_sandbox/expire-tokens` (no Fortnox counterpart) makes every access token issued so far
  invalid, as if its hour had passed: the fault "expired JWT → 401" of §7.9. It signs new
  tokens with a new secret; refresh tokens are untouched.

Errors use the Ory Hydra shape; per-error HTTP statuses are undocumented (400 for grant errors,
401 for client authentication is what Hydra does).
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from brygga.sandbox.fortnox.errors import OAuthError
from brygga.sandbox.fortnox.tenant import CLIENT_ID, CLIENT_SECRET, SCOPES, TENANT_ID
from brygga.sandbox.storage import DocumentStore

TOKEN_TTL_ENV = "BRYGGA_SANDBOX_FORTNOX_TOKEN_TTL"
CODE_TTL = 600
REFRESH_TTL = 45 * 24 * 3600


@dataclass
class TokenIssuer:
    store: DocumentStore
    secret: str
    access_ttl: int

    @classmethod
    def open(cls, store: DocumentStore) -> TokenIssuer:
        secret = store.get_meta("jwt_secret")
        if secret is None:
            secret = secrets.token_urlsafe(48)
            store.set_meta("jwt_secret", secret)
        return cls(store, secret, int(os.environ.get(TOKEN_TTL_ENV, "3600")))

    def expire_access_tokens(self) -> None:
        self.secret = secrets.token_urlsafe(48)
        self.store.set_meta("jwt_secret", self.secret)

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired access token; None for anything else."""
        try:
            return jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None

    def grant(self, client_id: str, scope: str, grant: str | None) -> dict[str, Any]:
        """The token response; with a `grant` id (consent with `access_type=offline`) it
        carries a fresh refresh token of that grant."""
        issued = int(time.time())
        claims = {
            "tenantId": TENANT_ID,
            "clientId": client_id,
            "scope": scope,
            "iat": issued,
            "exp": issued + self.access_ttl,
            "jti": str(uuid.uuid4()),
        }
        response: dict[str, Any] = {"access_token": jwt.encode(claims, self.secret, "HS256")}
        if grant is not None:
            refresh = secrets.token_urlsafe(32)
            record = {"ClientId": client_id, "Scope": scope, "Grant": grant, "Used": False}
            record["ExpiresAt"] = issued + REFRESH_TTL
            self.store.put("refresh_tokens", refresh, record)
            response["refresh_token"] = refresh
        response |= {"scope": scope, "expires_in": self.access_ttl, "token_type": "bearer"}
        return response


def router(issuer: TokenIssuer) -> APIRouter:
    routes = APIRouter(prefix="/oauth-v1")
    store = issuer.store

    @routes.post("/token")
    async def token(request: Request) -> Response:
        client_id = _authenticate(request)
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            body = _redeem_code(issuer, client_id, form)
        elif grant_type == "refresh_token":
            body = _refresh(issuer, client_id, form.get("refresh_token", ""))
        elif grant_type == "client_credentials":
            body = _client_credentials(issuer, client_id, request, form.get("scope"))
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @routes.post("/revoke")
    async def revoke(request: Request) -> Response:
        client_id = _authenticate(request)
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        token = form.get("token", "")
        record = store.get("refresh_tokens", token) if token else None
        revoked = record is not None and record["ClientId"] == client_id
        if revoked:
            store.put("revoked_grants", record["Grant"], {"RevokedAt": time.time()})
        return JSONResponse({"revoked": revoked}, headers={"Cache-Control": "no-store"})

    return routes


def add_expiry_route(app: FastAPI, issuer: TokenIssuer) -> None:
    @app.post("/_sandbox/expire-tokens", include_in_schema=False)
    async def expire_tokens() -> Response:
        issuer.expire_access_tokens()
        return JSONResponse({"expired": True})


def _authenticate(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        client_id = secret = ""
    valid = hmac.compare_digest(client_id.encode(), CLIENT_ID.encode())
    valid &= hmac.compare_digest(secret.encode(), CLIENT_SECRET.encode())
    if scheme.lower() != "basic" or not valid:
        raise OAuthError("invalid_client", "Client authentication failed", 401)
    return client_id


def _redeem_code(issuer: TokenIssuer, client_id: str, form: dict[str, str]) -> dict[str, Any]:
    code = form.get("code", "")
    record = issuer.store.get("auth_codes", code) if code else None
    if record is None or record["Used"] or record["ExpiresAt"] < time.time():
        raise OAuthError("invalid_grant", "The authorization code is invalid or has expired")
    if record["ClientId"] != client_id or form.get("redirect_uri") != record["RedirectUri"]:
        raise OAuthError("invalid_grant", "The redirect_uri or client does not match")
    issuer.store.put("auth_codes", code, record | {"Used": True})
    grant = secrets.token_hex(8) if record["Offline"] else None
    return issuer.grant(client_id, record["Scope"], grant)


def _refresh(issuer: TokenIssuer, client_id: str, token: str) -> dict[str, Any]:
    store = issuer.store
    record = store.get("refresh_tokens", token) if token else None
    if record is None or record["ClientId"] != client_id:
        raise OAuthError("invalid_grant", "Invalid refresh token")
    revoked = store.get("revoked_grants", record["Grant"]) is not None
    if record["Used"] and not revoked:
        # A spent token used again (e.g. two concurrent refreshes) ends the grant (§1.1).
        store.put("revoked_grants", record["Grant"], {"RevokedAt": time.time()})
    if record["Used"] or revoked or record["ExpiresAt"] < time.time():
        raise OAuthError("invalid_grant", "Invalid refresh token")
    store.put("refresh_tokens", token, record | {"Used": True})
    return issuer.grant(client_id, record["Scope"], record["Grant"])


def _client_credentials(
    issuer: TokenIssuer, client_id: str, request: Request, scope: str | None
) -> dict[str, Any]:
    tenant = request.headers.get("tenantid")
    if not tenant:
        raise OAuthError("invalid_request", "The TenantId header is required")
    # The demo company has consented to a service account for the demo client (§1.2).
    if tenant.strip() != str(TENANT_ID):
        raise OAuthError("invalid_grant", f"No service account consent for tenant {tenant}")
    granted = SCOPES.split()
    wanted = scope.split() if scope else granted
    if not set(wanted) <= set(granted):
        raise OAuthError("invalid_scope", "The requested scope exceeds the consent")
    return issuer.grant(client_id, " ".join(wanted), None)


def redirect(uri: str, **params: str) -> Response:
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(params)}", status_code=302)
