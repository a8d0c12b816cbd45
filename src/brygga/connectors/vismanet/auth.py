"""Visma Connect (fact sheet §1): client credentials for one company tenant (service API,
§1.1), or an interactive connection made by consent whose refresh token renews it (§1.2,
`RefreshingToken` of `connectors.oauth`). Secrets go in the form (`client_secret_post`)."""

from __future__ import annotations

import time
from functools import partial
from urllib.parse import urlsplit

from brygga.connectors.oauth import ConsentApp, SingleFlightToken, TokenEndpoint

PROVIDER = "Visma Connect"
SERVICE_SCOPES = (
    "vismanet_erp_service_api:read vismanet_erp_service_api:create"
    " vismanet_erp_service_api:update vismanet_erp_service_api:delete"
    " visma.net.erp.salesorder:read visma.net.erp.salesorder:write"
)  # §1.1, V3 orders need the salesorder scopes
# The same rights for a user's consent, and `offline_access` for a refresh token (§1.2).
INTERACTIVE_SCOPES = (
    "vismanet_erp_interactive_api:read vismanet_erp_interactive_api:create"
    " vismanet_erp_interactive_api:update vismanet_erp_interactive_api:delete"
    " visma.net.erp.salesorder:read visma.net.erp.salesorder:write offline_access"
)
# Connect's token errors (§1.1, §6.1), with what the merchant should do about them.
TOKEN_ERRORS = {
    "invalid_client": "check the client id and secret of the Visma Developer Portal app",
    "invalid_tenant": "use the company tenant id and give the integration user the API User role",
    "invalid_scope": "enable the ERP service API and SalesOrders scopes for the app",
}


def connect_url(base_url: str, endpoint: str) -> str:
    """`/connect/{endpoint}` of Visma Connect for the live monolith host (§1); a sandbox
    serves it on its own base URL."""
    if urlsplit(base_url).hostname == "api.finance.visma.net":
        return f"https://connect.visma.com/connect/{endpoint}"
    return f"{base_url.rstrip('/')}/connect/{endpoint}"


# The user signs in, picks one company and approves (§1.2); the token carries that company.
CONSENT = ConsentApp(
    provider=PROVIDER,
    authorize=partial(connect_url, endpoint="authorize"),
    token=partial(connect_url, endpoint="token"),
    scope=INTERACTIVE_SCOPES,
    basic_auth=False,
)


class ConnectToken(SingleFlightToken):
    """Client-credentials tokens for one company tenant (§1.1): no refresh token, a new access
    token before `expires_in` runs out. One token request at a time per connection."""

    def __init__(self, endpoint: TokenEndpoint, tenant_id: str, scope: str) -> None:
        super().__init__()
        self.endpoint = endpoint
        self._form = {"grant_type": "client_credentials", "tenant_id": tenant_id, "scope": scope}
        self._expires_at = 0.0

    def _stale(self) -> bool:
        return time.monotonic() > self._expires_at

    async def _renew(self) -> None:
        response, body = await self.endpoint.post(self._form)
        if response.status_code != 200 or "access_token" not in body:
            hint = TOKEN_ERRORS.get(body.get("error", ""), "check the credentials or reconnect")
            raise self.endpoint.refused(response, body, "the client credentials", hint)
        self._token = body["access_token"]
        lifetime = int(body.get("expires_in", 3600))  # per application, unpublished (§1.1)
        # Renew a little early so that a request never leaves with a token about to die.
        self._expires_at = time.monotonic() + lifetime - min(60, lifetime // 10)
