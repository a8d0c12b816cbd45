"""Centra's GraphQL Integration API (`shared/apis/centra.md`)."""

from brygga.connectors.centra.client import CentraClient

__all__ = ["CentraClient"]
