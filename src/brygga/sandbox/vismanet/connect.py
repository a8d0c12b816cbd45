"""Visma Connect's token endpoint, client credentials only (fact sheet §1.1, §7.1).

`POST /connect/token`, form-encoded: `grant_type=client_credentials`, the client's id and
secret (in the form or as HTTP Basic, both accepted by Visma Connect's IdentityServer),
`tenant_id` and `scope`. No refresh token. Errors are `400 {"error": ...}`: `invalid_client`,
`invalid_tenant` (a tenant unknown to Connect), `invalid_scope`, `unsupported_grant_type`,
`invalid_request`. A token for the customer tenant is issued, but the ERP API refuses it (see
`access`).

Access tokens are HS256 JWTs with `tenant_id`, `client_id` and `scope` (a list, as
IdentityServer writes it), valid `BRYGGA_SANDBOX_VISMANET_TOKEN_TTL` seconds (default 3600; the
live lifetime is per application and unpublished). The signing secret is kept in the store;
`POST /_sandbox/revoke-tokens` replaces it, so every token issued before is refused.
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


def router(issuer: TokenIssuer) -> APIRouter:
    routes = APIRouter()

    @routes.post("/connect/token")
    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        client_id = _authenticate(request, form)
        grant_type = form.get("grant_type", "")
        if grant_type != "client_credentials":
            # The interactive flows (authorization code, refresh) are not emulated.
            raise ConnectError(400, "unsupported_grant_type")
        tenant = form.get("tenant_id", "").strip()
        if not tenant:
            raise ConnectError(400, "invalid_request")
        if tenant not in (COMPANY_TENANT, CUSTOMER_TENANT):
            raise ConnectError(400, "invalid_tenant")
        wanted = form.get("scope", "").split() or list(SCOPES)
        if not set(wanted) <= set(SCOPES):
            raise ConnectError(400, "invalid_scope")
        body = issuer.issue(client_id, tenant, wanted)
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return routes


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
