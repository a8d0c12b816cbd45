"""Who may call the REST API: an OAuth-signed integration, an admin token, or nobody (§1).

- Integration credentials sign each request with OAuth 1.0a (`oauth1.py`); they never expire.
  "Reauthorize" in the admin (no REST counterpart; here `POST /_sandbox/integration/reauthorize`)
  issues a new access token and secret, and the old token is refused from then on (§1.1).
- The integration's access token as `Authorization: Bearer` is refused unless the sandbox runs
  with `BRYGGA_SANDBOX_MAGENTO_BEARER_INTEGRATION_TOKENS=1`, as Magento 2.4.4+ refuses it unless
  `oauth/consumer/enable_integration_as_bearer` is set (§1.2).
- `POST /V1/integration/admin/token` trades the admin's username and password for a JWT (a JSON
  string) valid 4 h (`BRYGGA_SANDBOX_MAGENTO_ADMIN_TOKEN_LIFETIME` seconds overrides), used as
  Bearer. Six failed sign-ins lock the username for 1800 s (§1.3). No 2FA.

Anything else — no credentials, an unknown, expired or refused token — is a guest, and a guest
gets the same 401 as a missing ACL grant: "The consumer isn't authorized to access %resources."
(§1.2). Both the integration and the admin hold every ACL resource. GET through the `all` store
code is refused (Rest\\RequestValidator).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import string
import time
from typing import Any

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from brygga.sandbox.magento.data import read_body
from brygga.sandbox.magento.errors import MagentoError, bad_request, not_authorized
from brygga.sandbox.magento.oauth1 import Integration, Verifier
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

# The demo integration "Brygga" (Magento generates 32 lowercase alphanumerics for each).
INTEGRATION = Integration(
    consumer_id=1,
    consumer_key="brygga0demo0consumer0key00000001",
    consumer_secret="brygga0demo0consumer0secret00001",
    access_token="brygga0demo0access0token00000001",
    access_token_secret="brygga0demo0access0token0secret1",
)
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "brygga-demo-123"
ADMIN_USER_ID = 1
BEARER_ENV = "BRYGGA_SANDBOX_MAGENTO_BEARER_INTEGRATION_TOKENS"
ADMIN_LIFETIME_ENV = "BRYGGA_SANDBOX_MAGENTO_ADMIN_TOKEN_LIFETIME"
ADMIN_LIFETIME = 4 * 3600  # oauth/access_token_lifetime/admin
MAX_FAILURES = 6  # oauth/authentication_lock/max_failures_count
LOCK_SECONDS = 1800  # oauth/authentication_lock/timeout
SIGN_IN_FAILED = (
    "The account sign-in was incorrect or your account is disabled temporarily. "
    "Please wait and try again later."
)


class AdminTokens:
    """JWT admin tokens (2.4.4+: HS256 with a `kid` header) and the sign-in throttle."""

    def __init__(self, store: DocumentStore, lifetime: int) -> None:
        secret = store.get_meta("jwt_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            store.set_meta("jwt_secret", secret)
        self.secret = secret
        self.lifetime = lifetime
        self.failures: dict[str, list[float]] = {}

    def issue(self, username: str, password: str) -> str:
        now = time.time()
        recent = [t for t in self.failures.get(username, []) if t > now - LOCK_SECONDS]
        if len(recent) >= MAX_FAILURES or (username, password) != (ADMIN_USERNAME, ADMIN_PASSWORD):
            self.failures[username] = [*recent, now]
            raise MagentoError(401, SIGN_IN_FAILED)
        self.failures.pop(username, None)
        claims = {
            "uid": ADMIN_USER_ID,
            "utypid": 2,
            "iat": int(now),
            "exp": int(now) + self.lifetime,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256", headers={"kid": "1"})

    def valid(self, token: str) -> bool:
        try:
            jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        return True


class Access:
    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        token = store.get_meta("integration_token")  # set by a reauthorization
        integration = (
            dataclasses.replace(INTEGRATION, access_token=token[0], access_token_secret=token[1])
            if token
            else INTEGRATION
        )
        self.verifier = Verifier([integration])
        self.admin = AdminTokens(store, int(os.environ.get(ADMIN_LIFETIME_ENV, ADMIN_LIFETIME)))
        self.bearer_integration = os.environ.get(BEARER_ENV, "") in ("1", "true", "yes")

    @property
    def integration(self) -> Integration:
        return self.verifier.integrations[0]

    def reauthorize(self) -> Integration:
        """A new access token and secret for the integration; the old token stops working."""
        renewed = dataclasses.replace(
            self.integration, access_token=_key(), access_token_secret=_key()
        )
        token = [renewed.access_token, renewed.access_token_secret]
        self.store.set_meta("integration_token", token)
        self.verifier.integrations = [renewed]
        return renewed

    def requires(self, *resources: str) -> Any:
        """A route dependency: a caller holding `resources` (every caller but a guest does)."""

        async def check(request: Request) -> None:
            if not await self._authenticated(request):
                raise not_authorized(resources)
            if request.scope.get("magento_store") == "all" and request.method == "GET":
                raise bad_request("Cannot perform GET operation with store code 'all'")

        return Depends(check)

    async def _authenticated(self, request: Request) -> bool:
        authorization = request.headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "bearer":
            token = token.strip()
            if self.admin.valid(token):
                return True
            return self.bearer_integration and token == self.integration.access_token
        content_type = request.headers.get("content-type", "")
        form = (
            await request.body()
            if content_type.startswith("application/x-www-form-urlencoded")
            else None
        )
        integration = self.verifier.verify(
            request.method,
            signed_url(request),
            authorization,
            request.scope.get("query_string", b""),
            form,
        )
        return integration is not None


def _key() -> str:
    """32 lowercase alphanumerics, as Magento generates tokens and secrets."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(32))


def signed_url(request: Request) -> str:
    """The request URL as Magento signs it: scheme://host[:non-default port]/path as sent."""
    scheme = request.url.scheme.lower()
    host = request.headers.get("host", "").lower()
    if (scheme, host.rpartition(":")[2]) in (("http", "80"), ("https", "443")):
        host = host.rpartition(":")[0]
    path = request.scope.get("magento_raw_path") or request.scope.get("raw_path", b"")
    return f"{scheme}://{host}{path.decode('latin-1')}"


def router(access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1/integration")

    @routes.post("/admin/token")
    async def admin_token(request: Request) -> Response:
        body = await read_body(
            request, {"username": "string", "password": "string"}, "username", "password"
        )
        return MagentoResponse(access.admin.issue(body["username"], body["password"]))

    return routes
