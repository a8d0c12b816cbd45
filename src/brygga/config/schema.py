"""The shape of `brygga.yaml` (docs/configuration.md): a workspace, its connections and its
integrations. Strict: a value of another type is a mistake, never converted (a quoted "true"
is not true), and an unknown key is refused, so a typo never passes silently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from brygga.connectors.magento.client import CREDENTIAL_KEYS as MAGENTO_KEYS
from brygga.store.workspaces import DEFAULT_WORKSPACE


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Name = Annotated[str, Field(min_length=1)]


class FlowSpec(Spec):
    enabled: bool = True
    reversed: bool = False
    settings: dict[str, Any] = Field(default_factory=dict)
    value_maps: dict[str, Any] = Field(default_factory=dict)
    # When the flow runs, as the runtime reads it (runtime/schedules.py), e.g. {every: 5m}.
    schedule: dict[str, Any] | None = None


class ConnectionSpec(Spec):
    name: Name
    system: Name
    base_url: str | None = None
    # Sign-in values: each secret as `${ENVIRONMENT_VARIABLE}`, never written in the file.
    credentials: dict[str, Any] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    # Made elsewhere (the setup wizard: Fortnox and Visma.net by consent); only named here.
    existing: bool = False


class IntegrationSpec(Spec):
    name: Name
    pair: Name
    shop: Name  # connection names
    erp: Name
    paused: bool | None = None  # None: as it is (a new integration runs)
    flows: dict[str, FlowSpec] = Field(default_factory=dict)


class BryggaFile(Spec):
    workspace: Name = DEFAULT_WORKSPACE
    connections: list[ConnectionSpec] = Field(default_factory=list)
    integrations: list[IntegrationSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Credentials:
    """What a system's connection takes from the file: `secrets` only from the environment,
    `plain` either way, all `required`; `options` are connection settings that are no secret."""

    secrets: tuple[str, ...]
    plain: tuple[str, ...] = ()
    options: tuple[str, ...] = ("rate_limit",)

    @property
    def required(self) -> tuple[str, ...]:
        return self.secrets + self.plain


# What each client reads (connectors/*/client.py). Fortnox and Visma.net from a file only by
# service credentials (a Fortnox service account, a Visma Connect service client): a consented
# connection's refresh token rotates on every use, so it lives in the store alone.
SERVICE = {"secrets": ("client_secret",), "plain": ("client_id", "tenant_id")}
CREDENTIALS = {
    "centra": Credentials(("token",)),
    "magento": Credentials(
        MAGENTO_KEYS, options=("rate_limit", "requests_per_second", "store_code")
    ),
    "fortnox": Credentials(**SERVICE, options=("rate_limit", "token_url")),
    "vismanet": Credentials(
        **SERVICE,
        options=("rate_limit", "token_url", "scope", "salesorder_url", "requests_per_hour"),
    ),
}
# The kind of each option's value; the others are texts. `rate_limit: false` only for a server
# without limits, such as a sandbox started with `--no-rate-limit` (connectors/ratelimit.py).
OPTION_KINDS: dict[str, type] = {
    "rate_limit": bool,
    "requests_per_hour": int,
    "requests_per_second": int,
}
# Tokens of a consented connection, which rotate: never from a file.
CONSENTED = ("refresh_token", "access_token", "expires_at")
