"""The Centra sandbox: one `POST /graphql` endpoint, as a Centra environment has (fact sheet §1),
plus the sandbox's control routes (`control.py`).

A request is authenticated, parsed and validated, priced, charged to the environment's rate
limits, then executed. GraphQL errors come back with HTTP 200 (§3.1); only a bad token (401), a
malformed body (400) and an exhausted rate limit (429) change the status. Webhook items of the
changes a request made are handed to the sender when it is done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import simplejson
from fastapi import FastAPI, Request, Response
from graphql import GraphQLError, GraphQLSchema, execute_sync, parse, validate

from brygga.sandbox.centra.auth import RequestContext, find_token
from brygga.sandbox.centra.complexity import complexity, mutation_count
from brygga.sandbox.centra.control import add_control_routes
from brygga.sandbox.centra.data import DEMO_TOKEN, INTEGRATION_NAME, seed_store
from brygga.sandbox.centra.ratelimit import RateLimiter, RetryAfterFormat, retry_after
from brygga.sandbox.centra.schema import load_schema
from brygga.sandbox.centra.state import Shop
from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig, add_inspection_routes
from brygga.sandbox.storage import DocumentStore

APP_VERSION = "v0.47.7"  # as seen in `extensions.appVersion` (§3.1)


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any]
    operation_name: str | None


def create_app(config: SandboxConfig, retry_after_format: RetryAfterFormat = "delta") -> FastAPI:
    store = config.open_store("centra")
    with store.bulk():  # saved in the background: a large seed serves at once
        seed_store(store, config)
    shop = Shop(store, config.seed)
    schema = load_schema()
    limiter = RateLimiter(enforce=config.rate_limit)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        shop.webhooks.close()
        store.close()  # frees the data directory for the next process at once

    app = FastAPI(title="Centra sandbox", lifespan=lifespan)
    add_inspection_routes(app, store, _credentials(store))
    add_control_routes(app, shop, config.seed)

    @app.post("/graphql")
    async def graphql_endpoint(request: Request) -> Response:
        token = find_token(store, request)
        if token is None:
            # The status for a bad or expired token is undocumented (§1); clients assume 401.
            return _error_response(401, "Invalid or expired access token.", "authentication")
        try:
            graphql_request = _read_request(await request.body())
        except ValueError as error:
            return _error_response(400, str(error), "validation")
        context = RequestContext(
            shop, limiter, frozenset(token["permissions"]), token["integrationName"]
        )
        try:
            return _run(schema, context, graphql_request, retry_after_format)
        finally:
            shop.flush()

    return app


def _run(
    schema: GraphQLSchema,
    context: RequestContext,
    request: GraphQLRequest,
    retry_after_format: RetryAfterFormat,
) -> Response:
    try:
        document = parse(request.query)
        errors = validate(schema, document)
    except GraphQLError as error:
        document, errors = None, [error]
    cost = mutations = 0
    if document is not None and not errors:
        cost = complexity(schema, document, request.operation_name, request.variables)
        mutations = mutation_count(document, request.operation_name)
    wait = context.limiter.charge(cost, mutations)
    if wait > 0:
        response = _error_response(429, "Rate limit exceeded.", "rateLimit")
        response.headers["Retry-After"] = retry_after(wait, retry_after_format)
        return response
    body: dict[str, Any] = {}
    if document is None or errors:
        body["errors"] = [_format_error(error) for error in errors]  # and no `data`
    else:
        result = execute_sync(
            schema,
            document,
            context_value=context,
            variable_values=request.variables,
            operation_name=request.operation_name,
        )
        # A request error (e.g. a variable of the wrong type) has no path and gives no `data`.
        if result.data is not None or any(error.path for error in result.errors or ()):
            body["data"] = result.data
        if result.errors:
            body["errors"] = [_format_error(error) for error in result.errors]
    body["extensions"] = {
        "complexity": cost,
        "permissionsUsed": sorted(context.permissions_used),
        "appVersion": APP_VERSION,
    }
    return DecimalJSONResponse(body)


def _read_request(raw: bytes) -> GraphQLRequest:
    try:
        payload = simplejson.loads(raw)
    except ValueError:
        raise ValueError("The request body is not valid JSON.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise ValueError('The request body must be a JSON object with a "query" string.')
    variables = payload.get("variables") or {}
    operation_name = payload.get("operationName")
    if not isinstance(variables, dict) or not isinstance(operation_name, str | None):
        raise ValueError('"variables" must be an object and "operationName" a string.')
    return GraphQLRequest(payload["query"], variables, operation_name)


def _format_error(error: GraphQLError) -> dict[str, Any]:
    """graphql-core's error shape plus Centra's `extensions.category` (§3.1): errors raised
    by resolvers carry their own, a crash is "internal", anything the schema refuses (the
    document, a variable) is "validation"."""
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    crashed = error.original_error is not None and not isinstance(
        error.original_error, GraphQLError
    )
    extensions.setdefault("category", "internal" if crashed else "validation")
    formatted["extensions"] = extensions
    return formatted


def _error_response(status: int, message: str, category: str) -> Response:
    # Centra documents no body for these statuses; an `errors[]` body keeps clients uniform.
    body = {"errors": [{"message": message, "extensions": {"category": category}}]}
    return DecimalJSONResponse(body, status_code=status)


def _credentials(store: DocumentStore) -> dict[str, Any]:
    tokens = {
        document["token"]: {
            "integrationName": document["integrationName"],
            "permissions": document["permissions"],
            "expiresAt": document["expiresAt"],
        }
        for document in store.all("tokens")
    }
    return {"token": DEMO_TOKEN, "integration_name": INTEGRATION_NAME, "tokens": tokens}
