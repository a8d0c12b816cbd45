"""Magento's Web API error bodies and the status each exception family maps to (fact sheet §3.4).

`{"message": ..., "errors": [...], "parameters": [...] | {...}}`: the message keeps its `%1` /
`%name` placeholders and `parameters` fills them, a list for positional and an object for
named ones (Magento\\Framework\\Webapi\\ErrorProcessor and Rest\\Response). Messages are
Magento 2.4's own wording as read from its source where no live capture is cited.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from brygga.sandbox.faults import is_cut
from brygga.sandbox.magento.wire import MagentoResponse

Parameters = list[Any] | dict[str, Any]
REQUIRED = '"%fieldName" is required. Enter and try again.'
AGGREGATE = "One or more input exceptions have occurred."
log = logging.getLogger(__name__)


class MagentoError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        parameters: Parameters | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors:
            body["errors"] = self.errors
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, parameters: Parameters | None = None) -> MagentoError:
    return MagentoError(400, message, parameters)


def required(*fields: str) -> MagentoError:
    """InputException for missing fields: one names it, several aggregate (InputException)."""
    if len(fields) == 1:
        return MagentoError(400, REQUIRED, {"fieldName": fields[0]})
    errors = [{"message": REQUIRED, "parameters": {"fieldName": name}} for name in fields]
    return MagentoError(400, AGGREGATE, errors=errors)


def invalid_type(value: Any, expected: str) -> MagentoError:
    return bad_request(
        'The "%value" value\'s type is invalid. The "%type" type was expected. '
        "Verify and try again.",
        {"value": value, "type": expected},
    )


def entity_not_found() -> MagentoError:
    """NoSuchEntityException of the sales repositories (orders, invoices, credit memos)."""
    return MagentoError(
        404, "The entity that was requested doesn't exist. Verify the entity and try again."
    )


def no_such_entity(field: str, value: Any) -> MagentoError:
    return MagentoError(
        404,
        "No such entity with %fieldName = %fieldValue",
        {"fieldName": field, "fieldValue": value},
    )


def route_not_found() -> MagentoError:
    # Also a known path with the wrong method: 404, not 405 (§3.4, unconfirmed).
    return MagentoError(404, "Request does not match any route.")


def not_authorized(resources: tuple[str, ...]) -> MagentoError:
    """A guest, an invalid Bearer token or a missing ACL grant: one indistinguishable 401."""
    return MagentoError(
        401,
        "The consumer isn't authorized to access %resources.",
        {"resources": ", ".join(resources)},
    )


def internal_error() -> MagentoError:
    report = uuid.uuid4().hex[:13]  # PHP uniqid(): 13 hex digits
    return MagentoError(
        500,
        f"Internal Error. Details are available in Magento log file. Report ID: webapi-{report}",
    )


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MagentoError)
    async def magento_error(request: Request, exc: MagentoError) -> Response:
        return MagentoResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def unmatched(request: Request, exc: HTTPException) -> Response:
        error = route_not_found() if exc.status_code in (404, 405) else internal_error()
        return MagentoResponse(error.body(), status_code=error.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        if is_cut(exc):  # a fault-injected drop or a client gone: no answer to give
            raise exc
        log.exception("unexpected error in the Magento sandbox")
        error = internal_error()
        return MagentoResponse(error.body(), status_code=error.status)
