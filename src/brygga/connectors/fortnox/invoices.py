"""Finding the Fortnox invoice of a shop order, for refunds and payments."""

from __future__ import annotations

from typing import Any

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.reading import is_credit

Record = dict[str, Any]


def exact(items: list[Record], field: str, value: str) -> list[Record]:
    """List items whose `field` is `value` exactly (list searches match substrings, §3.4)."""
    return [item for item in items if str(item.get(field) or "") == value]


def _newest_first(item: Record) -> tuple[int, str]:
    number = str(item["DocumentNumber"])
    return (-int(number), "") if number.isdigit() else (0, number)


async def invoice_of_order(client: FortnoxClient, order_number: str) -> Record:
    """The newest invoice of a shop order (by `ExternalInvoiceReference1`, which `createinvoice`
    copies from the order), not cancelled and not a credit invoice, read whole."""
    candidates: list[Record] = []
    params = {"externalinvoicereference1": order_number, "credit": "false"}
    async for items in client.items("/3/invoices", "Invoices", **params):
        listed = exact(items, "ExternalInvoiceReference1", order_number)
        candidates += [item for item in listed if not (item.get("Cancelled") or is_credit(item))]
    for item in sorted(candidates, key=_newest_first):
        invoice = (await client.get(f"/3/invoices/{item['DocumentNumber']}"))["Invoice"]
        if not is_credit(invoice):
            return invoice
    raise ConnectorError(
        ErrorClass.NOT_FOUND,
        f"Fortnox has no invoice for shop order {order_number} yet; invoice the order in "
        "Fortnox first",
    )
