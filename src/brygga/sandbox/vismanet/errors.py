"""Error bodies, one shape per surface (fact sheet §3.3, §1.1).

- ERP API (`/v1`, `/v2`): `{"message": "VismaId: <guid>. <text>"}`. Live messages are not all
  documented; the sandbox's texts follow the documented ones where known.
- Gateway/legacy IPP errors: `{"ExceptionType": "IPPException", ...}`. Sent for a token of the
  customer tenant (12027 "No license for this company.", Visma community knowledge base).
- SalesOrders V3 (`/api/v3`): RFC 7807 problem details; validation problems add `errors{}` and
  `details[]` (`SalesOrderValidationProblemDetails` in the V3 client of `ON-IT/Visma.Net`).
- Visma Connect: `{"error": "<code>"}` with 400, as its IdentityServer answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from brygga.sandbox.common import DecimalJSONResponse

V3_PREFIX = "/api/v3"
# ASP.NET Core's default problem `type` per status.
_PROBLEM_TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
    409: "https://tools.ietf.org/html/rfc7231#section-6.5.8",
    412: "https://tools.ietf.org/html/rfc7232#section-4.2",
    428: "https://tools.ietf.org/html/rfc6585#section-3",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
}
_TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    428: "Precondition Required",
    429: "Too Many Requests",
}


class ApiError(Exception):
    """A failed request; `response()` renders it in its surface's shape."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.headers = headers or {}

    def response(self) -> Response:
        raise NotImplementedError


class VismaError(ApiError):
    """An ERP API error: `{"message": "VismaId: <guid>. <text>"}`."""

    def response(self) -> Response:
        body = {"message": f"VismaId: {uuid.uuid4()}. {self.text}"}
        return DecimalJSONResponse(body, self.status, self.headers)


class IppError(ApiError):
    """The gateway/legacy shape, with a Visma fault code."""

    def __init__(self, status: int, text: str, fault_code: str) -> None:
        super().__init__(status, text)
        self.fault_code = fault_code

    def response(self) -> Response:
        body = {
            "ExceptionType": "IPPException",
            "ExceptionMessage": self.text,
            "ExceptionFaultCode": self.fault_code,
            "ExceptionMessageID": f"{self.fault_code}_{uuid.uuid4()}",
            "ExceptionDetails": "",
        }
        return DecimalJSONResponse(body, self.status, self.headers)


class Problem(ApiError):
    """A SalesOrders V3 problem; `errors` maps property → messages, `details` carries codes."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail, headers)
        self.errors = errors
        self.details = details

    def response(self) -> Response:
        body: dict[str, Any] = {
            "type": _PROBLEM_TYPES.get(self.status, "about:blank"),
            "title": _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.text,
        }
        if self.errors is not None:
            body |= {"errors": self.errors, "details": self.details or []}
        return DecimalJSONResponse(
            body, self.status, self.headers, media_type="application/problem+json"
        )


def invalid(field: str, message: str, code: str) -> Problem:
    """A V3 validation problem about one property. The codes are the sandbox's own: Visma's
    V3 error codes are not published."""
    details = [{"code": code, "message": message, "parameters": {"property": field}}]
    return Problem(400, message, {field: [message]}, details)


class ConnectError(ApiError):
    """A Visma Connect error, e.g. `invalid_client`, `invalid_tenant` (§1.1): of the token
    endpoint, or of the authorize endpoint when it cannot redirect back."""

    def response(self) -> Response:
        return JSONResponse(
            {"error": self.text}, self.status, {"Cache-Control": "no-store", **self.headers}
        )


def for_path(path: str, status: int, text: str, headers: dict[str, str] | None = None) -> ApiError:
    """An error in the shape of the surface that `path` belongs to."""
    if path.lower().startswith(V3_PREFIX):
        return Problem(status, text, headers=headers)
    return VismaError(status, text, headers)


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return exc.response()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        # Unknown routes and methods, answered in the surface's own shape.
        return for_path(request.url.path, exc.status_code, str(exc.detail)).response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return for_path(request.url.path, 400, "The request is invalid.").response()
