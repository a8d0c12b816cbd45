"""Magento 2 / Adobe Commerce REST API V1 (`shared/apis/magento.md`)."""

from brygga.connectors.magento.client import MagentoClient

__all__ = ["MagentoClient"]
