"""Routes of customer invoices and credit notes (fact sheet §4.5, §4.6); the model is `documents`.

Create with `POST /v2/customerinvoice` and `POST /v2/customerCreditNote` (201, empty body,
`Location` to the v1 read path). The deprecated `POST /v1/customerinvoice` and
`POST /v1/customerCreditNote` are served the same way. Lists omit `applications` and
`taxDetails` unless `expandApplications` / `expandTaxDetails` is true; single reads include them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import documents, settlement
from brygga.sandbox.vismanet.company import base_url
from brygga.sandbox.vismanet.documents import CREDIT_NOTE, INVOICE, OPEN_STATES, Kind
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.paging import listing
from brygga.sandbox.vismanet.reference import visible
from brygga.sandbox.vismanet.wrapper import path_id, read_dto

Record = dict[str, Any]
FILTERS = {
    "status": "status",
    "customer": "customer.number",
    "documentType": "documentType",
    "externalReference": "externalReference",
    "customerRefNumber": "customerRefNumber",
    "paymentReference": "paymentReference",
}
MOMENTS = {
    "documentDate": "documentDate",
    "documentDueDate": "documentDueDate",
    "lastModifiedDateTime": "lastModifiedDateTime",
    "createdDateTime": "createdDateTime",
}
LIST_EXPANSIONS = {"expandApplications": "applications", "expandTaxDetails": "taxDetails"}


def list_view(record: Record, query: Any) -> Record:
    shown = visible(record)
    for parameter, name in LIST_EXPANSIONS.items():
        if query.get(parameter, "false").lower() != "true":
            shown.pop(name, None)
    return shown


def router(store: DocumentStore, config: SandboxConfig) -> APIRouter:
    routes = APIRouter()
    _document_routes(routes, store, config, INVOICE, "/v2/customerinvoice")
    _document_routes(routes, store, config, CREDIT_NOTE, "/v2/customerCreditNote")
    return routes


def _document_routes(
    routes: APIRouter, store: DocumentStore, config: SandboxConfig, kind: Kind, create_path: str
) -> None:
    def find(number: str) -> Record:
        record = store.get(kind.collection, path_id(number))
        if record is None or record.get("_deleted"):
            raise VismaError(404, f"Document '{path_id(number)}' cannot be found in the system.")
        return record

    async def list_documents(request: Request) -> Response:
        query = request.query_params
        extra = [lambda record: not record.get("_deleted")]
        if "released" in query:
            released = query["released"] == "1"
            extra.append(lambda record: (record["status"] not in OPEN_STATES) == released)

        def view(record: Record) -> Record:
            return list_view(record, query)

        return listing(request, store.all(kind.collection), view, FILTERS, MOMENTS, extra)

    async def create_document(request: Request) -> Response:
        record = documents.create(store, kind, await read_dto(request, kind.dto))
        location = f"{base_url(request, config)}{kind.path}/{record['referenceNumber']}"
        return Response(status_code=201, headers={"Location": location})

    async def get_document(number: str) -> Response:
        return DecimalJSONResponse(visible(find(number)))

    async def put_document(request: Request, number: str) -> Response:
        documents.update(store, kind, find(number), await read_dto(request, kind.dto))
        return Response(status_code=204)

    async def delete_document(number: str) -> Response:
        record = find(number)
        if record["status"] not in OPEN_STATES:
            raise VismaError(400, "The document is released and cannot be deleted.")
        # A tombstone: the store keeps every record, and numbers are not reused.
        store.put(kind.collection, record["referenceNumber"], record | {"_deleted": True})
        return Response(status_code=204)

    async def release_document(number: str) -> Response:
        return DecimalJSONResponse(settlement.release(store, kind, find(number)))

    routes.add_api_route(kind.path, list_documents, methods=["GET"])
    routes.add_api_route(create_path, create_document, methods=["POST"])
    routes.add_api_route(kind.path, create_document, methods=["POST"], deprecated=True)
    routes.add_api_route(f"{kind.path}/{{number}}", get_document, methods=["GET"])
    routes.add_api_route(f"{kind.path}/{{number}}", put_document, methods=["PUT"])
    routes.add_api_route(f"{kind.path}/{{number}}", delete_document, methods=["DELETE"])
    routes.add_api_route(
        f"{kind.path}/{{number}}/action/release", release_document, methods=["POST"]
    )
