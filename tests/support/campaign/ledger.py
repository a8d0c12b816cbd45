"""After the campaign: the sandboxes' state against the source, record by record.

Read independently of Brygga's connectors, from each sandbox's `GET /_sandbox/state` (numbers
as Decimal): every shop order exactly once in the ERP with the same gross to the cent, every
shop customer's e-mail exactly once, every ERP invoice of a shop order exactly once in the shop
(with the same amount where the shop keeps one), no payment or Brygga credit note twice. Then
Brygga's own books: no cross-reference left `pending`, every open error parked with a class
and a reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from brygga.pairs import ENTITIES
from tests.e2e.pair_states import customers_by_email, order_total, visible_orders
from tests.e2e.test_pair_fortnox_magento import comments, dec, people, synced_orders, worth

Record = dict[str, Any]
PARKED = ("data", "conflict", "duplicate", "not_found")  # a person must act; never retried
FLOW_OF = {entity: flow for flow, entity in ENTITIES.items()}
INVOICE_MARKER = {"fortnox": "Fortnox invoice {}", "vismanet": "Visma.net invoice {}"}


@dataclass
class Tally:
    """One kind of record of one pair: how many the source holds, and what went wrong."""

    expected: int = 0
    duplicates: list[str] = field(default_factory=list)  # a key more than once in the target
    lost: list[str] = field(default_factory=list)  # in the source, not in the target
    parked: list[str] = field(default_factory=list)  # not in the target, parked with a reason
    wrong_amounts: list[str] = field(default_factory=list)


@dataclass
class Limbo:
    """Brygga's books after the last run."""

    pending: list[str] = field(default_factory=list)  # cross-references left pending
    unparked: list[str] = field(default_factory=list)  # open errors that are no parked error
    parked: Counter[str] = field(default_factory=Counter)  # open parked errors by class
    interrupted_runs: int = 0  # runs a kill left 'running'
    records_attempted: int = 0  # distinct source records any flow wrote or tried


@dataclass
class Ledger:
    tallies: dict[str, dict[str, Tally]] = field(default_factory=dict)  # pair → kind → tally
    limbo: Limbo = field(default_factory=Limbo)

    def total(self, what: str) -> int:
        return sum(len(getattr(t, what)) for kinds in self.tallies.values() for t in kinds.values())

    @property
    def expected(self) -> int:
        return sum(t.expected for kinds in self.tallies.values() for t in kinds.values())

    def problems(self) -> dict[str, list[str]]:
        """Every failure of the exactly-once contract, by pair and kind (empty when none)."""
        found = {}
        for pair, kinds in self.tallies.items():
            for kind, tally in kinds.items():
                items = [f"duplicate {key}" for key in tally.duplicates]
                items += [f"lost {key}" for key in tally.lost]
                items += [f"amount differs {key}" for key in tally.wrong_amounts]
                if items:
                    found[f"{pair} {kind}"] = items
        if self.limbo.pending:
            found["pending cross-references"] = self.limbo.pending
        if self.limbo.unparked:
            found["open errors not parked"] = self.limbo.unparked
        return found

    def as_dict(self) -> dict[str, Any]:
        return {"tallies": {p: {k: asdict(t) for k, t in kinds.items()}
                            for p, kinds in self.tallies.items()},
                "limbo": asdict(self.limbo)}  # fmt: skip


def compare(
    pair: str, shop: str, erp: str, states: dict[str, Record], parked: dict[str, set[str]]
) -> dict[str, Tally]:
    """The pair's tallies; `parked`: source ids (and e-mails) of open parked errors by flow."""
    shop_state, erp_state = states[shop], states[erp]
    orders = shop_orders(shop, shop_state)
    return {
        "orders": _exactly_once(orders, erp_orders(erp, erp_state), parked.get("orders", set())),
        "customers": _exactly_once(
            dict.fromkeys(shop_emails(shop, shop_state)),
            [(email, None) for email in erp_emails(erp, erp_state)],
            parked.get("customers", set()),
        ),
        "invoices": _exactly_once(
            erp_invoices(erp, erp_state, set(orders)),
            shop_invoices(shop, erp, shop_state),
            parked.get("invoices", set()),
        ),
        "payments": _at_most_once(erp_payment_keys(erp, erp_state)),
        "refunds": _at_most_once(brygga_credit_keys(erp, erp_state)),
    }


