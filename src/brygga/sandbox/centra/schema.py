"""The executable schema: the hand-written SDL (`schema.graphql`, then the files extending it)
bound to its resolvers.

Fields without a resolver here read the document key of the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
)

from brygga.sandbox.centra import (
    account,
    catalogue,
    events,
    idconversions,
    orders,
    pricing,
    products,
    queries,
    returns,
    shipments,
    stock,
)
from brygga.sandbox.centra.scalars import bind_datetime_scalar

SDL_DIRECTORY = Path(__file__).parent
SDL_FILES = (
    "schema.graphql",
    "catalogue.graphql",
    "stock.graphql",
    "fulfilment.graphql",
    "events.graphql",
    "account.graphql",
)

SHIPMENT_FIELDS: dict[str, Callable[..., Any]] = {
    "isShipped": lambda shipment, _info: shipment["shippedAt"] is not None,
    "isCaptured": lambda shipment, _info: shipment["capturedAt"] is not None,
    "order": shipments.resolve_shipment_order,
    "lines": shipments.resolve_shipment_lines,
    "grandTotal": shipments.resolve_shipment_total,
    "shippingAddress": shipments.resolve_shipment_address,
}
RETURN_FIELDS: dict[str, Callable[..., Any]] = {
    "order": returns.resolve_return_order,
    "shipment": returns.resolve_return_shipment,
    "lines": returns.resolve_return_lines,
    "grandTotal": returns.resolve_return_total,
    "totals": returns.resolve_return_totals,
    "refundPaymentHistory": returns.resolve_refund_payment_history,
}

RESOLVERS: dict[str, dict[str, Callable[..., Any]]] = {
    "Query": {
        "orders": queries.resolve_orders,
        "order": queries.resolve_order,
        "customers": queries.resolve_customers,
        "rateLimits": queries.resolve_rate_limits,
        "products": catalogue.resolve_products,
        "productVariants": catalogue.resolve_product_variants,
        "productSizes": catalogue.resolve_product_sizes,
        "sizeCharts": catalogue.resolve_size_charts,
        "pricelists": pricing.resolve_pricelists,
        "idConversions": idconversions.resolve_id_conversions,
        "warehouses": stock.resolve_warehouses,
        "stockChangeLines": stock.resolve_stock_change_lines,
        "returns": returns.resolve_returns,
        "events": events.resolve_events,
        "eventListeners": events.resolve_event_listeners,
        "stores": account.resolve_stores,
        "currencies": account.resolve_currencies,
    },
    "Mutation": {
        "confirmOrder": shipments.resolve_confirm_order,
        "createProduct": products.resolve_create_product,
        "updateProduct": products.resolve_update_product,
        "createProductVariant": products.resolve_create_product_variant,
        "createProductSize": products.resolve_create_product_size,
        "updateProductSize": products.resolve_update_product_size,
        "setPrices": pricing.resolve_set_prices,
        "setIdConversions": idconversions.resolve_set_id_conversions,
        "unsetIdConversions": idconversions.resolve_unset_id_conversions,
        "setStock": stock.resolve_set_stock,
        "changeStock": stock.resolve_change_stock,
        "createShipment": shipments.resolve_create_shipment,
        "updateShipment": shipments.resolve_update_shipment,
        "completeShipment": shipments.resolve_complete_shipment,
        "deleteShipment": shipments.resolve_delete_shipment,
        "captureShipment": shipments.resolve_capture_shipment,
        "captureOrder": shipments.resolve_capture_order,
        "createReturn": returns.resolve_create_return,
        "completeReturn": returns.resolve_complete_return,
        "setEventListeners": events.resolve_set_event_listeners,
        "unsetEventListeners": events.resolve_unset_event_listeners,
        "confirmEvents": events.resolve_confirm_events,
    },
    "DirectToConsumerOrder": {
        "grandTotal": orders.resolve_grand_total,
        "totals": orders.resolve_totals,
        "lines": orders.resolve_lines,
        "shippingAddress": orders.resolve_shipping_address,
        "billingAddress": orders.resolve_billing_address,
        "shipments": orders.resolve_shipments,
        "paymentHistory": orders.resolve_payment_history,
        "customer": orders.resolve_customer,
    },
    "OrderLine": {
        "unitPrice": orders.resolve_unit_price,
        "unitOriginalPrice": orders.resolve_unit_original_price,
        "lineValue": orders.resolve_line_value,
        "product": orders.resolve_line_product,
        "productVariant": orders.resolve_line_product_variant,
        "productSize": orders.resolve_line_product_size,
    },
    "PaymentHistoryEntry": {"value": orders.resolve_payment_value},
    "Customer": {"lastOrder": orders.resolve_last_order},
    "Product": {
        "variants": catalogue.resolve_variants,
        "brand": catalogue.resolve_brand,
        "collection": catalogue.resolve_collection,
        "folder": catalogue.resolve_folder,
        "countryOfOrigin": catalogue.resolve_country_of_origin,
    },
    "ProductVariant": {
        "product": catalogue.resolve_product,
        "sizeChart": catalogue.resolve_size_chart,
        "unitCost": catalogue.resolve_unit_cost,
        "productSizes": catalogue.resolve_product_sizes_of,
        "prices": pricing.resolve_variant_prices,
        "stock": stock.resolve_variant_stock,
    },
    "ProductSize": {
        "size": catalogue.resolve_size,
        "productVariant": catalogue.resolve_product_variant,
        "stockTotals": stock.resolve_stock_totals,
    },
    "Pricelist": {
        "currency": pricing.resolve_currency,
        "assignedToCountries": pricing.resolve_countries,
    },
    "StockChange": {"lines": stock.resolve_stock_change_lines_of},
    "StockChangeLine": {
        "stockChange": stock.resolve_line_stock_change,
        "productSize": stock.resolve_line_size,
        "warehouse": stock.resolve_line_warehouse,
    },
    "DirectToConsumerShipment": SHIPMENT_FIELDS,
    "ShipmentLine": {"lineValue": shipments.resolve_shipment_line_value},
    "DirectToConsumerReturn": RETURN_FIELDS,
    "Event": {"object": events.resolve_event_object, "store": events.resolve_event_store},
}

ABSTRACT_TYPES: dict[str, Callable[..., str]] = {
    "Order": orders.resolve_order_type,
    "Shipment": shipments.resolve_shipment_type,
    "Return": returns.resolve_return_type,
    "EventObject": events.resolve_event_object_type,
}


def load_schema() -> GraphQLSchema:
    sdl = "\n".join((SDL_DIRECTORY / name).read_text(encoding="utf-8") for name in SDL_FILES)
    schema = build_schema(sdl)
    bind_datetime_scalar(schema)
    for type_name, fields in RESOLVERS.items():
        object_type = schema.get_type(type_name)
        assert isinstance(object_type, GraphQLObjectType)
        for field_name, resolver in fields.items():
            object_type.fields[field_name].resolve = resolver
    for type_name, resolve_type in ABSTRACT_TYPES.items():
        abstract = schema.get_type(type_name)
        assert isinstance(abstract, GraphQLInterfaceType | GraphQLUnionType)
        abstract.resolve_type = resolve_type
    return schema
