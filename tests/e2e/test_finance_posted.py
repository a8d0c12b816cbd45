"""Generated shop orders posted to each ERP sandbox over real HTTP: the ERP's net, VAT per rate
and gross are the shop's to the cent.

Every tax case (`orders(tax_cases=True)`, each order with its case's flow settings), currency,
discount and shipping. A sample of `EXAMPLES` per ERP here (5-10 s each on the 2-core
development machine); `make bench-finance` posts 10,000 per ERP. Orders refused on purpose
(the finance rules, or the ERP refusing the data) are not failures: the refusal names why.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from hypothesis import Phase, event, find, given, settings

from brygga.model import Order
from tests.support.orders import case_settings, orders
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
    yield Poster(sandbox.system, client)
    await client.aclose()


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(order=orders(tax_cases=True))
async def test_the_erp_books_the_shops_net_vat_per_rate_and_gross(
    poster: Poster, order: Order
) -> None:
    posted = await poster.post(order, case_settings(order))
    event(posted.outcome, posted.reason)  # counts for `pytest --hypothesis-show-statistics`
    if posted.outcome is Outcome.REFUSED:
        assert posted.reason  # refused on purpose, and says why
        return
    report = json.dumps(posted.report(), indent=1)
    assert posted.outcome is Outcome.EQUAL, f"{poster.erp} booked differently:\n{report}"


async def test_the_simplest_order_is_booked_not_refused(poster: Poster) -> None:
    """Refusals pass the property; this keeps a harness that refuses everything from passing."""
    simplest = find(orders(), lambda order: True, settings=FIRST_DRAW)
    posted = await poster.post(simplest)
    assert posted.outcome is Outcome.EQUAL, posted.report()
