"""The operations pages in a real browser, on a Centra + Fortnox integration synced against
the sandboxes: a viewer logs in and reads the overview (health, today's figures, the charts
drawn from the runs), the runs (filtered, one in detail, one refreshing live while it runs) and
the records (found by order number and e-mail, one in detail); another workspace's user finds
none of them. A screenshot of each page is saved."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from brygga.engine import activity
from brygga.engine.integrations import SyncReport, sync
from brygga.store import Run, users
from brygga.store.workspaces import DEFAULT_WORKSPACE, VIEWER, join, workspace_named
from brygga.web.app import create_app
from brygga.web.charts import bar_chart
from tests.support.browser import log_in, screenshot
from tests.support.integrations import SandboxIntegration, sandbox_integration
from tests.support.servers import serving

NAME = "ops-pages"
PASSWORD = "correct horse battery"
VIEWER_EMAIL, STRANGER_EMAIL = "viewer@example.com", "stranger@example.com"


@dataclass
class Dashboard:
    url: str
    sandboxes: SandboxIntegration
    report: SyncReport


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "8") as sandboxes:
        db, box = sandboxes.db, sandboxes.box
        sandboxes.configure(NAME, "centra-fortnox")
        report = _in_thread(lambda: sync(db, box, NAME))
        assert report.ok, report
        with db.session() as session:
            for email, workspace in ((VIEWER_EMAIL, DEFAULT_WORKSPACE), (STRANGER_EMAIL, "other")):
                user = users.create_user(session, email, PASSWORD)
                join(session, user.id, workspace_named(session, workspace, create=True), VIEWER)
        with serving(create_app(db, box)) as url:
            yield Dashboard(url, sandboxes, report)


@pytest.fixture
def viewer(page: Page, dashboard: Dashboard) -> Page:
    log_in(page, dashboard.url, VIEWER_EMAIL, PASSWORD)
    return page


def test_the_overview_shows_each_integration_and_the_charts(viewer: Page, dashboard: Dashboard):
    viewer.goto(dashboard.url + "/")
    card = viewer.locator(f'[data-integration="{NAME}"]')
    expect(card.get_by_role("link", name=NAME)).to_have_attribute("href", f"/integrations/{NAME}")
    health = card.locator("[data-health]").get_attribute("data-health")
    assert health in ("ok", "warning")  # no run stopped early, no alert raised
    moved = sum(c.created + c.updated for c in dashboard.report.flows.values())
    expect(card.locator('[data-figure="moved-today"]')).to_have_text(str(moved))
    orders = card.locator('tr[data-flow="orders"]')
    expect(orders.locator("[data-run-status]")).to_have_text("succeeded")
    expect(card.locator('[data-connection="fortnox"]')).to_have_attribute(
        "title", re.compile("Fortnox allows 25 requests per 5 s")
    )
    chart = viewer.locator('[data-chart="records-per-hour"] svg')
    expect(chart).to_contain_text(f"{NAME} orders")
    # The bars are the runs' counts: each hour's value, as the engine counts them.
    with dashboard.sandboxes.db.session() as session:
        workspace = workspace_named(session, DEFAULT_WORKSPACE).id
        series = activity.records_per_hour(session, workspace, datetime.now(UTC))
    assert sum(series.values[f"{NAME} orders"]) == dashboard.report.flows["orders"].created
    drawn = chart.evaluate("svg => svg.outerHTML")
    for name, values in series.values.items():
        assert f">{name}<" in drawn
        for label, value in zip(series.labels, values, strict=True):
            if value:
                assert f"<title>{label}: {value}</title>" in drawn
    assert "script" not in bar_chart(series, "t", "none")  # no script in the page's SVG
    expect(viewer.locator('[data-chart="errors-per-day"] svg')).to_be_visible()
    screenshot(viewer, "overview")


def test_runs_are_listed_filtered_and_shown(viewer: Page, dashboard: Dashboard):
    viewer.goto(dashboard.url + "/runs")
    rows = viewer.locator("tr[data-run]")
    expect(rows).to_have_count(len(dashboard.report.flows))
    screenshot(viewer, "runs")

    viewer.get_by_label("Flow").select_option("orders")
    viewer.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").first.click()
    expect(viewer.get_by_role("heading", level=1)).to_contain_text(f"{NAME} · orders")
    counts = dashboard.report.flows["orders"]
    for outcome, value in counts.as_dict().items():
        expect(viewer.locator(f'table.counts [data-count="{outcome}"]')).to_have_text(str(value))
    assert int(viewer.locator('[data-figure="requests"]').inner_text()) > 0
    expect(viewer.locator('[data-figure="rate-limited"]')).to_have_text("0")
    expect(viewer.locator('tr[data-outcome="created"]')).to_have_count(counts.created)
    screenshot(viewer, "run")

    viewer.goto(dashboard.url + "/runs?page=zero")
    expect(viewer.get_by_role("alert")).to_contain_text("is not a page number")


def test_a_running_run_refreshes_live_until_it_ends(viewer: Page, dashboard: Dashboard):
    erp = dashboard.sandboxes.erp.base_url
    httpx.post(f"{erp}/_sandbox/faults", json={"latency_ms": 400})  # a slow Fortnox
    db, box = dashboard.sandboxes.db, dashboard.sandboxes.box
    syncing = threading.Thread(
        target=_in_thread, args=(lambda: sync(db, box, NAME, flows=["customers"], reconcile=True),)
    )
    syncing.start()
    try:
        run_id = _running_run(dashboard)
        viewer.goto(dashboard.url + "/runs")
        row = viewer.locator(f'tr[data-run="{run_id}"]')
        expect(row).to_have_attribute("data-status", "running")
        # No reload: live.js swaps the table in as the run moves on.
        expect(row).to_have_attribute("data-status", "succeeded", timeout=60_000)
    finally:
        syncing.join(120)
        httpx.post(f"{erp}/_sandbox/faults", json={})


def test_records_are_found_and_shown(viewer: Page, dashboard: Dashboard):
    viewer.goto(dashboard.url + "/records")
    expect(viewer.locator("tr[data-record]").first).to_be_visible()  # the latest records
    screenshot(viewer, "records")

    now = datetime.now(UTC)
    with dashboard.sandboxes.db.session() as session:
        workspace = workspace_named(session, DEFAULT_WORKSPACE).id
        (orders,) = activity.runs(session, workspace, now, integration=NAME, flow="orders").runs
        detail = activity.run_detail(session, workspace, orders.id, now, outcome="created")
    assert detail is not None and detail.outcomes
    number = detail.outcomes[0].source_id

    viewer.get_by_label("Search").fill(number)
    viewer.get_by_role("button", name="Search").click()
    hit = viewer.locator(f'tr[data-record="{NAME}/order/{number}"]')
    expect(hit).to_contain_text("source id")
    hit.get_by_role("link").first.click()
    expect(viewer.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    expect(viewer.locator('tr[data-flow="orders"]')).to_have_attribute("data-status", "created")
    expect(viewer.locator('[data-figure="target-id"]')).to_have_text(detail.outcomes[0].target_id)
    source = viewer.locator('pre[data-payload="source"]').inner_text()
    assert f'"number": {number}' in source
    email = re.search(r'"email": "([^"]+)"', source).group(1)
    screenshot(viewer, "record")

    viewer.goto(dashboard.url + "/records")
    viewer.get_by_label("Search").fill(email)
    viewer.get_by_role("button", name="Search").click()
    expect(viewer.locator(f'tr[data-record="{NAME}/order/{number}"]')).to_be_visible()
    expect(viewer.locator("tr[data-record]", has_text="e-mail").first).to_be_visible()


def test_another_workspace_finds_none_of_it(page: Page, dashboard: Dashboard):
    log_in(page, dashboard.url, STRANGER_EMAIL, PASSWORD)
    page.goto(dashboard.url + "/")
    expect(page.locator("[data-integration]")).to_have_count(0)
    with dashboard.sandboxes.db.session() as session:
        run_id = session.scalar(select(Run.id).order_by(Run.id.desc()))
    answer = page.goto(f"{dashboard.url}/runs/{run_id}")
    assert answer is not None and answer.status == 404
    answer = page.goto(f"{dashboard.url}/records/{NAME}/customer/1")
    assert answer is not None and answer.status == 404
    page.goto(dashboard.url + "/runs")
    expect(page.locator("tr[data-run]")).to_have_count(0)


def _running_run(dashboard: Dashboard) -> int:
    """The id of the customers run the background sync started, once it has."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with dashboard.sandboxes.db.session() as session:
            found = session.scalar(select(Run.id).where(Run.status == "running"))
        if found is not None:
            return found
        time.sleep(0.05)
    raise AssertionError("the sync started no run")


def _in_thread(run: Callable[[], Coroutine[Any, Any, SyncReport]]) -> SyncReport:
    """`run()` to its end on an event loop of its own thread: Playwright's sync API keeps a
    loop running in the test's thread."""
    done: dict[str, Any] = {}

    def work() -> None:
        try:
            done["report"] = asyncio.run(run())
        except BaseException as exc:  # handed to the test's thread
            done["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    if "error" in done:
        raise done["error"]
    return done["report"]
