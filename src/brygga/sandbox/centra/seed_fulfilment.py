"""Shipments, captures and returns behind the seeded order statuses (fact sheet §4.2–§4.3).

The lifecycle holds for seeded orders too: a PROCESSING order has a shipment that is not yet
shipped or paid; a SHIPPED order has a shipped, captured shipment for all its lines. The demo
refunds become completed returns on those shipments, each with its refund payment entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from brygga.sandbox.centra.orders import grand_total
from brygga.sandbox.centra.scalars import stored_time
from brygga.sandbox.refunds import Refund

Document = dict[str, Any]
PAYMENT_METHOD = "Adyen Drop-In"  # `paymentMethod` as a plain string, as in Centra's examples
CARRIER = {"carrierName": "PostNord", "serviceName": "MyPack Home"}


def payment_entry(entry_id: int, entry_type: str, value: Decimal, when: datetime) -> Document:
    return {
        "id": entry_id,
        "createdAt": stored_time(when),
        "status": "SUCCESS",
        "entryType": entry_type,
        "externalReference": f"PSP{entry_id:012d}",  # the payment provider's reference
        "value": value,
        "paymentMethod": PAYMENT_METHOD,
        "paramsJSON": "{}",
    }


def fulfilment(orders: list[Document], refunds: list[Refund]) -> dict[str, dict[str, Document]]:
    """Shipments and returns by id; adds `shipments`, `paymentHistory` and line quantities to
    the orders in place."""
    shipments: dict[str, Document] = {}
    line_ids = entry_ids = 0
    for order in orders:
        order["shipments"], order["paymentHistory"] = [], []
        for line in order["lines"]:
            line["shippedQuantity"] = line["returnedQuantity"] = 0
        if order["status"] not in ("PROCESSING", "SHIPPED"):
            continue
        created = datetime.fromisoformat(order["createdAt"]) + timedelta(days=1)
        shipment_id = len(shipments) + 1
        lines = []
        for line in order["lines"]:
            line_ids += 1
            lines.append({"id": line_ids, "orderLineId": line["id"], "quantity": line["quantity"]})
        shipment = {
            "id": shipment_id,
            "number": f"{order['number']}-1",
            "orderId": order["id"],
            "createdAt": stored_time(created),
            "updatedAt": stored_time(created),
            "isGoodToGo": True,
            "shippedAt": None,
            "isPaid": False,
            "paidAt": None,
            "capturedAt": None,
            "includesShipping": True,  # the first shipment of an order carries its shipping
            "trackingNumber": None,
            "carrierInformation": None,
            "lines": lines,
            "returnIds": [],
        }
        if order["status"] == "SHIPPED":
            shipped = stored_time(created + timedelta(days=1))
            entry_ids += 1
            capture = payment_entry(entry_ids, "CAPTURE", grand_total(order), created)
            order["paymentHistory"].append(capture)
            shipment.update(
                shippedAt=shipped,
                updatedAt=shipped,
                isPaid=True,
                paidAt=capture["createdAt"],
                capturedAt=capture["createdAt"],
                trackingNumber=f"00370{shipment_id:013d}",
                carrierInformation=CARRIER,
            )
            for line in order["lines"]:
                line["shippedQuantity"] = line["quantity"]
        order["shipments"].append(shipment_id)
        shipments[str(shipment_id)] = shipment
    returns = _returns(orders, shipments, refunds, entry_ids)
    return {"shipments": shipments, "returns": returns}


def _returns(
    orders: list[Document],
    shipments: dict[str, Document],
    refunds: list[Refund],
    entry_ids: int,
) -> dict[str, Document]:
    by_number = {order["number"]: order for order in orders}
    returns: dict[str, Document] = {}
    line_ids = 0
    for refund in refunds:
        order = by_number[refund.order_number]
        shipment = shipments[str(order["shipments"][0])]
        shipment_lines = {line["orderLineId"]: line for line in shipment["lines"]}
        order_lines = {line["id"]: line for line in order["lines"]}
        lines = []
        for item in refund.lines:
            line_ids += 1
            order_lines[item.line_id]["returnedQuantity"] += item.quantity
            lines.append(
                {
                    "id": line_ids,
                    "shipmentLineId": shipment_lines[item.line_id]["id"],
                    "orderLineId": item.line_id,
                    "quantity": item.quantity,
                    "amount": item.amount,
                }
            )
        entry_ids += 1
        entry = payment_entry(entry_ids, "REFUND", refund.total, refund.created_at)
        order["paymentHistory"].append(entry)
        shipment["returnIds"].append(refund.id)
        returns[str(refund.id)] = {
            "id": refund.id,
            "status": "COMPLETED",
            "returnedToStock": True,
            "createdAt": stored_time(refund.created_at),
            "completedAt": stored_time(refund.created_at),
            "shipmentId": shipment["id"],
            "orderId": order["id"],
            "comment": None,
            "shipping": refund.shipping,
            "lines": lines,
            "refundEntryIds": [entry["id"]],
        }
    return returns
