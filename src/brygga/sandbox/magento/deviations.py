"""Where the sandbox follows the live API instead of `magento-2.4.9-admin-schema.yaml`.

The one list of the sandbox's deliberate departures from Adobe's schema (fact sheet §7, last
table); `tests/sandbox/test_magento_spec.py` checks each entry against the document, so an entry
that the document no longer contradicts fails the build.
"""

from __future__ import annotations

# Scalar ids returned by these operations are typed `integer`; live sends JSON strings (§3.2).
STRING_ID_RESULTS = frozenset(
    {
        ("post", "/V1/order/{orderId}/invoice"),
        ("post", "/V1/order/{orderId}/refund"),
        ("post", "/V1/invoice/{invoiceId}/refund"),
    }
)
# `void` services: the document declares no 200 response; live answers 200 with `[]` (§3.2).
VOID_RESULTS = frozenset({("post", "/V1/inventory/source-items")})
# Fields the document marks required that live omits, because they are null (§3.2).
OMITTED_WHEN_NULL: dict[str, tuple[str, ...]] = {
    "customer-data-region-interface": ("region", "region_code"),
    "sales-data-order-payment-interface": ("account_status", "cc_last4"),
    "catalog-inventory-data-stock-item-interface": ("low_stock_date",),
}
# Definitions whose `required` list the document applies to requests too; live takes partial
# objects, e.g. `{"stockItem": {"qty": 10, "is_in_stock": true}}` (§4.4).
PARTIAL_IN_REQUESTS = ("catalog-inventory-data-stock-item-interface",)
# `error-response.parameters` is declared as an array of {resources, fieldName, fieldValue}
# objects; live sends the values of positional placeholders (`%1`) as a list and named ones
# (`%fieldName`, `%resources`) as one object (§3.4).
NAMED_PARAMETERS_DEFINITION = "error-parameters"
# The document's `basePath` is /rest/default and its searchCriteria parameters are camelCase with
# index 0 only; live accepts these base paths, any index and snake_case keys (§1, §3.3).
BASE_PATHS = ("/rest", "/rest/default", "/rest/all", "/index.php/rest/default")


def scalar_id(entity_id: int) -> str:
    """The result of the STRING_ID_RESULTS operations."""
    return str(entity_id)


def void() -> list[object]:
    """The result of the VOID_RESULTS operations."""
    return []
