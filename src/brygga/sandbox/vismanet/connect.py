"""Visma Connect's token endpoint (fact sheet §1.1, §1.2, §7.1).

`POST /connect/token`, form-encoded, the client's id and secret in the form or as HTTP Basic
(both accepted by Visma Connect's IdentityServer). Grants:

- `client_credentials` (service API): `tenant_id` and service `scope`s. No refresh token. A
  token for the customer tenant is issued, but the ERP API refuses it (see `access`).
- `authorization_code` (interactive API): a `code` from the consent page (`consent`), single
  use and valid 10 minutes (Connect's lifetime is unpublished); `redirect_uri` as sent to
  `/connect/authorize`; `code_verifier` when the request carried a PKCE challenge (S256). Any
  redemption by the code's client spends it, even a refused one.
- `refresh_token`: only for a consent that included `offline_access`. Refresh tokens are
  configured per app as one-time or re-use (§1.2); the sandbox's are one-time: each refresh
  returns a new one, and a spent one used again is refused and ends the whole grant. They live
  30 days from the consent (IdentityServer's default absolute lifetime; Connect's per-app
  value is unpublished).

Errors are `400 {"error": ...}`: `invalid_client`, `invalid_tenant` (a tenant unknown to
Connect), `invalid_scope`, `invalid_grant`, `unsupported_grant_type`, `invalid_request`.

Access tokens are HS256 JWTs with `tenant_id`, `client_id` and `scope` (a list, as
IdentityServer writes it), valid `BRYGGA_SANDBOX_VISMANET_TOKEN_TTL` seconds (default 3600; the
live lifetime is per application and unpublished); an interactive token carries the company the
user picked. No `id_token`: the sandbox publishes no keys to verify one. The signing secret is
kept in the store; `POST /_sandbox/revoke-tokens` replaces it, so every access token issued
before is refused (refresh tokens are untouched).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

import jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet.company import (
    CLIENT_ID,
    CLIENT_SECRET,
    COMPANY_TENANT,
    CUSTOMER_TENANT,
    SCOPES,
)
from brygga.sandbox.vismanet.errors import ConnectError

TOKEN_TTL_ENV = "BRYGGA_SANDBOX_VISMANET_TOKEN_TTL"
ISSUER = "https://connect.visma.com"
CODE_TTL = 600
REFRESH_TTL = 30 * 24 * 3600


@dataclass
class TokenIssuer:
    secret: str
    ttl: int

    @classmethod
    def open(cls, store: DocumentStore) -> TokenIssuer:
        secret = store.get_meta("jwt_secret")
        if secret is None:
            secret = secrets.token_urlsafe(48)
            store.set_meta("jwt_secret", secret)
        return cls(secret, int(os.environ.get(TOKEN_TTL_ENV, "3600")))

    def revoke(self, store: DocumentStore) -> None:
        """Refuse every token issued so far, as when the app's access is withdrawn."""
        self.secret = secrets.token_urlsafe(48)
        store.set_meta("jwt_secret", self.secret)

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired token; None for anything else."""
        try:
            return jwt.decode(token, self.secret, algorithms=["HS256"], issuer=ISSUER)
        except jwt.PyJWTError:
            return None

    def issue(self, client_id: str, tenant: str, scopes: list[str]) -> dict[str, Any]:
        issued = int(time.time())
        claims = {
            "iss": ISSUER,
            "client_id": client_id,
            "tenant_id": tenant,
            "scope": scopes,
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.ttl,
            "jti": uuid.uuid4().hex,
        }
        return {
            "access_token": jwt.encode(claims, self.secret, "HS256"),
            "expires_in": self.ttl,
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }


def router(issuer: TokenIssuer, store: DocumentStore) -> APIRouter:
    routes = APIRouter()

    @routes.post("/connect/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        client_id = _authenticate(request, form)
        grant_type = form.get("grant_type", "")
        if grant_type == "client_credentials":
            body = _client_credentials(issuer, client_id, form)
        elif grant_type == "authorization_code":
            body = _redeem_code(issuer, store, client_id, form)
        elif grant_type == "refresh_token":
            body = _refresh(issuer, store, client_id, form.get("refresh_token", ""))
        else:
            raise ConnectError(400, "unsupported_grant_type")
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return routes


def _client_credentials(
    issuer: TokenIssuer, client_id: str, form: dict[str, str]
) -> dict[str, Any]:
    tenant = form.get("tenant_id", "").strip()
    if not tenant:
        raise ConnectError(400, "invalid_request")
    if tenant not in (COMPANY_TENANT, CUSTOMER_TENANT):
        raise ConnectError(400, "invalid_tenant")
    wanted = form.get("scope", "").split() or list(SCOPES)
    if not set(wanted) <= set(SCOPES):
        raise ConnectError(400, "invalid_scope")
    return issuer.issue(client_id, tenant, wanted)


def _redeem_code(
    issuer: TokenIssuer, store: DocumentStore, client_id: str, form: dict[str, str]
) -> dict[str, Any]:
    code = form.get("code", "")
    record = store.get("auth_codes", code) if code else None
    if record is None or record["Used"] or record["ClientId"] != client_id:
        raise ConnectError(400, "invalid_grant")
    store.put("auth_codes", code, record | {"Used": True})
    if record["ExpiresAt"] < time.time() or form.get("redirect_uri") != record["RedirectUri"]:
        raise ConnectError(400, "invalid_grant")
    challenge = record["Challenge"]
    verifier = form.get("code_verifier", "")
    if challenge and not (
        verifier and hmac.compare_digest(create_s256_code_challenge(verifier), challenge)
    ):
        raise ConnectError(400, "invalid_grant")
    grant = {"Grant": secrets.token_hex(8), "ExpiresAt": time.time() + REFRESH_TTL}
    return _tokens(issuer, store, record | grant)


def _refresh(
    issuer: TokenIssuer, store: DocumentStore, client_id: str, token: str
) -> dict[str, Any]:
    record = store.get("refresh_tokens", token) if token else None
    if record is None or record["ClientId"] != client_id:
        raise ConnectError(400, "invalid_grant")
    revoked = store.get("revoked_grants", record["Grant"]) is not None
    if record["Used"] and not revoked:
        # A one-time token used again (e.g. two concurrent refreshes) ends its grant.
        store.put("revoked_grants", record["Grant"], {"RevokedAt": time.time()})
    if record["Used"] or revoked or record["ExpiresAt"] < time.time():
        raise ConnectError(400, "invalid_grant")
    store.put("refresh_tokens", token, record | {"Used": True})
    return _tokens(issuer, store, record)


def _tokens(issuer: TokenIssuer, store: DocumentStore, grant: dict[str, Any]) -> dict[str, Any]:
    """The token response of an interactive grant: an access token for the company the user
    picked and, with `offline_access`, the grant's next refresh token."""
    scopes = grant["Scope"].split()
    body = issuer.issue(grant["ClientId"], grant["TenantId"], scopes)
    if "offline_access" in scopes:
        refresh = secrets.token_urlsafe(32)
        fields = ("ClientId", "TenantId", "Scope", "Grant", "ExpiresAt")
        store.put(
            "refresh_tokens", refresh, {name: grant[name] for name in fields} | {"Used": False}
        )
        body["refresh_token"] = refresh
    return body


def add_control(app: FastAPI, issuer: TokenIssuer, store: DocumentStore) -> None:
    """`POST /_sandbox/revoke-tokens` (sandbox only): every access token issued so far gets
    401 from then on, so clients must fetch a new one."""

    @app.post("/_sandbox/revoke-tokens", include_in_schema=False)
    async def revoke_tokens() -> Response:
        issuer.revoke(store)
        return JSONResponse({"revoked": True})


def _authenticate(request: Request, form: dict[str, str]) -> str:
    """The client id, from HTTP Basic or the form (`client_secret_post`)."""
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise ConnectError(400, "invalid_client") from None
        client_id, _, secret = (unquote(part) for part in decoded.partition(":"))
    valid = hmac.compare_digest(client_id.encode(), CLIENT_ID.encode())
    valid &= hmac.compare_digest(secret.encode(), CLIENT_SECRET.encode())
    if not valid:
        raise ConnectError(400, "invalid_client")
    return client_id
