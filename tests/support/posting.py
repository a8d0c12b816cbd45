"""Post shop orders, and refunds of them, into an ERP sandbox over real HTTP and compare what
the ERP booked with the shop's figures: net, VAT per rate and gross, to the cent.

Shared by the property test (tests/e2e/test_finance_posted.py) and the benchmark
(bench/finance.py). An order goes the way the orders flow sends it: its customer through the
ERP's `CustomerWriter` (the customer number is the order's `customer` link), then
`OrderWriter.create`, then the ERP's `order_totals` reads the order back as the reconciliation
does. The harness makes each order postable into a fresh sandbox, without changing its money:

- its number (and source id) becomes unique, since the writers find orders by number;
- each line's SKU becomes one of a small pool of articles (Fortnox) or items (Visma.net) at the
  line's VAT rate, created once: both ERPs refuse rows of SKUs they do not know;
- each distinct customer is created once, and reused by every order it places.

An order given refunds is then invoiced as the ERP's staff would (`Books.invoice`), its invoice
is checked against the order, and each refund goes through the ERP's `RefundWriter` and its
credit note is read back: gross, VAT per rate and net as the refund implies them
(`_Credits.expect`). A refund of more than is left must be refused as a DATA error.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any

import httpx

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.demo import connection_settings
from brygga.engine.finance import FinanceError, RefundPart
from brygga.engine.protocols import NO_SETTINGS, Settings
from brygga.model import Customer, Order, OrderLine, Product, Refund, Variant
from brygga.model.totals import DocumentTotals
from brygga.sandbox.processes import SandboxProcess
from tests.support.books import BOOKS, Books
from tests.support.orders import refunded_by_rate

ERPS = ("fortnox", "vismanet")
POOL_SIZE = 3  # SKUs per VAT rate; a line takes the pool SKU of its position
AMOUNT = re.compile(r"-?\d+\.\d+")
FIGURE = re.compile(r"^(?P<figure>.+): shop \S+, ERP \S+$")  # DocumentTotals.differences
DOCUMENTS = re.compile(r"\b(invoices?|notes?) \d[\w-]*(?:, \d[\w-]*)*")  # in refund refusals
VISMA_ID = re.compile(r"VismaId: [\w-]+\. ")  # a request id, in Visma.net's errors


class Outcome(StrEnum):
    EQUAL = "equal"  # the ERP's net, VAT per rate and gross are the shop's to the cent
    DIFFERENT = "different"
    REFUSED = "refused"  # refused on purpose, with a reason (not a failure)


@dataclass(frozen=True)
class Credited:
    """A refund of a posted order and the ERP's credit note of it."""

    refund: Refund  # as posted: unique id, pool SKUs
    outcome: Outcome
    target_id: str | None = None
    differences: list[str] = field(default_factory=list)
    reason: str = ""  # why it was refused
    over: bool = False  # it asks for more than is left to credit: the ERP must refuse it

    def report(self) -> dict[str, Any]:
        return {
            "refund": self.refund.model_dump(mode="json"),
            "credit_note": self.target_id,
            "outcome": str(self.outcome),
            "differences": self.differences,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Posted:
    order: Order  # as posted: unique number, pool SKUs
    outcome: Outcome
    target_id: str | None = None
    differences: list[str] = field(default_factory=list)
    reason: str = ""  # why it was refused
    credits: list[Credited] = field(default_factory=list)  # its refunds, in order

    def report(self) -> dict[str, Any]:
        """The order, its refunds and what differs, in JSON terms, to reproduce a difference
        by hand."""
        return {
            "order": self.order.model_dump(mode="json"),
            "erp_order": self.target_id,
            "differences": self.differences,
            "refunds": [credit.report() for credit in self.credits],
        }


def open_client(sandbox: SandboxProcess) -> Any:
    """Brygga's own client for an ERP sandbox, with client-side pacing off."""
    credentials = connection_settings(sandbox, rate_limit=False)
    return registry.open_client(sandbox.system, sandbox.base_url, credentials, lambda _: None)


def pool_sku(rate: Decimal, position: int) -> str:
    return f"FIN{rate.normalize():f}-{position % POOL_SIZE}".replace(".", "_")


class Poster:
    """Posts orders into one ERP through Brygga's connector, with the flow settings given per
    order (a tax case may need its own, e.g. OSS) or else the poster's. Safe to call
    concurrently: each customer and pool SKU is created by the first order that needs it.
    `sandbox_url` is where the ERP's staff are simulated, for ERPs that need it to invoice."""

    def __init__(
        self, erp: str, client: Any, settings: Settings = NO_SETTINGS, sandbox_url: str = ""
    ) -> None:
        self.erp = erp
        self.client = client
        self.settings = settings
        self.totals_of = registry.order_totals(erp)
        self.staff = httpx.AsyncClient(base_url=sandbox_url, timeout=120)
        self._numbers = itertools.count(1)
        self._run = secrets.token_hex(3).upper()  # a sandbox may outlive one run
        self._customers: dict[str, asyncio.Task[str]] = {}
        self._skus: dict[str, asyncio.Task[str]] = {}

    async def aclose(self) -> None:
        await self.staff.aclose()

    async def post(
        self, order: Order, settings: Settings | None = None, refunds: Sequence[Refund] = ()
    ) -> Posted:
        """Post `order` (renumbered, on pool SKUs) and compare the ERP's figures with its
        own; then, if it was booked to the cent, invoice it and post `refunds` of it (made of
        the order as given: its SKUs and number). Errors other than a refusal on purpose are
        raised: they are failures."""
        settings = self.settings if settings is None else settings
        skus = {line.sku: pool_sku(line.tax_rate, position)
                for position, line in enumerate(order.lines)}  # fmt: skip
        order = self._postable(order)
        try:
            for line in order.lines:
                await self._once(self._skus, line.sku, partial(self._create_sku, line))
            customer_key = _key(order.customer, settings)
            customer = await self._once(
                self._customers, customer_key, partial(self._create_customer, order, settings)
            )
            writer = registry.writer(self.erp, "order", self.client, settings)
            written = await writer.create(order, {"customer": customer})
        except FinanceError as error:
            return Posted(order, Outcome.REFUSED, reason=refusal(error, order))
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA:
                raise
            return Posted(order, Outcome.REFUSED, reason=refusal(error, order))
        try:
            booked = await self.totals_of(self.client, written.target_id, settings)
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA:
                raise
            # The ERP's document does not add up to its own totals: a difference, not a refusal.
            return Posted(order, Outcome.DIFFERENT, written.target_id, [error.message])
        found = order.totals().differences(booked)
        if found or not refunds:
            outcome = Outcome.DIFFERENT if found else Outcome.EQUAL
            return Posted(order, outcome, written.target_id, found)
        books = BOOKS[self.erp](self.client, settings, self.staff)
        refunds = [_refundable(refund, order, skus) for refund in refunds]
        found, credits = await self._refund(books, order, written.target_id, refunds, settings)
        outcome = Outcome.DIFFERENT if found else Outcome.EQUAL
        return Posted(order, outcome, written.target_id, found, credits=credits)

    def _postable(self, order: Order) -> Order:
        number = f"{self._run}-{next(self._numbers)}"
        lines = [
            line.model_copy(update={"sku": pool_sku(line.tax_rate, position)})
            for position, line in enumerate(order.lines)
        ]
        return order.model_copy(update={"number": number, "source_id": number, "lines": lines})

    async def _refund(
        self,
        books: Books,
        order: Order,
        target_id: str,
        refunds: list[Refund],
        settings: Settings,
    ) -> tuple[list[str], list[Credited]]:
        """Invoice the order, check the invoice against it, then post each refund in turn and
        compare its credit note with what the refund implies. Answers the invoice's
        differences (no refund is posted then) and the refunds' outcomes."""
        invoice = await books.invoice(order, target_id)
        try:
            booked, invoiced = books.invoiced(invoice, order)
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA:
                raise
            return [f"invoice: {error.message}"], []
        found = order.totals().differences(booked)
        if found:
            return [f"invoice: {difference}" for difference in found], []
        writer = registry.writer(self.erp, "refund", self.client, settings)
        state = _Credits(order, invoiced, books.shipping_apart(invoice))
        credits = []
        for refund in refunds:
            credits.append(await self._credit(books, writer, invoice, state, refund))
        return [], credits

    async def _credit(
        self, books: Books, writer: Any, invoice: dict[str, Any], state: _Credits, refund: Refund
    ) -> Credited:
        over = refund.total.amount > state.left
        try:
            expected, gross = state.expect(refund)
            unfit = ""
        except FinanceError as error:  # what the refund asks does not fit the invoice
            expected, gross, unfit = None, {}, str(error)
        try:
            written = await writer.create(refund, {})
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA:
                raise
            reason = refusal(error, state.order, refund)
            return Credited(refund, Outcome.REFUSED, reason=reason, over=over)
        if over or expected is None:
            why = f"only {state.left} was left to credit" if over else unfit
            found = [f"credited {refund.total} though {why}"]
            return Credited(refund, Outcome.DIFFERENT, written.target_id, found, over=over)
        try:
            note, booked, as_booked = await books.credit_note(written.target_id, invoice)
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA:
                raise
            state.took(refund, gross)
            return Credited(refund, Outcome.DIFFERENT, written.target_id, [error.message])
        state.took(refund, gross if as_booked is None else as_booked)
        found = expected.differences(booked)
        if note.order_reference != state.order.number:
            found.append(f"order reference: shop {state.order.number}, ERP {note.order_reference}")
        outcome = Outcome.DIFFERENT if found else Outcome.EQUAL
        return Credited(refund, outcome, written.target_id, found)

    async def _create_customer(self, order: Order, settings: Settings) -> str:
        writer = registry.writer(self.erp, "customer", self.client, settings)
        return (await writer.create(order.customer, {})).target_id

    async def _create_sku(self, line: OrderLine) -> str:
        writer = registry.writer(self.erp, "product", self.client, self.settings)
        found = await writer.find(_product(line.sku, line.tax_rate))
        if found is not None:
            return found.target_id
        try:
            return (await writer.create(_product(line.sku, line.tax_rate), {})).target_id
        except ConnectorError as error:
            if error.error_class is not ErrorClass.DATA:
                raise
        # A rate that is no VAT code of the company's own (an OSS rate): each order row names
        # its VAT itself, so the article keeps the company's default.
        return (await writer.create(_product(line.sku, None), {})).target_id

    @staticmethod
    async def _once(
        cache: dict[str, asyncio.Task[str]], key: str, make: Callable[[], Awaitable[str]]
    ) -> str:
        """`make()` once per key, its result shared by concurrent callers; retried after a
        failure."""
        task = cache.get(key)
        if task is None:
            task = cache[key] = asyncio.ensure_future(make())
        try:
            return await task
        except BaseException:
            if cache.get(key) is task:
                del cache[key]
            raise


class _Credits:
    """An invoice's refunds so far in the shop's terms: what is left of the order's total,
    and the gross per VAT rate the refunds took back."""

    def __init__(
        self, order: Order, invoiced: dict[Decimal, Decimal], shipping_apart: bool
    ) -> None:
        self.order = order
        self.invoiced = invoiced  # the invoice's gross per VAT rate, as the ERP booked it
        self.shipping_apart = shipping_apart  # the ERP takes shipping's VAT on its own
        self.rates = {line.sku: line.tax_rate for line in order.lines}
        self.shipping_rate = order.shipping.tax_rate if order.shipping else None
        self.credited: dict[Decimal, Decimal] = defaultdict(Decimal)
        self.left = order.grand_total.amount
        self.count = 0

    def expect(self, refund: Refund) -> tuple[DocumentTotals, dict[Decimal, Decimal]]:
        """The credit note `refund` implies, and its gross per VAT rate. A first refund of the
        whole order credits the invoice as it is; any other is `refunded_by_rate`, each
        rate's VAT taken out of its gross once, as ERPs compute a document's VAT (shipping's
        on its own where the ERP does so). Raises FinanceError when it does not fit what is
        left."""
        if not self.count and refund.total == self.order.grand_total:
            return self.order.totals(), dict(self.invoiced)
        gross = refunded_by_rate(
            refund, self.rates, self.shipping_rate, self.invoiced, self.credited
        )
        parts = [RefundPart(rate, amount) for rate, amount in gross.items()]
        if self.shipping_apart and refund.shipping is not None and self.shipping_rate is not None:
            shipping = RefundPart(self.shipping_rate, refund.shipping.amount)
            parts = [_less(part, shipping) for part in parts] + [shipping]
        tax: dict[Decimal, Decimal] = defaultdict(Decimal)
        for part in parts:
            tax[part.rate] += part.vat
        total = refund.total.amount
        totals = DocumentTotals(refund.total.currency, total - sum(tax.values()), total, dict(tax))
        return totals, gross

    def took(self, refund: Refund, gross: Mapping[Decimal, Decimal]) -> None:
        """A refund credited `gross` per VAT rate: as booked, which later refunds' room at
        each rate is left of (docs/finance.md §4)."""
        self.count += 1
        self.left -= refund.total.amount
        for rate, amount in gross.items():
            self.credited[rate] += amount


def _less(part: RefundPart, other: RefundPart) -> RefundPart:
    return RefundPart(part.rate, part.gross - other.gross) if part.rate == other.rate else part


def _refundable(refund: Refund, order: Order, skus: Mapping[str, str]) -> Refund:
    """`refund` of the order as posted: its number, its pool SKUs, an id of its own."""
    lines = [line.model_copy(update={"sku": skus[line.sku]}) for line in refund.lines]
    return refund.model_copy(
        update={
            "source_id": f"{order.number}-{refund.source_id}",
            "order_reference": order.number,
            "lines": lines,
        }
    )


def _product(sku: str, rate: Decimal | None) -> Product:
    name = f"Finance check {rate.normalize():f} %" if rate is not None else "Finance check"
    variant = Variant(sku=sku, name=name, tax_rate=rate)
    return Product(source_id=sku, product_number=sku, name=name, variants=[variant])


def _key(customer: Customer, settings: Settings) -> str:
    """Customers that differ in anything (country, type, VAT number) or are booked with other
    settings are different customers, even with one e-mail address: the ERP's VAT treatment
    (Fortnox `VATType`, the Visma.net VAT zone) follows the customer."""
    return customer.model_dump_json() + json.dumps(settings, sort_keys=True, default=str)


def refusal(error: Exception, order: Order, refund: Refund | None = None) -> str:
    """The reason of a refusal, without what varies between orders (numbers, amounts), so
    that refusals for the same reason count together."""
    message = error.message if isinstance(error, ConnectorError) else str(error)
    if refund is not None:
        message = DOCUMENTS.sub(r"\1 <number>", message.replace(refund.source_id, "<refund>"))
    message = VISMA_ID.sub("", message.replace(order.number, "<order>"))
    kind = "finance rules" if isinstance(error, FinanceError) else f"{error.error_class} error"
    return f"{kind}: {AMOUNT.sub('<amount>', message)}"


@dataclass
class Tally:
    """What posting many orders, and refunds of some, into one ERP gave, as the benchmark
    prints it."""

    posted: int = 0
    equal: int = 0
    different: list[Posted] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # failures other than differences
    refunded_orders: int = 0  # orders whose refunds were posted
    refunds: int = 0
    credit_notes: int = 0  # credit notes the ERP made
    credits_equal: int = 0
    credits_different: list[Credited] = field(default_factory=list)
    refunded_differently: list[Posted] = field(default_factory=list)  # orders of those
    credits_refused: Counter[str] = field(default_factory=Counter)
    over: int = 0  # refunds of more than was left
    over_refused: int = 0
    refused_within: int = 0  # refunds refused though the shop had that much left to refund

    def add(self, posted: Posted) -> None:
        self.posted += 1
        if posted.outcome is Outcome.EQUAL:
            self.equal += 1
        elif posted.outcome is Outcome.DIFFERENT:
            self.different.append(posted)
        else:
            self.refused[posted.reason] += 1
        self.refunded_orders += bool(posted.credits)
        for credit in posted.credits:
            self.refunds += 1
            self.credit_notes += credit.target_id is not None
            self.over += credit.over
            if credit.outcome is Outcome.EQUAL:
                self.credits_equal += 1
            elif credit.outcome is Outcome.DIFFERENT:
                self.credits_different.append(credit)
                if not self.refunded_differently or self.refunded_differently[-1] is not posted:
                    self.refunded_differently.append(posted)
            else:
                self.over_refused += credit.over
                self.refused_within += not credit.over
                self.credits_refused[credit.reason] += 1

    def add_error(self, error: BaseException) -> None:
        self.posted += 1
        self.errors[f"{type(error).__name__}: {error}"] += 1

    def figures(self) -> Counter[str]:
        """How many orders differ in which figures, e.g. "VAT 12 % + gross"."""
        return _figures(posted.differences for posted in self.different)

    def as_dict(self, examples: int = 5) -> dict[str, Any]:
        return {
            "orders_posted": self.posted,
            "equal_to_the_cent": self.equal,
            "differences": {
                "count": len(self.different),
                "by_figures": dict(self.figures().most_common()),
                "examples": [posted.report() for posted in self.different[:examples]],
            },
            "refused_with_reason": {
                "count": sum(self.refused.values()),
                "reasons": dict(self.refused.most_common()),
            },
            "refunds": {
                "orders_refunded": self.refunded_orders,
                "refunds_posted": self.refunds,
                "credit_notes_made": self.credit_notes,
                "equal_to_the_cent": self.credits_equal,
                "differences": {
                    "count": len(self.credits_different),
                    "by_figures": dict(
                        _figures(c.differences for c in self.credits_different).most_common()
                    ),
                    "examples": [p.report() for p in self.refunded_differently[:examples]],
                },
                "refused_with_reason": {
                    "count": sum(self.credits_refused.values()),
                    "within_what_was_left": self.refused_within,
                    "reasons": dict(self.credits_refused.most_common()),
                },
                "more_than_left": {"posted": self.over, "refused": self.over_refused},
            },
            "errors": {"count": sum(self.errors.values()), "kinds": dict(self.errors)},
        }


def _figures(differences: Iterable[list[str]]) -> Counter[str]:
    return Counter(" + ".join(map(_figure, found)) for found in differences)


def _figure(difference: str) -> str:
    found = FIGURE.match(difference)
    if found:
        return found["figure"]
    if difference.startswith("credited "):
        return "a refund credited that should have been refused"
    return "a document that does not add up"
