"""`POST /_sandbox/simulate`: the ERP staff at work between two syncs (no Fortnox counterpart).

`{"invoices": n, "payments": n, "stock_changes": n, "articles": n, "invoice_orders": n,
"credit_invoices": n}` (each optional) makes:
- invoices for existing customers, with one to three rows of seeded articles that still have a
  price (numbered from the company's series, as a `POST /3/invoices` would);
- full payments of unpaid invoices (not cancelled, not credit invoices), lowering their
  `Balance` to 0 as a `POST /3/invoicepayments` would;
- stock changes: mostly deliveries, now and then a few units written off, as a
  `PUT /3/articles/{n}` of `QuantityInStock` would (the warehouse stock balance is derived from
  it, see `warehouse.py`);
- new stock articles, each with a base price in the preselected price list;
- invoices of the oldest open orders (not cancelled, not yet invoiced) that carry a shop order
  number in `ExternalInvoiceReference1`, as `PUT /3/orders/{n}/createinvoice` makes them;
- full credits of random invoices made from such orders and not yet credited, as
  `PUT /3/invoices/{n}/credit` makes them.

It answers with the invoice, payment, article and credit invoice numbers it touched. Every
change is stored and logged by the same functions as the REST API's, so the same topic events
follow. Each call draws from its own stream, seeded by the sandbox seed and a stored counter, so
the same seed and calls give the same changes on a fresh data directory. The route is `async`
on purpose, like the REST routes: it runs on the event loop, so no two writers meet.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from brygga.sandbox import seed as demo
from brygga.sandbox.fortnox import articles, invoices, invoicing, orders, payments
from brygga.sandbox.fortnox.context import Context
from brygga.sandbox.fortnox.fields import plain
from brygga.sandbox.fortnox.lists import natural
from brygga.sandbox.fortnox.prices import price_key, price_record
from brygga.sandbox.fortnox.tenant import existing, timestamp, today
from brygga.sandbox.fortnox.totals import cents
from brygga.sandbox.simulation import picks, stock_movement

Record = dict[str, Any]


class Simulation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoices: int = Field(0, ge=0, le=10_000, description="new invoices")
    payments: int = Field(0, ge=0, le=10_000, description="full payments of unpaid invoices")
    stock_changes: int = Field(0, ge=0, le=10_000, description="deliveries and write-offs")
    articles: int = Field(0, ge=0, le=1_000, description="new stock articles")
    invoice_orders: int = Field(0, ge=0, le=10_000, description="invoices of shop orders")
    credit_invoices: int = Field(0, ge=0, le=10_000, description="full credits of their invoices")


def add_simulation_route(app: FastAPI, context: Context) -> None:
    seeded: list[str] = []  # the seed's article numbers, worked out on first use

    @app.post("/_sandbox/simulate", include_in_schema=False)
    async def run_simulation(wanted: Simulation) -> JSONResponse:
        if not seeded:
            catalogue = demo.generate(context.config.seed, 0, 0, context.config.skus).products
            seeded.extend(sorted(size.sku for product in catalogue for size in product.skus))
        return JSONResponse(simulate(context, seeded, wanted))


def simulate(context: Context, seeded: list[str], wanted: Simulation) -> dict[str, list[str]]:
    run = context.store.next_number("simulations")
    rng = random.Random(f"fortnox-simulate-{context.config.seed}-{run}")
    store = context.store
    customers = sorted(
        (c["CustomerNumber"] for c in store.all("customers") if not c.get("_Deleted")), key=natural
    )
    made = [_invoice(context, rng, customers, seeded) for _ in range(wanted.invoices)]
    stocked = sorted(
        a["ArticleNumber"]
        for a in store.all("articles")
        if a["StockGoods"] and not a.get("_Deleted")
    )
    return {
        "invoices": [invoice["DocumentNumber"] for invoice in made if invoice is not None],
        "payments": [payment["Number"] for payment in _payments(context, rng, wanted.payments)],
        "stock_changes": [
            a["ArticleNumber"]
            for a in picks(wanted.stock_changes, lambda: _restock(context, rng, stocked))
        ],
        "articles": [_article(context, rng)["ArticleNumber"] for _ in range(wanted.articles)],
        "invoice_orders": _invoice_orders(context, wanted.invoice_orders),
        "credit_invoices": _credit_invoices(context, rng, wanted.credit_invoices),
    }


def _invoice_orders(context: Context, count: int) -> list[str]:
    """Invoice the `count` oldest open shop orders; the new invoice numbers."""
    waiting = sorted(
        (
            order
            for order in context.store.all("orders")
            if orders.open_for_invoicing(order) and order["ExternalInvoiceReference1"]
        ),
        key=lambda order: (order["OrderDate"], natural(order["DocumentNumber"])),
    )
    return [
        orders.create_invoice_of(context, order["DocumentNumber"])["DocumentNumber"]
        for order in waiting[:count]
    ]


def _credit_invoices(context: Context, rng: random.Random, count: int) -> list[str]:
    """Fully credit `count` random uncredited invoices of shop orders; the credit numbers."""
    creditable = sorted(
        (
            invoice["DocumentNumber"]
            for invoice in context.store.all("invoices")
            if invoice["OrderReference"] not in ("", "0")
            and invoice["ExternalInvoiceReference1"]
            and not invoice["Cancelled"]
            and invoice["Credit"] == "false"
            and invoice["CreditInvoiceReference"] in ("", "0")
        ),
        key=natural,
    )
    chosen = rng.sample(creditable, min(count, len(creditable)))
    return [invoicing.full_credit(context, number)["CreditInvoiceReference"] for number in chosen]


def _invoice(
    context: Context, rng: random.Random, customers: list[str], seeded: list[str]
) -> Record | None:
    """A new invoice for one of `customers`; None when there is none or no priced article."""
    store = context.store
    if not customers:
        return None

    def row() -> Record | None:
        article = existing(store, "articles", rng.choice(seeded))
        if article is None or not article["Active"] or article["SalesPrice"] is None:
            return None
        return {"ArticleNumber": article["ArticleNumber"], "DeliveredQuantity": rng.randint(1, 3)}

    customer = rng.choice(customers)
    rows = picks(rng.choice([1, 1, 2, 2, 3]), row)
    if not rows:
        return None
    invoice = invoices.save(store, None, {"CustomerNumber": customer, "InvoiceRows": rows})
    return invoicing.stored(context, invoice, "invoice-created-v1")


def _payments(context: Context, rng: random.Random, count: int) -> list[Record]:
    """Full payments of `count` random unpaid invoices (fewer when fewer are unpaid)."""
    store, day = context.store, today()
    unpaid = sorted(
        (
            invoice["DocumentNumber"]
            for invoice in store.all("invoices")
            if not invoice["Cancelled"]
            and invoice["Credit"] == "false"
            and Decimal(invoice["Balance"]) > 0
            and invoice["InvoiceDate"] <= day
        ),
        key=natural,
    )
    return [_pay(context, number) for number in rng.sample(unpaid, min(count, len(unpaid)))]


def _pay(context: Context, number: str) -> Record:
    """`POST /3/invoicepayments` of the invoice's balance: the payment, and its invoice settled."""
    invoice = invoices.find(context.store, number)
    payload = {"InvoiceNumber": int(number), "AmountCurrency": invoice["Balance"]}
    return payments.save(context, payments.write(context.store, None, payload))


