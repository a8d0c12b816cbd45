"""Fortnox OAuth 2 (fact sheet §1): service-account client credentials, and the
authorization-code connection whose single-use refresh token rotates on every refresh
(`RefreshingToken` of `connectors.oauth`)."""

from __future__ import annotations

import time
from functools import partial
from urllib.parse import urlsplit

from brygga.connectors.errors import ErrorClass
from brygga.connectors.oauth import EARLY_SECONDS, ConsentApp, SingleFlightToken, TokenEndpoint

PROVIDER = "Fortnox"
# What Brygga's flows call (§1.5): customers, orders, invoices, invoice payments, articles,
# prices, currencies, accounts (bookkeeping), stock (warehouse, name unconfirmed), and for the
# account's description its company information and modes of payment (settings).
SCOPES = (
    "article bookkeeping companyinformation currency customer invoice order payment price"
    " settings warehouse"
)


def oauth_url(base_url: str, endpoint: str) -> str:
    """`/oauth-v1/{endpoint}` on the OAuth host beside the API host: api.fortnox.se →
    apps.fortnox.se (§1); a sandbox serves it on its own base URL."""
    if urlsplit(base_url).hostname == "api.fortnox.se":
        return f"https://apps.fortnox.se/oauth-v1/{endpoint}"
    return f"{base_url.rstrip('/')}/oauth-v1/{endpoint}"


# The consent (§1.1): `access_type=offline` for a refresh token; the client signs in with
# HTTP Basic.
CONSENT = ConsentApp(
    provider=PROVIDER,
    authorize=partial(oauth_url, endpoint="auth"),
    token=partial(oauth_url, endpoint="token"),
    scope=SCOPES,
    extra={"access_type": "offline"},
)


class ServiceAccountToken(SingleFlightToken):
    """Client-credentials tokens for a Fortnox service account (§1.2): no refresh token, a
    new access token when the old one expires. One request at a time per connection."""

    def __init__(self, endpoint: TokenEndpoint, tenant_id: str) -> None:
        super().__init__()
        self.endpoint = endpoint
        self._tenant_id = tenant_id
        self._expires_at = 0.0

    def _stale(self) -> bool:
        return time.monotonic() > self._expires_at

    async def _renew(self) -> None:
        form = {"grant_type": "client_credentials"}
        response, body = await self.endpoint.post(form, {"TenantId": self._tenant_id})
        if response.status_code != 200 or "access_token" not in body:
            error = self.endpoint.refused(response, body, "the service-account credentials")
            if error.error_class is ErrorClass.AUTH:
                error.message += "; check client id, secret and tenant id, or reconnect"
            raise error
        self._token = body["access_token"]
        self._expires_at = time.monotonic() + int(body.get("expires_in", 3600)) - EARLY_SECONDS
