"""Visma.net ERP: the monolith API and SalesOrders V3 (`shared/apis/vismanet.md`)."""

from brygga.connectors.vismanet.client import VismanetClient

__all__ = ["VismanetClient"]
