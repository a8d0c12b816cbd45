"""How a merchant connects each system: a form of keys for Centra and Magento, the provider's
consent for Fortnox and Visma.net (with the app's client id and secret from the environment,
where the deployment registered its app, else from the form)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from brygga.pairs import PairTemplate

NAMES = {"centra": "Centra", "magento": "Magento", "fortnox": "Fortnox", "vismanet": "Visma.net"}


@dataclass(frozen=True)
class KeyField:
    key: str  # the connection's credential key
    label: str
    secret: bool = True  # never shown again, nor kept in a form shown again


@dataclass(frozen=True)
class KeyForm:
    url_label: str
    fields: tuple[KeyField, ...]
    hint: str


KEY_FORMS = {
    "centra": KeyForm(
        "API URL",
        (KeyField("token", "API key"),),
        "In Centra, System → API Tokens: create an integration token for Brygga with the "
        "Integration API's order, product, stock and fulfilment permissions.",
    ),
    "magento": KeyForm(
        "Base URL",
        (
            KeyField("consumer_key", "Consumer key", secret=False),
            KeyField("consumer_secret", "Consumer secret"),
            KeyField("access_token", "Access token"),
            KeyField("access_token_secret", "Access token secret"),
        ),
        "In the Magento admin, System → Extensions → Integrations: add an integration for "
        "Brygga with the Sales, Catalog, Customers and Stores resources, activate it and copy "
        "its four values.",
    ),
}

# The live APIs; a sandbox or test account is connected by its own base URL instead.
LIVE_URLS = {"fortnox": "https://api.fortnox.se", "vismanet": "https://api.finance.visma.net"}
# The app a deployment registered with each provider, if it set it up once for everyone.
CLIENT_ENV = {"fortnox": "BRYGGA_FORTNOX_CLIENT", "vismanet": "BRYGGA_VISMANET_CLIENT"}


def name(system: str) -> str:
    return NAMES.get(system, system)


def pair_label(template: PairTemplate) -> str:
    return f"{name(template.shop)} ↔ {name(template.erp)}"


def configured_client(system: str) -> tuple[str, str] | None:
    """The app's client id and secret from `BRYGGA_<SYSTEM>_CLIENT_ID` and `..._SECRET`."""
    prefix = CLIENT_ENV.get(system)
    if prefix is None:
        return None
    client_id = os.environ.get(f"{prefix}_ID", "").strip()
    secret = os.environ.get(f"{prefix}_SECRET", "").strip()
    return (client_id, secret) if client_id and secret else None
