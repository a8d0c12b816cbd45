"""Generated shop orders, and refunds of them, posted to each ERP sandbox over real HTTP: the
ERP's net, VAT per rate and gross are the shop's to the cent.

Every tax case (`orders(tax_cases=True)`, each order with its case's flow settings), currency,
discount and shipping; some 40 % of the orders are invoiced and refunded one to three times
(`refunded_orders`), and each credit note's gross, VAT per rate and net are what the refund
implies. A sample of `EXAMPLES` per ERP here (10-15 s each on the 2-core development machine);
`make bench-finance` posts 10,000 per ERP. Orders and refunds refused on purpose (the finance
rules, or the ERP refusing the data) are not failures: the refusal names why. A refund of more
than is left to credit must be refused.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from functools import partial

import pytest
import pytest_asyncio
from hypothesis import Phase, event, find, given, settings

from brygga.model import Money, Order, Refund, RefundLine
from tests.support.orders import case_settings, orders, refunded_orders
from tests.support.posting import ERPS, Outcome, Poster, open_client
from tests.support.processes import SandboxProcess, start_sandbox

EXAMPLES = 200
FIRST_DRAW = settings(database=None, phases=[Phase.generate])  # Hypothesis's first is its simplest

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module", params=ERPS)
def sandbox(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxProcess]:
    erp = request.param
    process = start_sandbox(erp, tmp_path_factory.mktemp(erp), "--no-rate-limit")
    yield process
    process.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def poster(sandbox: SandboxProcess) -> AsyncIterator[Poster]:
    """One client per ERP for every example; each example's order gets a number of its own."""
    client = open_client(sandbox)
    poster = Poster(sandbox.system, client, sandbox_url=sandbox.base_url)
    yield poster
    await poster.aclose()
    await client.aclose()


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(case=refunded_orders())
async def test_the_erp_books_the_shops_net_vat_per_rate_and_gross(
    poster: Poster, case: tuple[Order, list[Refund]]
) -> None:
    order, refunds = case
    posted = await poster.post(order, case_settings(order), refunds)
    event(posted.outcome, posted.reason)  # counts for `pytest --hypothesis-show-statistics`
    report = json.dumps(posted.report(), indent=1)
    if posted.outcome is Outcome.REFUSED:
        assert posted.reason  # refused on purpose, and says why
        return
    assert posted.outcome is Outcome.EQUAL, f"{poster.erp} booked differently:\n{report}"
    for credit in posted.credits:
        event(f"refund {credit.outcome}", credit.reason)
        if credit.outcome is Outcome.REFUSED:
            assert credit.reason
        else:
            assert credit.outcome is Outcome.EQUAL, f"{poster.erp} credited differently:\n{report}"
    assert all(credit.outcome is Outcome.REFUSED for credit in posted.credits if credit.over)


async def test_the_simplest_order_is_booked_not_refused(poster: Poster) -> None:
    """Refusals pass the property; this keeps a harness that refuses everything from passing."""
    simplest = find(orders(), lambda order: True, settings=FIRST_DRAW)
    posted = await poster.post(simplest)
    assert posted.outcome is Outcome.EQUAL, posted.report()


async def test_a_simple_refund_is_credited_not_refused(poster: Poster) -> None:
    """The same for refunds: of the simplest order of 1.00 or more, half a unit's worth of the
    first line returned and a quarter more without lines."""
    order = find(orders(), lambda order: order.grand_total.amount >= 1, settings=FIRST_DRAW)
    line = order.lines[0]
    money = partial(Money.of, currency=order.currency)
    returned = RefundLine(sku=line.sku, quantity=1, amount=money("0.50"))
    refund = Refund(
        source_id="R1",
        order_reference=order.number,
        created_at=order.created_at + timedelta(days=1),
        lines=[returned],
        total=money("0.75"),
    )
    posted = await poster.post(order, refunds=[refund])
    assert posted.outcome is Outcome.EQUAL, posted.report()
    [credit] = posted.credits
    assert credit.outcome is Outcome.EQUAL and credit.target_id, posted.report()
