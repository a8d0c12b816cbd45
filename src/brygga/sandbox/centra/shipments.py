"""Order and shipment mutations (fact sheet §4.1–§4.2): `confirmOrder`, `createShipment`,
`updateShipment`, `completeShipment`, `deleteShipment`, `captureShipment`, `captureOrder`;
Shipment fields.

Every check runs before anything changes, so a user error leaves the order as it was.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra import fulfilment
from brygga.sandbox.centra.inputs import Path, UserError, find, find_order, mutation
from brygga.sandbox.centra.money import cents, order_money
from brygga.sandbox.centra.orders import grand_total, order_line
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.centra.state import Shop

Document = dict[str, Any]
SHIPPABLE = ("PENDING", "CONFIRMED", "PROCESSING")


@mutation("Order:write", "Order:read")
def resolve_confirm_order(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    order = find_order(info, input["order"], ("input", "order"))
    if order["status"] != "PENDING":
        raise UserError(
            f"Order {order['number']} is {order['status']}, not PENDING.", ("input", "order")
        )
    order["status"] = "CONFIRMED"
    fulfilment.save_order(info.context.shop, order)
    return {"order": order}


@mutation("Shipment:write", "Shipment:read", "Order:read")
def resolve_create_shipment(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    shop = info.context.shop
    order = find_order(info, input["order"], ("input", "order"))
    if order["isOnHold"] or order["status"] not in SHIPPABLE:
        state = "on hold" if order["isOnHold"] else order["status"]
        raise UserError(
            f"Order {order['number']} is {state} and cannot be shipped.", ("input", "order")
        )
    lines = _shipment_lines(shop, order, input["lines"])
    shipped_at = _past(input.get("shippedAt"), ("input", "shippedAt"))
    shipment = fulfilment.create_shipment(
        shop,
        order,
        lines,
        created=input.get("createdAt") or now(),
        good_to_go=bool(input.get("isGoodToGo")),
        paid=bool(input.get("isPaid")),
    )
    if input.get("capture") and shipment["capturedAt"] is None:
        fulfilment.capture(shop, order, fulfilment.shipment_total(shop, shipment), [shipment])
    if shipped_at is not None:
        fulfilment.mark_shipped(shop, order, shipment, shipped_at)
    fulfilment.save_order(shop, order)
    return {"shipment": shipment}


@mutation("Shipment:write", "Shipment:read")
def resolve_update_shipment(
    _root: None, info: GraphQLResolveInfo, id: int, input: Document
) -> Document:
    """Mark a shipment paid (paid outside Centra) or good to go."""
    shop = info.context.shop
    shipment = find(info, "Shipment", "shipments", {"id": id}, ("id",))
    if input.get("isGoodToGo") is not None:
        shipment["isGoodToGo"] = input["isGoodToGo"]
    if input.get("isPaid") and not shipment["isPaid"]:
        shipment.update(isPaid=True, paidAt=stored_time(now()))
    fulfilment.save_shipment(shop, shipment, "UPDATED")
    fulfilment.save_order(shop, shop.store.get("orders", shipment["orderId"]))
    return {"shipment": shipment}


@mutation("Shipment:write", "Shipment:read")
def resolve_complete_shipment(
    _root: None, info: GraphQLResolveInfo, id: int, input: Document | None = None
) -> Document:
    shop = info.context.shop
    input = input or {}
    shipment = find(info, "Shipment", "shipments", {"id": id}, ("id",))
    if shipment["shippedAt"] is not None:
        raise UserError(f"Shipment {id} is already shipped.", ("id",))
    shipped_at = _past(input.get("shippedAt") or now(), ("input", "shippedAt"))
    info_input = input.get("shipmentInfo") or {}
    if info_input:
        shipment["trackingNumber"] = info_input.get("trackingNumber")
        shipment["carrierInformation"] = {
            "carrierName": info_input.get("carrier"),
            "serviceName": info_input.get("service"),
        }
    order = shop.store.get("orders", shipment["orderId"])
    fulfilment.mark_shipped(shop, order, shipment, shipped_at)
    fulfilment.save_order(shop, order)
    return {"shipment": shipment}


@mutation("Shipment:write", "Shipment:read")
def resolve_delete_shipment(_root: None, info: GraphQLResolveInfo, id: int) -> Document:
    shipment = find(info, "Shipment", "shipments", {"id": id}, ("id",))
    if shipment["shippedAt"] is not None or shipment["isPaid"]:
        raise UserError(f"Shipment {id} is shipped or paid and cannot be deleted.", ("id",))
    fulfilment.delete_shipment(info.context.shop, shipment)
    return {"shipment": shipment}


@mutation("Shipment:write", "Shipment:read", "PaymentHistory:read")
def resolve_capture_shipment(_root: None, info: GraphQLResolveInfo, id: int) -> Document:
    shop = info.context.shop
    shipment = find(info, "Shipment", "shipments", {"id": id}, ("id",))
    if shipment["capturedAt"] is not None:
        raise UserError(f"Shipment {id} is already captured.", ("id",))
    order = shop.store.get("orders", shipment["orderId"])
    amount = fulfilment.shipment_total(shop, shipment)
    if fulfilment.captured(order) + amount > grand_total(order):
        raise UserError("Cannot capture more than was authorised.", ("id",))  # §6
    entry = fulfilment.capture(shop, order, amount, [shipment])
    fulfilment.save_order(shop, order)
    return {"paymentHistoryEntry": {**entry, "order": order}, "shipment": shipment}


@mutation("Order:write", "Order:read", "PaymentHistory:read")
def resolve_capture_order(_root: None, info: GraphQLResolveInfo, order: Document) -> Document:
    """Capture what is left of the order total, shipped or not."""
    shop = info.context.shop
    found = find_order(info, order, ("order",))
    amount = grand_total(found) - fulfilment.captured(found)
    if amount <= 0:
        raise UserError(f"Order {found['number']} is captured in full.", ("order",))
    uncaptured = [s for s in fulfilment.shipments_of(shop, found) if s["capturedAt"] is None]
    entry = fulfilment.capture(shop, found, amount, uncaptured)
    fulfilment.save_order(shop, found)
    return {"paymentHistoryEntry": {**entry, "order": found}, "order": found}


def _shipment_lines(shop: Shop, order: Document, items: list[Document]) -> fulfilment.Lines:
    lines = {line["id"]: line for line in order["lines"]}
    left = fulfilment.unshipped(shop, order)
    chosen: fulfilment.Lines = []
    for index, item in enumerate(items):
        path = ("input", "lines", index)
        line = lines.get(int(item["orderLine"]["id"]))
        if line is None:
            raise UserError(f"Order {order['number']} has no line {item['orderLine']['id']}.", path)
        if any(line is other for other, _ in chosen):
            raise UserError(f"Line {line['id']} is given twice.", path)
        if not 0 < item["quantity"] <= left[line["id"]]:
            raise UserError(
                f"Line {line['id']} has {left[line['id']]} units left to ship.", (*path, "quantity")
            )
        chosen.append((line, item["quantity"]))
    if not chosen:
        raise UserError("A shipment needs at least one line.", ("input", "lines"))
    return chosen


def _past(value: datetime | None, path: Path) -> datetime | None:
    """`shippedAt` takes relative times but not the future (§3.3)."""
    if value is not None and value > now():
        raise UserError("shippedAt cannot be in the future.", path)
    return value


def resolve_shipment_order(shipment: Document, info: GraphQLResolveInfo) -> Document:
    info.context.require("Order:read", info)
    return info.context.store.get("orders", shipment["orderId"])


def resolve_shipment_lines(shipment: Document, info: GraphQLResolveInfo) -> list[Document]:
    order = info.context.store.get("orders", shipment["orderId"])
    lines = {line["id"]: line for line in order["lines"]}
    return [
        {**item, "orderLine": order_line(order, lines[item["orderLineId"]]), "order": order}
        for item in shipment["lines"]
    ]


def resolve_shipment_line_value(item: Document, _info: GraphQLResolveInfo) -> Document:
    line = item["orderLine"]
    return order_money(cents(Decimal(line["unitPrice"]) * item["quantity"]), item["order"])


def resolve_shipment_total(
    shipment: Document, info: GraphQLResolveInfo, includingTax: bool
) -> Document:
    order = info.context.store.get("orders", shipment["orderId"])
    return order_money(fulfilment.shipment_total(info.context.shop, shipment, includingTax), order)


def resolve_shipment_address(shipment: Document, info: GraphQLResolveInfo) -> Document | None:
    info.context.require("Shipment.shippingAddress:read", info)
    return info.context.store.get("orders", shipment["orderId"])["shippingAddress"]


def resolve_shipment_type(_shipment: Document, _info: GraphQLResolveInfo, _type: Any) -> str:
    return "DirectToConsumerShipment"
