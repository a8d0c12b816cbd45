"""Mutation plumbing: `userErrors`/`userWarnings` payloads and object references in inputs.

A mutation answers HTTP 200 with a payload `{<object> userErrors userWarnings}` (fact sheet
§3.1): a user error rejects the whole mutation, a warning reports one bad row of a batch that
was otherwise applied. References are small objects (§3.3): `{id}`, `{externalId}` (looked up
in the caller's ID-conversion table, §4.10), `{number}` for orders, `{name}` for sizes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

Document = dict[str, Any]
Path = tuple[str | int, ...]


class UserError(Exception):
    """Rejects a mutation: reported in its payload's `userErrors`, nothing is changed."""

    def __init__(self, message: str, path: Path = ()) -> None:
        super().__init__(message)
        self.entry = {"message": message, "path": [str(part) for part in path]}


class Warnings(list[Document]):
    """The `userWarnings` of a batch mutation: rows skipped, the rest applied."""

    def add(self, message: str, path: Path) -> None:
        self.append({"message": message, "path": [str(part) for part in path]})

    def add_error(self, error: UserError) -> None:
        """A row's user error, reported as a warning of the batch."""
        self.append(error.entry)


def mutation(*permissions: str) -> Callable[[Callable[..., Document]], Callable[..., Document]]:
    """Check the caller's permissions (a missing one fails the field, §1), then run the
    resolver; a `UserError` it raises becomes the payload's only user error."""

    def decorate(resolver: Callable[..., Document]) -> Callable[..., Document]:
        @functools.wraps(resolver)
        def resolve(root: None, info: GraphQLResolveInfo, **arguments: Any) -> Document:
            for permission in permissions:
                info.context.require(permission, info)
            try:
                payload = resolver(root, info, **arguments)
            except UserError as error:
                return {"userErrors": [error.entry], "userWarnings": []}
            return {"userErrors": [], "userWarnings": [], **payload}

        return resolve

    return decorate


def find(
    info: GraphQLResolveInfo, object_type: str, collection: str, ref: Document, path: Path
) -> Document:
    """The document a `{id}` or `{externalId}` reference names, or a user error."""
    internal_id = ref.get("id")
    if internal_id is None and ref.get("externalId") is not None:
        context = info.context
        internal_id = context.shop.conversions.internal_id(
            context.integration_name, object_type, ref["externalId"]
        )
    document = None if internal_id is None else info.context.store.get(collection, str(internal_id))
    if document is None or "deletedAt" in document:
        shown = ", ".join(f"{key}: {value!r}" for key, value in ref.items())
        raise UserError(f"Could not find {object_type} with {shown or 'no reference'}.", path)
    return document


def find_order(info: GraphQLResolveInfo, ref: Document, path: Path) -> Document:
    """`{id: "<32 hex>"}` or `{number: 1001}`."""
    shop = info.context.shop
    order = None
    if ref.get("id") is not None:
        order = shop.store.get("orders", ref["id"])
    elif ref.get("number") is not None:
        order = shop.order_by_number(ref["number"])
    if order is None:
        raise UserError("Could not find the order.", path)
    return order


def find_chart_size(
    info: GraphQLResolveInfo, chart: Document, ref: Document, path: Path
) -> Document:
    """A size of a size chart by `{id}`, `{name}` or `{externalId}` (the ID-conversion entry
    `"<SizeChart.name>|<Size.name>"`)."""
    size_id = ref.get("id")
    if ref.get("name") is not None:
        size_id = next((s["id"] for s in chart["sizes"] if s["name"] == ref["name"]), None)
    elif ref.get("externalId") is not None:
        context = info.context
        size_id = context.shop.conversions.internal_id(
            context.integration_name, "Size", ref["externalId"]
        )
    size = next((s for s in chart["sizes"] if s["id"] == size_id), None)
    if size is None:
        raise UserError(f"Size chart {chart['name']!r} has no such size.", path)
    return size


def variant_sizes(info: GraphQLResolveInfo, variant: Document) -> list[Document]:
    store = info.context.store
    return [store.get("productSizes", str(size_id)) for size_id in variant["sizeIds"]]


def find_variant_size(
    info: GraphQLResolveInfo, variant: Document, ref: Document, path: Path
) -> Document:
    """The variant's ProductSize for a size of its chart."""
    chart = info.context.store.get("sizeCharts", str(variant["sizeChartId"]))
    chart_size = find_chart_size(info, chart, ref, path)
    for size in variant_sizes(info, variant):
        if size["sizeId"] == chart_size["id"]:
            return size
    raise UserError(f"Variant {variant['id']} has no size {chart_size['name']!r}.", path)
