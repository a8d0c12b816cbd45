"""What shipping, capturing and returning do to orders, stock and payments (fact sheet §4.2–
§4.3), shared by the mutations and the simulation.

Lifecycle: an order is PROCESSING once it has a shipment and SHIPPED when every line is shipped
and every shipment is paid. A line's `shippedQuantity` counts units on shipped shipments;
units on any shipment cannot be shipped again. Captures are recorded in the order's
`paymentHistory` with status SUCCESS (Centra's asynchronous PENDING captures are not modelled).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from brygga.sandbox.centra.money import cents, vat
from brygga.sandbox.centra.orders import grand_total, line_value
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.centra.seed_fulfilment import payment_entry
from brygga.sandbox.centra.state import Shop
from brygga.sandbox.centra.stock import adjust

Document = dict[str, Any]
Lines = list[tuple[Document, int]]  # (order line, quantity)


def shipments_of(shop: Shop, order: Document) -> list[Document]:
    return [shop.store.get("shipments", str(number)) for number in order["shipments"]]


def unshipped(shop: Shop, order: Document) -> dict[int, int]:
    """Units per order line that are on no shipment yet."""
    left = {line["id"]: line["quantity"] for line in order["lines"]}
    for shipment in shipments_of(shop, order):
        for line in shipment["lines"]:
            left[line["orderLineId"]] -= line["quantity"]
    return left


def captured(order: Document) -> Decimal:
    return sum(
        (
            Decimal(entry["value"])
            for entry in order["paymentHistory"]
            if entry["entryType"] == "CAPTURE" and entry["status"] == "SUCCESS"
        ),
        Decimal(0),
    )


def shipment_total(shop: Shop, shipment: Document, including_tax: bool = True) -> Decimal:
    order = shop.store.get("orders", shipment["orderId"])
    lines = {line["id"]: line for line in order["lines"]}
    total = tax = Decimal(0)
    for item in shipment["lines"]:
        line = lines[item["orderLineId"]]
        value = cents(Decimal(line["unitPrice"]) * item["quantity"])
        total, tax = total + value, tax + vat(value, line["taxPercent"])
    if shipment["includesShipping"]:
        total += Decimal(order["shipping"])
        tax += vat(order["shipping"], order["shippingTaxPercent"])
    return total if including_tax else total - tax


def create_shipment(
    shop: Shop, order: Document, lines: Lines, created: datetime, good_to_go: bool, paid: bool
) -> Document:
    """A shipment of the lines; `paid` marks it paid without a capture (paid outside Centra)."""
    shipment_id = shop.new_id("shipments")
    first = not order["shipments"]
    shipment = {
        "id": shipment_id,
        "number": f"{order['number']}-{len(order['shipments']) + 1}",
        "orderId": order["id"],
        "createdAt": stored_time(created),
        "updatedAt": stored_time(now()),
        "isGoodToGo": good_to_go,
        "shippedAt": None,
        "isPaid": paid,
        "paidAt": stored_time(now()) if paid else None,
        "capturedAt": None,
        "includesShipping": first,
        "trackingNumber": None,
        "carrierInformation": None,
        "lines": [
            {"id": shop.new_id("shipmentLines"), "orderLineId": line["id"], "quantity": quantity}
            for line, quantity in lines
        ],
        "returnIds": [],
    }
    if captured(order) >= grand_total(order):  # `captureOrder` took the money already
        shipment.update(isPaid=True, paidAt=stored_time(now()), capturedAt=stored_time(now()))
    order["shipments"] = [*order["shipments"], shipment_id]
    save_shipment(shop, shipment, "CREATED")
    return shipment


def capture(shop: Shop, order: Document, amount: Decimal, shipments: list[Document]) -> Document:
    """Record a successful capture and mark the shipments paid and captured."""
    time = now()
    entry = payment_entry(shop.new_id("paymentHistory"), "CAPTURE", cents(amount), time)
    order["paymentHistory"] = [*order["paymentHistory"], entry]
    for shipment in shipments:
        shipment.update(isPaid=True, paidAt=stored_time(time), capturedAt=stored_time(time))
        save_shipment(shop, shipment, "UPDATED")
    return entry


def mark_shipped(shop: Shop, order: Document, shipment: Document, shipped_at: datetime) -> None:
    """Ship a shipment: its units leave the shelf and count as shipped on the order."""
    lines = {line["id"]: line for line in order["lines"]}
    for item in shipment["lines"]:
        line = lines[item["orderLineId"]]
        line["shippedQuantity"] += item["quantity"]
        adjust(
            shop, line["productSize"]["id"], physical=-item["quantity"], allocated=-item["quantity"]
        )
    shipment["shippedAt"] = stored_time(shipped_at)
    save_shipment(shop, shipment, "COMPLETED")


def delete_shipment(shop: Shop, shipment: Document) -> None:
    """Only an unshipped, unpaid shipment can go (§4.2); the store keeps it, marked deleted."""
    order = shop.store.get("orders", shipment["orderId"])
    order["shipments"] = [number for number in order["shipments"] if number != shipment["id"]]
    shipment["deletedAt"] = stored_time(now())
    save_shipment(shop, shipment, "DELETED")
    save_order(shop, order)


def save_shipment(shop: Shop, shipment: Document, change_type: str) -> None:
    shipment["updatedAt"] = stored_time(now())
    shop.store.put("shipments", str(shipment["id"]), shipment)
    shop.changed("Shipment", change_type, shipment)


def save_order(shop: Shop, order: Document) -> None:
    """Store a changed order after moving it along its lifecycle (§4.2)."""
    shipments = shipments_of(shop, order)
    before = order["status"]
    if shipments and before not in ("CANCELLED", "ARCHIVED"):
        shipped = all(line["shippedQuantity"] >= line["quantity"] for line in order["lines"])
        paid = all(shipment["isPaid"] for shipment in shipments)
        order["status"] = "SHIPPED" if shipped and paid else "PROCESSING"
    elif before == "PROCESSING":  # its last shipment was deleted
        order["status"] = "CONFIRMED"
    order["updatedAt"] = stored_time(now())
    shop.store.put("orders", order["id"], order)
    shop.changed("Order", "UPDATED", order)
    if order["status"] == "SHIPPED" and before != "SHIPPED":
        shop.changed("Order", "COMPLETED", order)


def create_return(
    shop: Shop,
    shipment: Document,
    lines: Lines,
    shipping: Decimal,
    restock: bool,
    comment: str | None,
) -> Document:
    """A return of shipped units; with `restock` they go back on the primary warehouse's shelf."""
    order = shop.store.get("orders", shipment["orderId"])
    by_order_line = {item["orderLineId"]: item for item in shipment["lines"]}
    items = []
    for line, quantity in lines:
        line["returnedQuantity"] += quantity
        if restock:
            adjust(shop, line["productSize"]["id"], physical=quantity)
        items.append(
            {
                "id": shop.new_id("returnLines"),
                "shipmentLineId": by_order_line[line["id"]]["id"],
                "orderLineId": line["id"],
                "quantity": quantity,
                "amount": cents(line_value({**line, "quantity": quantity})),
            }
        )
    time = stored_time(now())
    returned = {
        "id": shop.new_id("returns"),
        "status": "IN_PROGRESS",
        "returnedToStock": restock,
        "createdAt": time,
        "completedAt": None,
        "shipmentId": shipment["id"],
        "orderId": order["id"],
        "comment": comment,
        "shipping": cents(shipping),
        "lines": items,
        "refundEntryIds": [],
    }
    shipment["returnIds"] = [*shipment["returnIds"], returned["id"]]
    shop.store.put("shipments", str(shipment["id"]), shipment)
    shop.store.put("returns", str(returned["id"]), returned)
    shop.changed("Return", "CREATED", returned)
    save_order(shop, order)
    return returned