def _exactly_once(
    expected: dict[str, Decimal | None],
    found: Iterable[tuple[str, Decimal | None]],
    parked: set[str],
) -> Tally:
    tally = Tally(expected=len(expected))
    seen: dict[str, list[Decimal | None]] = {}
    for key, amount in found:
        seen.setdefault(key, []).append(amount)
    for key, amount in sorted(expected.items()):
        amounts = seen.get(key, [])
        if not amounts:
            (tally.parked if key in parked else tally.lost).append(key)
        if len(amounts) > 1:
            tally.duplicates.append(key)
        if amount is not None and any(t is not None and t != amount for t in amounts):
            tally.wrong_amounts.append(f"{key}: source {amount}, target {amounts}")
    return tally


def _at_most_once(keys: Iterable[str]) -> Tally:
    counts = Counter(keys)
    return Tally(expected=len(counts), duplicates=sorted(k for k, n in counts.items() if n > 1))


# --- the shops ------------------------------------------------------------------------------


def shop_orders(system: str, state: Record) -> dict[str, Decimal]:
    """Shop order number → what the customer pays, for the orders Brygga must sync."""
    if system == "centra":
        return {str(o["number"]): order_total(o) for o in visible_orders(state)}
    return {o["increment_id"]: worth(o) for o in synced_orders(state)}


def shop_emails(system: str, state: Record) -> set[str]:
    return set(customers_by_email(state) if system == "centra" else people(state))


def shop_invoices(system: str, erp: str, state: Record) -> list[tuple[str, Decimal | None]]:
    """ERP invoice number → the shop's record of it: Centra keeps it as the shipment's ID
    conversion (no amount), Magento as a comment on its invoice."""
    if system == "centra":
        return [
            (entry["externalId"], None)
            for table in state["idConversions"]
            if table["objectType"] == "Shipment"
            for entry in table["entries"]
        ]
    marker = INVOICE_MARKER[erp].format("")
    return [
        (text.removeprefix(marker), worth(invoice))
        for invoice in state["invoices"]
        for text in comments(invoice)
        if text.startswith(marker)
    ]


# --- the ERPs -------------------------------------------------------------------------------


def erp_orders(system: str, state: Record) -> list[tuple[str, Decimal]]:
    """(shop order number, gross) of each ERP order; Fortnox books its öresavrundning apart."""
    if system == "fortnox":
        return [
            (o["ExternalInvoiceReference1"], dec(o["Total"]) - dec(o["RoundOff"]))
            for o in state["orders"]
            if o["ExternalInvoiceReference1"]
        ]
    return [(o["customer"]["order"], dec(o["totals"]["orderTotal"])) for o in state["sales_orders"]]


def erp_emails(system: str, state: Record) -> list[str]:
    if system == "fortnox":
        return [(c["Email"] or "").lower() for c in state["customers"]]
    return [(c["mainContact"]["email"] or "").lower() for c in state["customers"]]


def erp_invoices(system: str, state: Record, orders: set[str]) -> dict[str, Decimal | None]:
    """ERP invoice number → amount, for the (debit) invoices of synced shop orders."""
    if system == "fortnox":
        return {
            str(i["DocumentNumber"]): dec(i["Total"]) - dec(i["RoundOff"])
            for i in state["invoices"]
            if i["Credit"] == "false" and i["ExternalInvoiceReference1"] in orders
        }
    return {
        i["referenceNumber"]: dec(i["amountInCurrency"])
        for i in state["invoices"]
        if i["externalReference"] in orders
        and any(line.get("soOrderNbr") for line in i["invoiceLines"])
    }


