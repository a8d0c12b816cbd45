"""What ERP staff do with shop orders in the sandbox: ship and invoice a sales order, and credit
an invoice in full (fact sheet §4.2, §4.5, §4.6; used by `simulation`).

An invoice made from a sales order carries the order's customer order number in
`externalReference` and its customer reference in `customerRefNumber`, its item lines name the
order and shipment (`soOrderType`, `soOrderNbr`, `soShipmentNbr`), and freight becomes a line
without an item. It is released at once and the order is Completed. A credit copies every line
of the invoice, is applied to it and released, which closes the invoice. How live Visma.net
copies the customer order fields onto the invoice is inferred from its Acumatica lineage.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import documents, salesorders, settlement
from brygga.sandbox.vismanet.documents import CREDIT_NOTE, INVOICE
from brygga.sandbox.vismanet.seeding import wrap

Record = dict[str, Any]
FREIGHT_TEXT = "Frakt"


def invoiceable(order: Record) -> bool:
    """An open sales order from a shop: it carries a customer order number."""
    return (
        not order.get("_deleted")
        and order["status"]["description"] == "Open"
        and bool(order["customer"].get("order"))
        and bool(order["_lines"])
    )


def invoice_order(store: DocumentStore, order: Record) -> Record:
    rows = [
        {
            "inventoryNumber": line["inventory"]["id"],
            "description": line["description"],
            "quantity": Decimal(line["quantity"]),
            "unitPriceInCurrency": Decimal(line["unitPrice"]),
            "discountAmountInCurrency": Decimal(line["discountAmount"] or 0),
            "vatCodeId": line["taxCategoryId"],
        }
        for line in order["_lines"]
    ]
    freight = order["freight"]
    if Decimal(freight.get("amount") or 0):
        rows.append(
            {
                "description": FREIGHT_TEXT,
                "quantity": Decimal(1),
                "unitPriceInCurrency": Decimal(freight["amount"]),
                "vatCodeId": freight["taxCategoryId"],
            }
        )
    customer = order["customer"]
    header = {
        "customerNumber": customer["id"],
        "currencyId": order["currencyId"],
        "customerVatZoneId": customer["taxZone"]["id"],
        "externalReference": customer.get("order") or "",
        "customerRefNumber": customer.get("refNo") or "",
        "invoiceText": f"Order {order['type']} {order['orderId']}",
    }
    lines = [wrap(row) | {"operation": "Insert"} for row in rows]
    record = documents.create(store, INVOICE, wrap(header) | {"invoiceLines": lines})
    shipment = f"{store.next_number('shipments'):06d}"
    source = {
        "soOrderType": order["type"],
        "soOrderNbr": order["orderId"],
        "soShipmentNbr": shipment,
    }
    record["invoiceLines"] = [
        line | source if line.get("inventoryNumber") else line for line in record["invoiceLines"]
    ]
    store.put(INVOICE.collection, record["referenceNumber"], record)
    settlement.release(store, INVOICE, record)
    salesorders.patch(store, order, {"status": "Completed"})
    return store.get(INVOICE.collection, record["referenceNumber"])


def from_shop_order(invoice: Record) -> bool:
    """A released invoice of a shop's sales order that nothing has been applied to yet."""
    return (
        not invoice.get("_deleted")
        and invoice["status"] == "Open"
        and not invoice["applications"]
        and bool(invoice.get("externalReference"))
        and any(line.get("soOrderNbr") for line in invoice["invoiceLines"])
    )


def credit_invoice(store: DocumentStore, invoice: Record) -> Record:
    rows = []
    for line in invoice["invoiceLines"]:
        row = {
            "description": line.get("description") or "Credit",
            "quantity": Decimal(line["quantity"]),
            "unitPriceInCurrency": Decimal(line["unitPriceInCurrency"]),
            "discountAmountInCurrency": Decimal(line["discountAmountInCurrency"]),
            "vatCodeId": line["vatCode"]["id"],
        }
        if line.get("inventoryNumber"):
            row["inventoryNumber"] = line["inventoryNumber"]
        rows.append(wrap(row) | {"operation": "Insert"})
    header = {
        "customerNumber": invoice["customer"]["number"],
        "currencyId": invoice["currencyId"],
        "exchangeRate": Decimal(invoice["exchangeRate"]),
        "customerVatZoneId": invoice["customerVatZone"]["id"],
        "externalReference": invoice["externalReference"],
        "invoiceText": f"Credit for invoice {invoice['referenceNumber']}",
    }
    applied = wrap({"documentType": "Invoice", "refNbr": invoice["referenceNumber"]})
    payload = wrap(header) | {
        "lines": rows,
        "applicationLines": [applied | {"operation": "Insert"}],
    }
    note = documents.create(store, CREDIT_NOTE, payload)
    settlement.release(store, CREDIT_NOTE, note)
    return store.get(CREDIT_NOTE.collection, note["referenceNumber"])