def returnable(shop: Shop, shipment: Document) -> dict[int, int]:
    """Units per shipment line not returned yet."""
    left = {item["id"]: item["quantity"] for item in shipment["lines"]}
    for number in shipment["returnIds"]:
        for item in shop.store.get("returns", str(number))["lines"]:
            left[item["shipmentLineId"]] -= item["quantity"]
    return left


def return_total(returned: Document) -> Decimal:
    return sum(
        (Decimal(line["amount"]) for line in returned["lines"]), Decimal(returned["shipping"])
    )


def complete_return(shop: Shop, returned: Document) -> None:
    returned.update(status="COMPLETED", completedAt=stored_time(now()))
    shop.store.put("returns", str(returned["id"]), returned)
    shop.changed("Return", "COMPLETED", returned)


def refund(shop: Shop, returned: Document) -> None:
    """Pay a return back, as the admin or the REST Order API does (GraphQL cannot, §4.3)."""
    order = shop.store.get("orders", returned["orderId"])
    entry = payment_entry(shop.new_id("paymentHistory"), "REFUND", return_total(returned), now())
    order["paymentHistory"] = [*order["paymentHistory"], entry]
    returned["refundEntryIds"] = [*returned["refundEntryIds"], entry["id"]]
    shop.store.put("returns", str(returned["id"]), returned)
    save_order(shop, order)
