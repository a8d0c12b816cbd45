"""`POST /_sandbox/simulate`: the ERP staff at work between two syncs (sandbox only).

`{"invoices": n, "credit_notes": n, "stock_changes": n, "invoice_orders": n,
"credit_invoices": n, "items": n}` (each optional, default 0):

- `invoices`: released customer invoices for existing active customers, one to three lines of
  active stock items at their default price in the customer's currency;
- `credit_notes`: released credit notes for one unit of a line of an open invoice, applied to
  it (at most its balance), so the invoice's balance falls or it closes;
- `stock_changes`: mostly deliveries, now and then a few units written off, on the default
  warehouse row of a stock item;
- `invoice_orders`: the oldest open sales orders that carry a shop order number (customer
  order) shipped and invoiced, the invoice released and carrying that number (`invoicing`);
- `credit_invoices`: open invoices of shop orders with nothing applied yet, picked at random,
  credited in full by a released credit note applied to them;
- `items`: new active stock items, as the staff add them (`POST /v1/inventory`), numbered
  `ITEM-<n>`, with a net default price at 25 % VAT and stock in the default warehouse.

Everything goes through the code the REST API uses (`documents`, `settlement`, `inventory`),
so every change bumps `lastModifiedDateTime`. Each call draws from its own stream, seeded by
the sandbox seed and a counter in the store: the same seed and calls give the same changes.
The answer lists the invoice and credit note numbers and the changed items' numbers
(`invoice_orders` the new invoices, `credit_invoices` the new credit notes, `items` the new
items).
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brygga.sandbox.common import DecimalJSONResponse, SandboxConfig
from brygga.sandbox.simulation import picks, stock_movement
from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.vismanet import documents, inventory, invoicing, reference, settlement
from brygga.sandbox.vismanet.company import BASE_CURRENCY, now, stamp
from brygga.sandbox.vismanet.documents import CREDIT_NOTE, INVOICE, money
from brygga.sandbox.vismanet.errors import VismaError
from brygga.sandbox.vismanet.seeding import wrap

Record = dict[str, Any]


class Simulation(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    invoices: int = Field(0, ge=0, le=1_000, description="new released customer invoices")
    credit_notes: int = Field(0, ge=0, le=1_000, description="released credit notes")
    stock_changes: int = Field(0, ge=0, le=10_000, description="deliveries and write-offs")
    invoice_orders: int = Field(0, ge=0, le=1_000, description="shop orders invoiced")
    credit_invoices: int = Field(0, ge=0, le=1_000, description="shop invoices credited")
    items: int = Field(0, ge=0, le=1_000, description="new stock items")


def add_route(app: FastAPI, store: DocumentStore, config: SandboxConfig) -> None:
    """Async on purpose: like the API's routes it runs on the event loop, one at a time."""

    @app.post("/_sandbox/simulate", include_in_schema=False)
    async def run_simulation(request: Request) -> Response:
        try:
            wanted = Simulation.model_validate(await request.json())
        except ValueError as error:  # includes ValidationError and broken JSON
            return JSONResponse({"message": _explain(error)}, status_code=422)
        return DecimalJSONResponse(simulate(store, config.seed, wanted))


def _explain(error: ValueError) -> str:
    allowed = ", ".join(Simulation.model_fields)
    if not isinstance(error, ValidationError):
        return f"The body must be a JSON object with the optional keys {allowed}."
    problems = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "extra_forbidden":
            problems.append(f"unknown key '{where}' (allowed: {allowed})")
        elif problem["type"] == "model_type":
            problems.append(f"the body must be a JSON object with the optional keys {allowed}")
        else:
            problems.append(f"'{where}': {problem['msg']} (a non-negative integer)")
    return "Invalid simulation: " + "; ".join(problems) + "."


def simulate(store: DocumentStore, seed_value: int, wanted: Simulation) -> dict[str, list[str]]:
    run = store.next_number("simulations")
    rng = random.Random(f"vismanet-simulation-{seed_value}-{run}")
    customers = sorted(
        (c for c in store.all("customers") if c.get("status", "Active") == "Active"),
        key=lambda customer: customer["number"],
    )
    items = sorted(
        (i for i in store.all("inventory") if i["stockItem"] and i["warehouseDetails"]),
        key=lambda item: item["inventoryNumber"],
    )
    sellable = [item for item in items if item["status"] == "Active"]
    made_invoices = picks(wanted.invoices, lambda: _invoice(store, rng, customers, sellable))
    open_invoices = sorted(
        (d["referenceNumber"] for d in store.all(INVOICE.collection) if _creditable(d)),
        key=lambda number: (len(number), number),
    )
    notes = picks(wanted.credit_notes, lambda: _credit_note(store, rng, open_invoices))
    changes = picks(wanted.stock_changes, lambda: _stock_change(store, rng, items))
    orders = sorted(
        (order for order in store.all("sales_orders") if invoicing.invoiceable(order)),
        key=lambda order: (order["_created"], order["type"], order["orderId"]),
    )
    invoiced = [invoicing.invoice_order(store, order) for order in orders[: wanted.invoice_orders]]
    shop_invoices = sorted(
        (d for d in store.all(INVOICE.collection) if invoicing.from_shop_order(d)),
        key=lambda document: (len(document["referenceNumber"]), document["referenceNumber"]),
    )
    chosen = rng.sample(shop_invoices, min(wanted.credit_invoices, len(shop_invoices)))
    credited = [invoicing.credit_invoice(store, invoice) for invoice in chosen]
    added = [_item(store, rng) for _ in range(wanted.items)]
    return {
        "invoices": [record["referenceNumber"] for record in made_invoices],
        "credit_notes": [record["referenceNumber"] for record in notes],
        "stock_changes": [record["inventoryNumber"] for record in changes],
        "invoice_orders": [record["referenceNumber"] for record in invoiced],
        "credit_invoices": [record["referenceNumber"] for record in credited],
        "items": [record["inventoryNumber"] for record in added],
    }