def erp_payment_keys(system: str, state: Record) -> list[str]:
    """A payment twice has the same key: Fortnox (invoice, amount) — an order paid partly by
    gift card has two payments of other amounts —, Visma.net the shop's payment reference."""
    if system == "fortnox":
        return [f"{p['InvoiceNumber']}:{p['AmountCurrency']}" for p in state["invoicepayments"]]
    return [p["paymentRef"] for p in state["customer_payments"] if p.get("paymentRef")]


def brygga_credit_keys(system: str, state: Record) -> list[str]:
    """The shop refund behind each credit note Brygga made (the staff's carry none)."""
    if system == "fortnox":
        return [
            i["ExternalInvoiceReference2"]
            for i in state["invoices"]
            if i["Credit"] == "true" and i["ExternalInvoiceReference2"]
        ]
    return [n["customerRefNumber"] for n in state["credit_notes"] if n.get("customerRefNumber")]


# --- Brygga's books -------------------------------------------------------------------------


def open_errors(database: Path) -> dict[str, dict[str, list[tuple[str, str, str, Any]]]]:
    """Open errors by integration and flow: (source id, class, message, record)."""
    query = """
        SELECT i.name, f.name, e.source_id, e.error_class, e.message, e.record
        FROM record_errors e JOIN flows f ON f.id = e.flow_id
        JOIN integrations i ON i.id = f.integration_id WHERE e.status = 'open'
    """
    found: dict[str, dict[str, list[tuple[str, str, str, Any]]]] = {}
    with _read(database) as db:
        for pair, flow, source_id, error_class, message, record in db.execute(query):
            found.setdefault(pair, {}).setdefault(flow, []).append(
                (source_id, error_class, message, record)
            )
    return found


def parked_keys(errors: dict[str, list[tuple[str, str, str, Any]]]) -> dict[str, set[str]]:
    """The keys the state comparison uses for a pair's parked records: source ids, and for
    customers their e-mail too."""
    keys: dict[str, set[str]] = {}
    for flow, rows in errors.items():
        for source_id, error_class, _, record in rows:
            if error_class in PARKED:
                keys.setdefault(flow, set()).add(source_id)
                email = (json.loads(record) if record else {}).get("email")
                if email:
                    keys[flow].add(email.lower())
    return keys


def limbo(database: Path) -> Limbo:
    """Brygga's books: a pending cross-reference is limbo unless its record is parked (a
    create the target refused for a reason a person must fix leaves it pending)."""
    found = Limbo()
    errors = open_errors(database)
    with _read(database) as db:
        for pair, entity, source_id in db.execute(
            "SELECT i.name, x.entity, x.source_id FROM cross_references x "
            "JOIN integrations i ON i.id = x.integration_id WHERE x.state = 'pending'"
        ):
            rows = errors.get(pair, {}).get(FLOW_OF[entity], [])
            if not any(row[0] == source_id and row[1] in PARKED for row in rows):
                found.pending.append(f"{pair} {entity} {source_id}")
        (found.interrupted_runs,) = db.execute(
            "SELECT count(*) FROM runs WHERE status = 'running'"
        ).fetchone()
        (found.records_attempted,) = db.execute(
            "SELECT count(*) FROM (SELECT DISTINCT flow_id, source_id FROM record_outcomes)"
        ).fetchone()
    for pair, flows in errors.items():
        for flow, rows in flows.items():
            for source_id, error_class, message, _ in rows:
                if error_class in PARKED and message.strip():
                    found.parked[error_class] += 1
                else:
                    found.unparked.append(f"{pair} {flow} {source_id}: {error_class} {message}")
    return found


@contextmanager
def _read(database: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as db:
        yield db
