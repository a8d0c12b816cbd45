"""Fortnox REST API v3 (`shared/apis/fortnox.md`)."""

from brygga.connectors.fortnox.client import FortnoxClient

__all__ = ["FortnoxClient"]