def _item(store: DocumentStore, rng: random.Random) -> Record:
    number = f"ITEM-{store.next_number('simulated_items')}"
    payload = {
        "inventoryNumber": number,
        "description": f"New item {number}",
        "itemClass": "1",
        "type": "FinishedGoodItem",
        "vatCode": reference.CATEGORY_BY_RATE[Decimal(25)],
        "defaultPrice": Decimal(rng.randrange(100, 900)),
    }
    return inventory.create(store, wrap(payload), Decimal(rng.randrange(5, 60)))


def _invoice(
    store: DocumentStore, rng: random.Random, customers: list[Record], items: list[Record]
) -> Record | None:
    if not customers or not items:
        return None
    customer = rng.choice(customers)
    currency = customer.get("currencyId") or BASE_CURRENCY
    rate = reference.rate_to_base(store, currency, now())
    lines = []
    for item in rng.sample(items, min(len(items), rng.choice([1, 1, 2, 2, 3]))):
        line = {
            "inventoryNumber": item["inventoryNumber"],
            "quantity": Decimal(rng.choice([1, 1, 1, 2, 3])),
            "unitPriceInCurrency": money(Decimal(item["defaultPrice"]) / rate),
        }
        lines.append(wrap(line) | {"operation": "Insert"})
    header = {
        "customerNumber": customer["number"],
        "currencyId": currency,
        "invoiceText": "Invoice from the ERP",
        "externalReference": f"ERP-{store.count(INVOICE.collection) + 1}",
    }
    try:
        record = documents.create(store, INVOICE, wrap(header) | {"invoiceLines": lines})
    except VismaError:
        return None
    settlement.release(store, INVOICE, record)
    return store.get(INVOICE.collection, record["referenceNumber"])


def _creditable(document: Record) -> bool:
    return (
        document["status"] == "Open"
        and not document.get("_deleted")
        and Decimal(document["balanceInCurrency"]) > 0
    )


def _credit_note(store: DocumentStore, rng: random.Random, numbers: list[str]) -> Record | None:
    """One unit of a line of an open invoice credited and applied to it."""
    if not numbers:
        return None
    invoice = store.get(INVOICE.collection, rng.choice(numbers))
    lines = [line for line in invoice["invoiceLines"] if Decimal(line["amountInCurrency"]) > 0]
    if not _creditable(invoice) or not lines:
        return None
    line = rng.choice(lines)
    values = {
        "description": line.get("description") or "Credit",
        "quantity": min(Decimal(line["quantity"]), Decimal(1)),
        "unitPriceInCurrency": Decimal(line["unitPriceInCurrency"]),
        "vatCodeId": line["vatCode"]["id"],
    }
    if line.get("inventoryNumber"):
        values["inventoryNumber"] = line["inventoryNumber"]
    if not line.get("manualDiscount"):
        values["discountPercent"] = Decimal(line["discountPercent"])
    header = {
        "customerNumber": invoice["customer"]["number"],
        "currencyId": invoice["currencyId"],
        "exchangeRate": Decimal(invoice["exchangeRate"]),
        "customerVatZoneId": invoice["customerVatZone"]["id"],
        "invoiceText": f"Credit for invoice {invoice['referenceNumber']}",
        "externalReference": f"ERP-CREDIT-{invoice['referenceNumber']}",
    }
    applied = wrap({"documentType": "Invoice", "refNbr": invoice["referenceNumber"]})
    payload = wrap(header) | {
        "lines": [wrap(values) | {"operation": "Insert"}],
        "applicationLines": [applied | {"operation": "Insert"}],
    }
    try:
        note = documents.create(store, CREDIT_NOTE, payload)
    except VismaError:
        return None
    balance = Decimal(invoice["balanceInCurrency"])
    if Decimal(note["balanceInCurrency"]) > balance:  # credit what is left, no more
        cap = applied | wrap({"amountPaid": balance}) | {"operation": "Update"}
        note = documents.update(store, CREDIT_NOTE, note, {"applicationLines": [cap]})
    settlement.release(store, CREDIT_NOTE, note)
    return store.get(CREDIT_NOTE.collection, note["referenceNumber"])


def _stock_change(store: DocumentStore, rng: random.Random, items: list[Record]) -> Record | None:
    """Mostly deliveries; now and then a few units written off."""
    if not items:
        return None
    item = store.get("inventory", rng.choice(items)["inventoryNumber"])
    rows = [dict(row) for row in item["warehouseDetails"]]
    row = next((r for r in rows if r["warehouse"] == item["defaultWarehouse"]["id"]), rows[0])
    available = Decimal(row["available"])
    change = stock_movement(rng, available)
    moment = stamp()
    for name in ("quantityOnHand", "available", "availableForShipment"):
        row[name] = Decimal(row[name]) + change
    row["lastModifiedDateTime"] = moment
    changed = item | {"warehouseDetails": rows, "_availabilityModified": moment}
    return inventory.update(store, changed, {})  # bumps `lastModifiedDateTime`, saves
