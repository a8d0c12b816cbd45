"""The one emulated Visma.net company: identity, tenants, clock and host (fact sheet §1, §3.5).

Visma Connect knows two tenants of the demo customer: the **company** tenant, which the ERP API
accepts, and the **customer** (contract) tenant, which also gets a token but whose calls are
refused with 401 (official how-to "Fix 401 Unauthorized errors despite valid token").
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from brygga.sandbox.common import SandboxConfig

CLIENT_ID = "isv_brygga_demo"
CLIENT_SECRET = "brygga-demo-secret"
COMPANY_TENANT = "3f2b8c1e-5a47-4d1b-9c0e-7e6f5d4c3b2a"
CUSTOMER_TENANT = "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
COMPANY_NAME = "Brygga Demo AB"
BASE_CURRENCY = "SEK"

ERP_SCOPES = tuple(
    f"vismanet_erp_service_api:{action}" for action in ("read", "create", "update", "delete")
)
SALESORDER_SCOPES = ("visma.net.erp.salesorder:read", "visma.net.erp.salesorder:write")
SCOPES = ERP_SCOPES + SALESORDER_SCOPES
# What a user may consent to (§1.2): the interactive ERP scopes, the identity scopes that
# usually come with them (`offline_access` yields a refresh token) and SalesOrders V3.
INTERACTIVE_ERP_SCOPES = tuple(
    f"vismanet_erp_interactive_api:{action}"
    for action in ("read", "create", "update", "delete", "ui-extension")
)
IDENTITY_SCOPES = ("openid", "email", "profile", "tenants", "offline_access")
INTERACTIVE_SCOPES = INTERACTIVE_ERP_SCOPES + IDENTITY_SCOPES + SALESORDER_SCOPES


def now() -> datetime:
    """The company clock: UTC, millisecond precision, without offset. Which time zone live
    filters use is an open question (§8); the sandbox keeps one clock for stamps and filters."""
    moment = datetime.now(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def stamp(moment: datetime | None = None) -> str:
    """A monolith timestamp as live responses often send it: no offset (§3.5)."""
    return (moment or now()).isoformat(timespec="milliseconds")


def instant(moment: datetime) -> str:
    """A DateTimeOffset as SalesOrders V3 and the background API write it: with offset."""
    return moment.isoformat(timespec="milliseconds")


def day(moment: datetime) -> str:
    """A document date: midnight, no offset (`2026-09-01T00:00:00`)."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0).isoformat()


def base_url(request: Request, config: SandboxConfig) -> str:
    """The host clients see, for `Location` headers and links."""
    return (config.public_url or str(request.base_url)).rstrip("/")
