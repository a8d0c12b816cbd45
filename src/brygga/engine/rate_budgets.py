"""Each system's request budget per hour, as its client paces requests (DESIGN.md §3.5), so
the dashboard can show how much of it a connection's runs used.

Providers count in short windows (Fortnox 25 per 5 s, Centra 60 per 10 s); an hour of the
pace the client keeps is the figure that compares with an hour of runs. The constants are the
clients' own, so the dashboard and the limiter never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brygga.connectors.centra import client as centra
from brygga.connectors.fortnox import client as fortnox
from brygga.connectors.magento import client as magento
from brygga.connectors.vismanet import client as vismanet

HOUR = 3600


@dataclass(frozen=True)
class HourlyBudget:
    requests: int  # per hour
    basis: str  # how the figure is reached, for a caption or tooltip


def hourly_budget(system: str, credentials: Mapping[str, Any]) -> HourlyBudget | None:
    """The budget of a connection to `system`; a connection's own limit (`requests_per_hour`
    for Visma.net, `requests_per_second` for Magento) wins, as it does in the client. None for
    a system Brygga has no figure for."""
    if system == "centra":
        pace, window = centra.REQUESTS_PER_TEN_SECONDS, 10
        return HourlyBudget(
            pace * HOUR // window,
            f"Centra allows 60 requests per 10 s per environment, shared by every integration "
            f"on it; Brygga paces to {pace} per {window} s",
        )
    if system == "fortnox":
        pace, window = fortnox.REQUESTS_PER_WINDOW, fortnox.WINDOW_SECONDS
        return HourlyBudget(
            int(pace * HOUR / window),
            f"Fortnox allows 25 requests per 5 s per client and tenant; Brygga paces to {pace} "
            f"per {window:g} s",
        )
    if system == "magento":
        pace = int(credentials.get("requests_per_second") or magento.REQUESTS_PER_SECOND)
        return HourlyBudget(
            pace * HOUR,
            f"Magento sets no REST limit; Brygga paces to {pace} requests per second to spare "
            "the shop's workers",
        )
    if system == "vismanet":
        per_hour = int(credentials.get("requests_per_hour") or vismanet.REQUESTS_PER_HOUR)
        return HourlyBudget(
            per_hour, f"Visma.net allows {per_hour:,} requests per hour per company and client"
        )
    return None
