"""Fortnox's error shapes: `ErrorInformation` on `/3` (fact sheet §3.3), `{error, id, message}`
on the warehouse service `/api/warehouse` (§3.3) and the Ory Hydra shape on `/oauth-v1` (§1.1).

Codes and Swedish messages come from Fortnox's published error list (developer.fortnox.se
"Errors") or from recorded live responses (cassettes of `accodeing/fortnox-api`). Where Fortnox
documents no code, the sandbox uses its own numbers in the 20034xx range, marked below.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from brygga.sandbox.common import DecimalJSONResponse

ARTICLE_NUMBER_USED = 2000013  # recorded: 'Artikelnumret "X" är redan taget.'
NOT_NUMERIC = 2000108
NOT_BOOLEAN = 2000134
CUSTOMER_NOT_IN_REQUEST = 2000204  # "Kunde inte hämta/hitta kund (kundnummer)"
ACCOUNT_NOT_FOUND = 2000423  # "Kan inte hitta kontot." (§3.3)
ARTICLE_NOT_FOUND = 2000428  # recorded: "Kan inte hitta artikeln."
CUSTOMER_NOT_FOUND = 2000433  # recorded: "Kan inte hitta kunden."
ORDER_NOT_FOUND = 2000439  # recorded: "Kan inte hitta ordern."
INVALID_FILTER = 2000587  # recorded: "Ett ogiltigt filter har använts."
INVALID_PARAMETER = 2000588
CUSTOMER_NUMBER_USED = 2000637
NO_ACCESS_TO_SCOPE = 2000663
ARTICLE_NOT_IN_REQUEST = 2001302  # "Kunde inte hitta artikel"
ACCOUNT_NOT_IN_REQUEST = 2001304  # "Kunde inte hitta konto": missing or inactive (§4.10)
WRONG_BODY = 2001392
INVALID_FIELD_NAME = 2001399
JSON_SYNTAX = 2002115
# Documented as "Ej autentiserad"; that Fortnox sends it with a 401 for a bad JWT is unconfirmed
# (the legacy 2000311 belongs to the retired Access-Token headers).
NOT_AUTHENTICATED = 2003275

# Sandbox-invented codes: Fortnox sends these errors, but their codes are not documented.
CURRENCY_NOT_FOUND = 2003401  # "Kunde inte hämta/hitta valuta" (§4.9)
VAT_NOT_FOUND = 2003402  # "Kunde inte hämta/hitta moms" (§4.10)
INVALID_VALUE = 2003403  # required field missing, value outside an enum or too long
DOCUMENT_LOCKED = 2003404  # a booked or cancelled document cannot change (§4.3)
INVOICE_NOT_FOUND = 2003405  # "Kan inte hitta fakturan."
PAYMENT_NOT_FOUND = 2003406  # "Kan inte hitta inbetalningen."
PRICE_LIST_NOT_FOUND = 2003407  # "Kan inte hitta prislistan."
PRICE_NOT_FOUND = 2003408  # "Kan inte hitta priset."
ALREADY_CREDITED = 2003409  # one credit invoice per invoice (§4.4)
ALREADY_EXISTS = 2003410  # a currency, price list or price with that key exists
IN_USE = 2003411  # an article or currency still used by documents cannot be deleted
STOCK_POINT_NOT_FOUND = 2003412  # warehouse service: an unknown stock point code
RATE_LIMITED = 2003429  # the live 429 body is undocumented (§2)
WAREHOUSE_PREFIX = "/api/warehouse/"


class FortnoxError(Exception):
    """An `/3` request that fails: HTTP status, Fortnox error code, (Swedish) message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class OAuthError(Exception):
    """A `/oauth-v1` request that fails, answered in the Ory Hydra shape."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def invalid_value(message: str) -> FortnoxError:
    return FortnoxError(400, INVALID_VALUE, message)


def error_body(code: int, message: str) -> dict:
    # Lowercase keys, as the fact sheet prescribes and recorded live 400s show. The spec models
    # `Error/Message/Code`, and recorded live 404s (2023-2024) used that casing too: clients
    # must read both.
    return {"ErrorInformation": {"error": 1, "message": message, "code": code}}


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FortnoxError)
    async def fortnox_error(request: Request, exc: FortnoxError) -> Response:
        if request.url.path.startswith(WAREHOUSE_PREFIX):
            # The warehouse service's own shape (spec `warehouse_WebException`); the value of
            # `error` is undocumented, the sandbox sends the Fortnox code there.
            body = {"error": str(exc.code), "id": str(uuid.uuid4()), "message": exc.message}
            return DecimalJSONResponse(body, status_code=exc.status)
        return DecimalJSONResponse(error_body(exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(OAuthError)
    async def oauth_error(request: Request, exc: OAuthError) -> Response:
        body = {"error": exc.error, "error_description": exc.description}
        return JSONResponse(body, status_code=exc.status, headers={"Cache-Control": "no-store"})
