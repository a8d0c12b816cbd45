"""Returns (fact sheet §4.3): `returns`, `createReturn` on a shipped shipment, `completeReturn`;
Return fields. Refunding money is not in GraphQL; returns seeded from the demo refunds and
those of the simulation carry their refund in `refundPaymentHistory`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra import fulfilment
from brygga.sandbox.centra.inputs import UserError, find, mutation
from brygga.sandbox.centra.money import money_input, order_money
from brygga.sandbox.centra.orders import order_line
from brygga.sandbox.centra.queries import ID_SORT_KEYS, in_range, page_of, sort_documents
from brygga.sandbox.centra.scalars import parse_datetime
from brygga.sandbox.centra.shipments import resolve_shipment_lines

Document = dict[str, Any]
SORT_KEYS = {**ID_SORT_KEYS, "createdAt": lambda returned: parse_datetime(returned["createdAt"])}


def resolve_returns(
    _root: None,
    info: GraphQLResolveInfo,
    where: Document | None = None,
    sort: list[str] | None = None,
    limit: int | None = None,
    page: int | None = None,
) -> list[Document]:
    info.context.require("Return:read", info)
    where = where or {}
    store = info.context.store
    ids, customer = where.get("id"), where.get("customerId")

    def matches(returned: Document) -> bool:
        if ids is not None and returned["id"] not in ids:
            return False
        if where.get("storeType") not in (None, "DIRECT_TO_CONSUMER"):
            return False  # only direct-to-consumer orders are seeded
        if (
            customer is not None
            and store.get("orders", returned["orderId"])["customerId"] != customer
        ):
            return False
        return in_range(parse_datetime(returned["createdAt"]), where.get("createdAt") or {})

    found = (returned for returned in store.all("returns") if matches(returned))
    return page_of(sort_documents(found, sort or ["id_ASC"], SORT_KEYS), limit, page)


@mutation("Return:write", "Return:read")
def resolve_create_return(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    shop = info.context.shop
    shipment = find(info, "Shipment", "shipments", input["shipment"], ("input", "shipment"))
    if shipment["shippedAt"] is None:
        raise UserError(f"Shipment {shipment['id']} is not shipped yet.", ("input", "shipment"))
    order = shop.store.get("orders", shipment["orderId"])
    returns = [shop.store.get("returns", str(number)) for number in shipment["returnIds"]]
    left = fulfilment.returnable(shop, shipment)
    by_id = {item["id"]: item for item in shipment["lines"]}
    order_lines = {line["id"]: line for line in order["lines"]}
    lines: fulfilment.Lines = []
    for index, item in enumerate(input["lines"]):
        path = ("input", "lines", index)
        shipment_line = by_id.get(int(item["shipmentLine"]["id"]))
        if shipment_line is None or any(
            line["id"] == shipment_line["orderLineId"] for line, _ in lines
        ):
            raise UserError("No such line on the shipment, or given twice.", path)
        if not 0 < item["quantity"] <= left[shipment_line["id"]]:
            raise UserError(
                f"{left[shipment_line['id']]} units of this line can be returned.",
                (*path, "quantity"),
            )
        lines.append((order_lines[shipment_line["orderLineId"]], item["quantity"]))
    shipping = _shipping(input.get("shippingCost"), order, shipment, returns)
    policy = input.get("returnStockActionPolicy") or {}
    restock = not policy.get("removeItemsFromStock")  # back to the warehouse unless told not to
    returned = fulfilment.create_return(
        shop, shipment, lines, shipping, restock, input.get("comment")
    )
    return {"return": returned}


def _shipping(
    cost: Document | None, order: Document, shipment: Document, returns: list[Document]
) -> Decimal:
    """Shipping paid back: `fromShipment` (what is left of it) or a value up to that."""
    path = ("input", "shippingCost")
    left = Decimal(order["shipping"]) if shipment["includesShipping"] else Decimal(0)
    left -= sum((Decimal(returned["shipping"]) for returned in returns), Decimal(0))
    if cost is None:
        return Decimal(0)
    if cost.get("fromShipment"):
        return left
    if cost.get("value") is None:
        raise UserError("Give a value or fromShipment.", path)
    value, code = money_input(cost["value"])
    if code != order["currency"]["code"] or not 0 <= value <= left:
        raise UserError(f"Shipping cost must be 0 to {left} {order['currency']['code']}.", path)
    return value


@mutation("Return:write", "Return:read")
def resolve_complete_return(
    _root: None, info: GraphQLResolveInfo, id: int, input: Document | None = None
) -> Document:
    returned = find(info, "Return", "returns", {"id": id}, ("id",))
    if returned["status"] == "COMPLETED":
        raise UserError(f"Return {id} is already completed.", ("id",))
    fulfilment.complete_return(info.context.shop, returned)
    return {"return": returned}


def _order(returned: Document, info: GraphQLResolveInfo) -> Document:
    return info.context.store.get("orders", returned["orderId"])


def resolve_return_order(returned: Document, info: GraphQLResolveInfo) -> Document:
    info.context.require("Order:read", info)
    return _order(returned, info)


def resolve_return_shipment(returned: Document, info: GraphQLResolveInfo) -> Document:
    info.context.require("Shipment:read", info)
    return info.context.store.get("shipments", str(returned["shipmentId"]))


def resolve_return_lines(returned: Document, info: GraphQLResolveInfo) -> list[Document]:
    order = _order(returned, info)
    shipment = info.context.store.get("shipments", str(returned["shipmentId"]))
    shipment_lines = {item["id"]: item for item in resolve_shipment_lines(shipment, info)}
    lines = {line["id"]: line for line in order["lines"]}
    return [
        {
            **item,
            "shipmentLine": shipment_lines[item["shipmentLineId"]],
            "orderLine": order_line(order, lines[item["orderLineId"]]),
            "lineValue": order_money(item["amount"], order),
        }
        for item in returned["lines"]
    ]


def resolve_return_total(returned: Document, info: GraphQLResolveInfo) -> Document:
    return order_money(fulfilment.return_total(returned), _order(returned, info))


def resolve_return_totals(returned: Document, info: GraphQLResolveInfo) -> Document:
    order = _order(returned, info)
    return {
        "shipping": order_money(returned["shipping"], order),
        "handling": order_money(0, order),  # handling and return costs are not modelled
        "returnCost": order_money(0, order),
        "grandTotal": order_money(fulfilment.return_total(returned), order),
    }


def resolve_refund_payment_history(returned: Document, info: GraphQLResolveInfo) -> list[Document]:
    info.context.require("PaymentHistory:read", info)
    order = _order(returned, info)
    refunds = set(returned["refundEntryIds"])
    return [
        {**entry, "order": order} for entry in order["paymentHistory"] if entry["id"] in refunds
    ]


def resolve_return_type(_returned: Document, _info: GraphQLResolveInfo, _type: Any) -> str:
    return "DirectToConsumerReturn"
