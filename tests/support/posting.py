"""Post shop orders into an ERP sandbox over real HTTP and compare what the ERP booked with the
shop's figures: net, VAT per rate and gross, to the cent.

Shared by the property test (tests/e2e/test_finance_posted.py) and the benchmark
(bench/finance.py). An order goes the way the orders flow sends it: its customer through the
ERP's `CustomerWriter` (the customer number is the order's `customer` link), then
`OrderWriter.create`, then the ERP's `order_totals` reads the order back as the reconciliation
does. The harness makes each order postable into a fresh sandbox, without changing its money:

- its number (and source id) becomes unique, since the writers find orders by number;
- each line's SKU becomes one of a small pool of articles (Fortnox) or items (Visma.net) at the
  line's VAT rate, created once: both ERPs refuse rows of SKUs they do not know;
- each distinct customer is created once, and reused by every order it places.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.demo import connection_settings
from brygga.engine.finance import FinanceError
from brygga.engine.protocols import NO_SETTINGS, Settings
from brygga.model import Customer, Order, OrderLine, Product, Variant
from brygga.sandbox.processes import SandboxProcess

ERPS = ("fortnox", "vismanet")
POOL_SIZE = 3  # SKUs per VAT rate; a line takes the pool SKU of its position
AMOUNT = re.compile(r"-?\d+\.\d+")
FIGURE = re.compile(r"^(?P<figure>.+): shop \S+, ERP \S+$")  # DocumentTotals.differences


class Outcome(StrEnum):
    EQUAL = "equal"  # the ERP's net, VAT per rate and gross are the shop's to the cent
    DIFFERENT = "different"
    REFUSED = "refused"  # refused on purpose, with a reason (not a failure)


@dataclass(frozen=True)
class Posted:
    order: Order  # as posted: unique number, pool SKUs
    outcome: Outcome
    target_id: str | None = None
    differences: list[str] = field(default_factory=list)
    reason: str = ""  # why it was refused

    def report(self) -> dict[str, Any]:
        """The order and what differs, in JSON terms, to reproduce a difference by hand."""
        return {
            "order": self.order.model_dump(mode="json"),
            "erp_order": self.target_id,
            "differences": self.differences,
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
    concurrently: each customer and pool SKU is created by the first order that needs it."""

    def __init__(self, erp: str, client: Any, settings: Settings = NO_SETTINGS) -> None:
        self.erp = erp
        self.client = client
        self.settings = settings
        self.totals_of = registry.order_totals(erp)
        self._numbers = itertools.count(1)
        self._run = secrets.token_hex(3).upper()  # a sandbox may outlive one run
        self._customers: dict[str, asyncio.Task[str]] = {}
        self._skus: dict[str, asyncio.Task[str]] = {}

    async def post(self, order: Order, settings: Settings | None = None) -> Posted:
        """Post `order` (renumbered, on pool SKUs) and compare the ERP's figures with its
        own. Errors other than a refusal on purpose are raised: they are failures."""
        settings = self.settings if settings is None else settings
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
        outcome = Outcome.DIFFERENT if found else Outcome.EQUAL
        return Posted(order, outcome, written.target_id, found)

    def _postable(self, order: Order) -> Order:
        number = f"{self._run}-{next(self._numbers)}"
        lines = [
            line.model_copy(update={"sku": pool_sku(line.tax_rate, position)})
            for position, line in enumerate(order.lines)
        ]
        return order.model_copy(update={"number": number, "source_id": number, "lines": lines})

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


def _product(sku: str, rate: Decimal | None) -> Product:
    name = f"Finance check {rate.normalize():f} %" if rate is not None else "Finance check"
    variant = Variant(sku=sku, name=name, tax_rate=rate)
    return Product(source_id=sku, product_number=sku, name=name, variants=[variant])


def _key(customer: Customer, settings: Settings) -> str:
    """Customers that differ in anything (country, type, VAT number) or are booked with other
    settings are different customers, even with one e-mail address: the ERP's VAT treatment
    (Fortnox `VATType`, the Visma.net VAT zone) follows the customer."""
    return customer.model_dump_json() + json.dumps(settings, sort_keys=True, default=str)


def refusal(error: Exception, order: Order) -> str:
    """The reason of a refusal, without what varies between orders (number, amounts), so
    that refusals for the same reason count together."""
    message = error.message if isinstance(error, ConnectorError) else str(error)
    message = message.replace(order.number, "<order>")
    kind = "finance rules" if isinstance(error, FinanceError) else f"{error.error_class} error"
    return f"{kind}: {AMOUNT.sub('<amount>', message)}"


@dataclass
class Tally:
    """What posting many orders into one ERP gave, as the benchmark prints it."""

    posted: int = 0
    equal: int = 0
    different: list[Posted] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # failures other than differences

    def add(self, posted: Posted) -> None:
        self.posted += 1
        if posted.outcome is Outcome.EQUAL:
            self.equal += 1
        elif posted.outcome is Outcome.DIFFERENT:
            self.different.append(posted)
        else:
            self.refused[posted.reason] += 1

    def add_error(self, error: BaseException) -> None:
        self.posted += 1
        self.errors[f"{type(error).__name__}: {error}"] += 1

    def figures(self) -> Counter[str]:
        """How many orders differ in which figures, e.g. "VAT 12 % + gross"."""
        return Counter(" + ".join(map(_figure, posted.differences)) for posted in self.different)

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
            "errors": {"count": sum(self.errors.values()), "kinds": dict(self.errors)},
        }


def _figure(difference: str) -> str:
    found = FIGURE.match(difference)
    return found["figure"] if found else "a document that does not add up"