def _restock(context: Context, rng: random.Random, stocked: list[str]) -> Record | None:
    """A delivery (three times in four) or a write-off of one of the `stocked` articles."""
    store = context.store
    if not stocked:
        return None
    before = store.get("articles", rng.choice(stocked))
    in_stock = Decimal(before["QuantityInStock"] or 0)
    change = stock_movement(rng, in_stock)
    updated = articles.apply(store, before, {"QuantityInStock": plain(in_stock + change)})
    return articles.save(context, updated, "article-updated-v1", before)


def _article(context: Context, rng: random.Random) -> Record:
    """`POST /3/articles` of a new stock article, then `POST /3/prices` of its base price."""
    store = context.store
    name, sek_price = rng.choice(demo.GARMENTS)
    price = Decimal(sek_price + rng.choice([0, 100, 200, 300]))
    changes = {
        "Description": f"{name} {rng.choice(demo.COLOURS)} {rng.choice(demo.SIZES)}",
        "PurchasePrice": cents(price * Decimal("0.35")),
        "QuantityInStock": Decimal(rng.randint(0, 40)),
        "StockGoods": True,
        "Unit": "st",
        "VAT": Decimal(25),
        "WebshopArticle": True,
    }
    article = articles.apply(store, articles.defaults(), changes)
    article["ArticleNumber"] = articles.free_number(store)
    articles.save(context, article, "article-created-v1")
    number = article["ArticleNumber"]
    price_list = next((p["Code"] for p in store.all("pricelists") if p["PreSelected"]), None)
    if price_list is None:
        return article  # no preselected price list: the article keeps no SalesPrice
    store.put("prices", price_key(price_list, number, 0), price_record(price_list, number, price))
    priced = article | {"SalesPrice": plain(price), "_LastModified": timestamp()}
    store.put("articles", number, priced)
    context.events.emit("articles", "article-updated-v1", number)
    return priced
