"""Where the sandbox follows the live Visma.net ERP API instead of its OpenAPI document.

The one list of these places (fact sheet §7, table "Where the emulator must deviate";
`shared/specs/README.md`). `tests/sandbox/test_vismanet_spec.py` asserts each one explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Deviation:
    spec: str
    sandbox: str


DEVIATIONS: dict[str, Deviation] = {
    "bodiless-writes": Deviation(
        "201, 204 and 200 responses of writes declare a JSON object; no `Location` header",
        "creates answer 201 with an empty body and `Location`; PUT 204 and"
        " `POST /v2/currencyrate` 200 without a body",
    ),
    "undeclared-errors": Deviation(
        "only 42 of 498 operations declare any 4xx/5xx response, none with an error schema",
        "errors of fact sheet §3.3 (`{message}`, IPPException) on any operation",
    ),
    "rate-limit": Deviation(
        "no `X-RateLimit-*` headers, no 429, no `Retry-After`",
        "`X-RateLimit-*` on every authorized response; 429 with `Retry-After`",
    ),
    "scopes": Deviation(
        "the `serviceapi` scheme lists no scopes",
        "`vismanet_erp_service_api:read|create|update|delete` enforced by method (403)",
    ),
    "offset-less-timestamps": Deviation(
        "date-time fields use `format: date-time` (RFC 3339, offset required)",
        "monolith timestamps are sent without offset (`2026-09-01T08:00:00.123`)",
    ),
    "explicit-null": Deviation(
        "`DtoValueOf...` values are not nullable",
        '`{"value": null}` is accepted as an explicit null (and may fail validation)',
    ),
    "page-cap": Deviation(
        "`metadata.maxPageSize` is modelled, the cap is not described",
        "`pageSize` above `maxPageSize` is capped silently",
    ),
    "b64-ids": Deviation(
        "path keys are plain strings",
        "`b64(<base64url>)` path keys are decoded (§3.6)",
    ),
    "business-rules": Deviation(
        "very few `required` fields",
        "live business rules enforced: customer name, item number and class, document"
        " customer, VAT zone × category",
    ),
    "background-content": Deviation(
        "`GET /v1/background/{requestId}/content` answers an object",
        "the stored response body as it was sent, an array for list operations (§2)",
    ),
    "salesorders-v3": Deviation(
        "no SalesOrders V3 paths",
        "the V3 service under `/api/v3/SalesOrders` (problem details, If-Match)",
    ),
}
