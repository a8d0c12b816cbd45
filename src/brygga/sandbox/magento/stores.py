"""`GET /V1/store/websites` (fact sheet §4.8, Magento_Store; ACL `Magento_Backend::store`): the
installation's websites, the admin website (id 0) included, as Magento lists it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from brygga.sandbox.magento.auth import Access
from brygga.sandbox.magento.shop import WEBSITE_ID, WEBSITE_NAME
from brygga.sandbox.magento.wire import MagentoResponse
from brygga.sandbox.storage import DocumentStore

WEBSITES = [
    {"id": 0, "code": "admin", "name": "Admin", "default_group_id": 0},
    {"id": WEBSITE_ID, "code": "base", "name": WEBSITE_NAME, "default_group_id": 1},
]


def router(store: DocumentStore, access: Access) -> APIRouter:
    routes = APIRouter(prefix="/rest/V1/store")

    @routes.get("/websites", dependencies=[access.requires("Magento_Backend::store")])
    async def list_websites() -> Response:
        return MagentoResponse(WEBSITES)

    return routes
