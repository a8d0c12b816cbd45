"""The executable schema: the hand-written SDL (`schema.graphql`) bound to its resolvers.

Fields without a resolver here read the document key of the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, build_schema

from brygga.sandbox.centra import orders, queries
from brygga.sandbox.centra.scalars import bind_datetime_scalar

SDL_PATH = Path(__file__).with_name("schema.graphql")

RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "Query": {
        "orders": queries.resolve_orders,
        "order": queries.resolve_order,
        "customers": queries.resolve_customers,
        "rateLimits": queries.resolve_rate_limits,
    },
    "DirectToConsumerOrder": {
        "grandTotal": orders.resolve_grand_total,
        "totals": orders.resolve_totals,
        "lines": orders.resolve_lines,
        "shippingAddress": orders.resolve_shipping_address,
        "billingAddress": orders.resolve_billing_address,
        "customer": orders.resolve_customer,
    },
    "OrderLine": {
        "unitPrice": orders.resolve_unit_price,
        "unitOriginalPrice": orders.resolve_unit_original_price,
        "lineValue": orders.resolve_line_value,
    },
    "Customer": {"lastOrder": orders.resolve_last_order},
}


def load_schema() -> GraphQLSchema:
    schema = build_schema(SDL_PATH.read_text(encoding="utf-8"))
    bind_datetime_scalar(schema)
    for type_name, fields in RESOLVERS.items():
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType)
        for field_name, resolver in fields.items():
            object_type.fields[field_name].resolve = resolver
    order = schema.get_type("Order")
    assert isinstance(order, GraphQLInterfaceType)
    order.resolve_type = orders.resolve_order_type
    return schema
