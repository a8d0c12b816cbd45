"""Orders made in the Centra sandbox and looked for in the Fortnox sandbox, by polling: what
the runtime's tests (here and tests/e2e/test_run.py) check it by."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import httpx
from sqlalchemy import text

from tests.support.integrations import SandboxIntegration

SOON = 15  # seconds an order may take to reach Fortnox: a slot, a run, slack for a busy CI


def wait_for(
    condition: Callable[[], object], failure: str, seconds: float = SOON, pause: float = 0.05
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(pause)


def new_orders(setup: SandboxIntegration, count: int) -> list[str]:
    """Checkout orders made in the Centra sandbox now; their order numbers."""
    response = httpx.post(f"{setup.shop.base_url}/_sandbox/simulate", json={"orders": count})
    response.raise_for_status()
    return [str(number) for number in response.json()["orders"]]


def in_fortnox(setup: SandboxIntegration) -> Counter[str]:
    """Fortnox orders by the Centra order number they came from (ExternalInvoiceReference1)."""
    orders = setup.erp.state().get("orders", [])  # none before the first
    return Counter(order["ExternalInvoiceReference1"] for order in orders)


def arrive(setup: SandboxIntegration, numbers: list[str]) -> float:
    """Wait until every order is in Fortnox; how many seconds that took."""
    began = time.monotonic()
    wait_for(
        lambda: set(numbers) <= in_fortnox(setup).keys(),
        f"orders {numbers} did not reach Fortnox within {SOON} s",
    )
    return time.monotonic() - began


def query(setup: SandboxIntegration, sql: str) -> list[tuple]:
    with setup.db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


CREATING = """
    SELECT count(*) FROM runs r JOIN flows f ON f.id = r.flow_id
    WHERE f.name = 'orders' AND r.status = 'running'
      AND EXISTS (SELECT 1 FROM cross_references x WHERE x.entity = 'order'
                  AND x.state = 'pending')
"""


def creating_an_order(setup: SandboxIntegration) -> bool:
    """An orders run is under way with a create sent but not committed: the worst moment to
    stop (DESIGN.md §3 invariant 3c)."""
    return query(setup, CREATING) != [(0,)]
