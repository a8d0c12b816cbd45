"""The setup wizard in a browser, for each of the four pairs, against real sandbox processes:
choose the pair, connect the shop by its keys (a wrong key first, which is refused and loses
nothing but the secret), connect the ERP through the sandbox's own consent page (the OAuth
redirects and back, a replayed callback refused), see what each account holds, save the
settings (a required one left empty first), try one sample order in a dry run and send it for
real, and activate with a first sync. Screenshots of each step go to test-artifacts/."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from brygga.connectors import registry
from brygga.demo import connection_settings
from brygga.pairs import pair_template
from brygga.store import Database, Flow, Integration, Run, SecretBox, users, workspaces
from brygga.web.app import create_app
from tests.support.browser import log_in, screenshot
from tests.support.processes import SandboxProcess, start_sandbox
from tests.support.servers import serving

T = TypeVar("T")
EMAIL, PASSWORD = "owner@acme.example", "correct horse battery"
WORKSPACE = "acme"
# What each system's forms and consent pages are driven by.
SHOP_KEYS = {
    "centra": {"API URL": "base_url", "API key": "token"},
    "magento": {
        "Base URL": "base_url",
        "Consumer key": "consumer_key",
        "Consumer secret": "consumer_secret",
        "Access token": "access_token",
        "Access token secret": "access_token_secret",
    },
}
WRONG_KEY = {"centra": "API key", "magento": "Access token secret"}
LABELS = {
    "centra-fortnox": "Centra ↔ Fortnox",
    "fortnox-magento": "Magento ↔ Fortnox",
    "centra-vismanet": "Centra ↔ Visma.net",
    "magento-vismanet": "Magento ↔ Visma.net",
}
APPROVE = {"fortnox": "Godkänn", "vismanet": "Approve"}
# Where the app's client id and secret come from: the environment for Visma.net, the form else.
APP_FROM_ENVIRONMENT = {"vismanet": "BRYGGA_VISMANET_CLIENT"}
DENY = {"fortnox": "Avbryt", "vismanet": "Deny"}
ERP_NAME = {"fortnox": "Fortnox", "vismanet": "Visma.net"}
# A required setting of the ERP, and the path to its value in the orders flow's settings.
REQUIRED = {
    "fortnox": ("Sales account, 25 % VAT", ("sales_accounts", "25"), "3001"),
    "vismanet": ("VAT category, 25 % VAT", ("vat_categories", "25"), "1"),
}
# Flows switched off in the settings step, so that the first sync does not copy whole catalogues.
QUICK_FIRST_SYNC_OFF = ("Products", "Stock")
# The shop's order number in its sandbox's state, and in the ERP order Brygga wrote.
SHOP_NUMBER = {"centra": "number", "magento": "increment_id"}
ERP_ORDER = {  # path, query, and where the shop's order number is
    "fortnox": ("/3/orders/{}", {}, ("Order", "YourOrderNumber")),
    "vismanet": ("/api/v3/SalesOrders/SO/{}", {"expand": "customer"}, ("customer", "order")),
}


@dataclass
class Setup:
    url: str
    db: Database
    shop: SandboxProcess
    erp: SandboxProcess


@contextmanager
def wizard_app(tmp_path: Path, shop: str | None, erp: str | None) -> Iterator[Setup]:
    """The app served on loopback for an owner of the workspace, with the two sandboxes the
    pair needs (none when None)."""
    started: list[SandboxProcess] = []
    db = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    try:
        for system, args in ((shop, ("--orders", "6")), (erp, ())):
            if system is not None:
                started.append(start_sandbox(system, tmp_path / system, "--no-rate-limit", *args))
        db.migrate()
        with db.session() as session:
            user = users.create_user(session, EMAIL, PASSWORD)
            workspace = workspaces.workspace_named(session, WORKSPACE, create=True)
            workspaces.join(session, user.id, workspace, workspaces.OWNER)
        with serving(create_app(db, SecretBox.from_environment(tmp_path))) as url:
            yield Setup(url, db, *(started or [None, None]))  # type: ignore[arg-type]
    finally:
        db.dispose()
        for process in started:
            process.stop()


def demo_client(sandbox: SandboxProcess) -> Any:
    """A client with the sandbox's demo credentials: the test's own way in."""
    settings = connection_settings(sandbox, rate_limit=False)
    return registry.open_client(sandbox.system, sandbox.base_url, settings, lambda _: None)


def run_apart(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine in a thread of its own: Playwright's loop holds this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(work())).result()


def company_of(sandbox: SandboxProcess) -> str:
    async def describe() -> str:
        client = demo_client(sandbox)
        try:
            return (await registry.describe(sandbox.system, client)).company_name
        finally:
            await client.aclose()

    return run_apart(describe)


def erp_reference(sandbox: SandboxProcess, target_id: str) -> str:
    """The shop order number of the ERP order `target_id`, read over the ERP's API."""
    path, query, (part, field) = ERP_ORDER[sandbox.system]

    async def get() -> Any:
        client = demo_client(sandbox)
        try:
            return await client.get(path.format(target_id), **query)
        finally:
            await client.aclose()

    return str(run_apart(get)[part][field])


def wait_for_first_sync(
    db: Database, name: str, since: datetime, timeout: float = 120
) -> list[Run]:
    """The runs started since `since`, once each enabled flow has one and all have ended."""
    deadline = time.monotonic() + timeout
    while True:
        with db.session() as session:
            integration = session.scalar(select(Integration).where(Integration.name == name))
            enabled = {flow.id for flow in integration.flows if flow.enabled}
            every = [flow.id for flow in integration.flows]
            query = select(Run).where(Run.flow_id.in_(every), Run.started_at >= since)
            runs = list(session.scalars(query))
        if {run.flow_id for run in runs} >= enabled and all(run.finished_at for run in runs):
            return runs
        if time.monotonic() > deadline:
            raise TimeoutError(f"the first sync of {name} did not end: {runs}")
        time.sleep(0.5)


@pytest.mark.parametrize(
    "pair", ["centra-fortnox", "fortnox-magento", "centra-vismanet", "magento-vismanet"]
)
def test_the_wizard_sets_up_a_pair(
    pair: str, page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = pair_template(pair)
    shop, erp, name = template.shop, template.erp, f"acme-{pair}"
    with wizard_app(tmp_path, shop, erp) as setup:
        app = setup.erp.credentials()
        if erp in APP_FROM_ENVIRONMENT:  # the deployment registered its app once
            prefix = APP_FROM_ENVIRONMENT[erp]
            monkeypatch.setenv(f"{prefix}_ID", app["client_id"])
            monkeypatch.setenv(f"{prefix}_SECRET", app["client_secret"])
        log_in(page, setup.url, EMAIL, PASSWORD)

        # 1. The pair and a name.
        page.goto(f"{setup.url}/setup")
        page.get_by_label(LABELS[pair]).check()
        page.get_by_label("Name of the integration").fill(name)
        screenshot(page, f"wizard-{pair}-pair")
        page.get_by_role("button", name="Start").click()

        # 2. The shop's keys: a wrong one is refused, and only the secrets need typing again.
        page.wait_for_url(f"{setup.url}/setup/shop")
        demo = setup.shop.credentials() | {"base_url": setup.shop.base_url}
        for field, key in SHOP_KEYS[shop].items():
            page.get_by_label(field, exact=True).fill(str(demo[key]))
        page.get_by_label(WRONG_KEY[shop], exact=True).fill("not-the-key")
        page.get_by_role("button", name="Connect").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("did not accept them")
        expect(alert).to_contain_text(re.compile("refused", re.IGNORECASE))
        screenshot(page, f"wizard-{pair}-shop-refused")
        for field, key in SHOP_KEYS[shop].items():
            secret = key not in ("base_url", "consumer_key")
            expected = "" if secret else str(demo[key])
            expect(page.get_by_label(field, exact=True)).to_have_value(expected)
            if secret:
                page.get_by_label(field, exact=True).fill(str(demo[key]))
        page.get_by_role("button", name="Connect").click()

        # 3. The ERP by consent, on the sandbox's own page.
        page.wait_for_url(f"{setup.url}/setup/erp")
        page.get_by_label("API base URL").fill(setup.erp.base_url)
        if erp in APP_FROM_ENVIRONMENT:
            expect(page.get_by_label("Client ID")).to_have_count(0)
            expect(page.get_by_text("app is set up already")).to_be_visible()
        else:
            page.get_by_label("Client ID").fill(app["client_id"])
            page.get_by_label("Client secret").fill(app["client_secret"])
        screenshot(page, f"wizard-{pair}-erp")
        page.get_by_role("button", name=f"Connect to {ERP_NAME[erp]}").click()
        page.wait_for_url(f"{setup.erp.base_url}/**")
        # An answer with another state than the one sent is refused, and voids the attempt.
        forged = page.goto(f"{setup.url}/setup/callback?code=guessed&state=f%C3%B6rfalskad")
        assert forged is not None and forged.status == 400
        expect(page.get_by_role("alert")).to_contain_text("did not accept it")
        page.get_by_role("link", name="Try again").click()
        page.goto(f"{setup.url}/setup/erp")  # the app's client is kept with the connection
        if erp not in APP_FROM_ENVIRONMENT:
            expect(page.get_by_label("Client ID")).to_have_value(app["client_id"])
            expect(page.get_by_text("Leave the secret empty")).to_be_visible()
        callbacks: list[str] = []
        page.on("request", lambda sent: callbacks.append(sent.url))
        page.get_by_role("button", name=f"Connect to {ERP_NAME[erp]}").click()
        page.wait_for_url(f"{setup.erp.base_url}/**")
        screenshot(page, f"wizard-{pair}-consent")
        page.get_by_role("button", name=APPROVE[erp]).click()

        # 4. What each account holds.
        page.wait_for_url(f"{setup.url}/setup/check")
        for sandbox in (setup.shop, setup.erp):
            facts = page.locator(f'.facts[data-system="{sandbox.system}"]')
            expect(facts.locator(".company")).to_have_text(company_of(sandbox))
        screenshot(page, f"wizard-{pair}-check")
        [callback] = [url for url in callbacks if "/setup/callback" in url]
        assert "code=" in callback and "state=" in callback
        page.goto(callback)  # the same answer again: its state was used
        expect(page.get_by_role("alert")).to_contain_text("used already")
        page.goto(f"{setup.url}/setup/check")
        page.get_by_role("link", name="Continue to the settings").click()

        # 5. Settings: a required one left empty is flagged, and nothing else is lost.
        page.wait_for_url(f"{setup.url}/setup/settings")
        field, path, value = REQUIRED[erp]
        required = page.get_by_label(field)
        expect(page.locator("label.setting", has=required)).to_contain_text("required")
        warehouse = page.locator(
            "select[name='stock.centra_warehouse'], select[name='stock.source']"
        )
        chosen = warehouse.locator("option").nth(2).text_content()  # not the first choice
        warehouse.select_option(chosen)
        required.fill("")
        for slow in QUICK_FIRST_SYNC_OFF:  # whole catalogues: left for later to keep it quick
            page.get_by_label(re.compile(f"{slow}: ")).uncheck()
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("label.setting", has=required)).to_contain_text("required")
        expect(page.get_by_role("alert")).to_be_visible()
        expect(warehouse).to_have_value(chosen)
        for slow in QUICK_FIRST_SYNC_OFF:
            expect(page.get_by_label(re.compile(f"{slow}: "))).not_to_be_checked()
        screenshot(page, f"wizard-{pair}-settings")
        required.fill(value)
        page.get_by_role("button", name="Save settings").click()
        page.wait_for_url(f"{setup.url}/setup/sample")
        with setup.db.session() as session:
            integration = session.scalar(select(Integration).where(Integration.name == name))
            assert integration.paused and integration.workspace.name == WORKSPACE
            flows = {flow.name: flow for flow in integration.flows}
            saved = flows["orders"].settings
            assert str(saved[path[0]][path[1]]) == value
            stock = flows["stock"].settings
            assert chosen in (stock.get("centra_warehouse"), stock.get("source"))
            off = {flow.name for flow in flows.values() if not flow.enabled}
            assert off == {slow.lower() for slow in QUICK_FIRST_SYNC_OFF}

        # 6. One sample order: the dry run shows the ERP's request, then it is sent.
        page.get_by_role("button", name="Try a sample order").click()
        dry_run = page.locator("#dry-run")
        expect(dry_run).to_be_visible()
        number = re.search(r"Order (\S+)", dry_run.locator("h2").inner_text()).group(1)
        shop_numbers = {str(order[SHOP_NUMBER[shop]]) for order in setup.shop.state()["orders"]}
        assert number in shop_numbers
        expect(page.locator("#order-payload")).to_contain_text(f'"{number}"')
        screenshot(page, f"wizard-{pair}-sample-dry-run")
        with setup.db.session() as session:
            orders_flow = session.scalar(select(Flow).where(Flow.id == flows["orders"].id))
            assert not session.scalars(select(Run).where(Run.flow_id == orders_flow.id)).all()
        page.get_by_role("button", name="Send it for real").click()
        target = page.locator("#sent .target-id")
        expect(target).to_be_visible()
        assert erp_reference(setup.erp, target.inner_text()) == number
        screenshot(page, f"wizard-{pair}-sample-sent")

        # 7. Activate, with the first sync.
        page.get_by_role("link", name="Continue to activation").click()
        page.wait_for_url(f"{setup.url}/setup/activate")
        screenshot(page, f"wizard-{pair}-activate")
        activated = datetime.now(UTC)
        page.get_by_role("button", name="Activate and sync now").click()
        page.wait_for_url(f"{setup.url}/integrations/{name}")
        runs = wait_for_first_sync(setup.db, name, activated)
        assert {run.status for run in runs} == {"succeeded"}, [r.message for r in runs]
        assert {run.flow_id for run in runs} == {f.id for f in flows.values() if f.enabled}
        with setup.db.session() as session:
            integration = session.scalar(select(Integration).where(Integration.name == name))
            assert not integration.paused
        page.reload()
        screenshot(page, f"wizard-{pair}-activated")
        # Payments of orders the ERP has not invoiced yet wait in the error queue (a warning);
        # once its staff invoice them, the payments flow runs again and the overview is green.
        page.goto(f"{setup.url}/")
        card = page.locator(f'[data-integration="{name}"]')
        expect(card.locator("[data-health]")).to_have_attribute("data-health", "warning")
        invoiced = httpx.post(f"{setup.erp.base_url}/_sandbox/simulate",
                              json={"invoice_orders": 100}, timeout=120)  # fmt: skip
        invoiced.raise_for_status()
        page.goto(f"{setup.url}/integrations/{name}")
        page.get_by_role("button", name="Run payments now").click()
        expect(page.locator('tr[data-flow="payments"]')).to_contain_text("0 failed")
        page.goto(f"{setup.url}/")
        expect(card.locator("[data-health]")).to_have_attribute("data-health", "ok")
        screenshot(page, f"wizard-{pair}-overview")

        # Reconnecting the ERP later: a denied consent changes nothing; an approved one
        # renews the grant with the app's stored client.
        page.goto(f"{setup.url}/setup/connect/{name}-{erp}")
        expect(page.locator(".facts .company")).to_have_text(company_of(setup.erp))
        if erp not in APP_FROM_ENVIRONMENT:
            expect(page.get_by_label("Client ID")).to_have_value(app["client_id"])
        page.get_by_role("button", name=f"Connect to {ERP_NAME[erp]}").click()
        page.get_by_role("button", name=DENY[erp]).click()
        expect(page.get_by_role("alert")).to_contain_text("access_denied")
        screenshot(page, f"wizard-{pair}-reconnect-denied")
        page.get_by_role("link", name="Try again").click()
        page.get_by_role("button", name=f"Connect to {ERP_NAME[erp]}").click()
        page.get_by_role("button", name=APPROVE[erp]).click()
        page.wait_for_url(f"{setup.url}/setup/connect/{name}-{erp}")
        expect(page.locator(".facts .company")).to_have_text(company_of(setup.erp))


def test_a_forged_callback_and_other_roles_are_refused(page: Page, tmp_path: Path) -> None:
    with wizard_app(tmp_path, None, None) as setup:
        with setup.db.session() as session:
            viewer = users.create_user(session, "viewer@acme.example", PASSWORD)
            workspace = workspaces.workspace_named(session, WORKSPACE)
            workspaces.join(session, viewer.id, workspace, workspaces.VIEWER)
        log_in(page, setup.url, EMAIL, PASSWORD)
        answer = page.goto(f"{setup.url}/setup/callback?code=stolen&state=forged")
        assert answer is not None and answer.status == 400
        expect(page.get_by_role("alert")).to_contain_text("did not accept it")
        screenshot(page, "wizard-forged-callback")

        page.goto(f"{setup.url}/setup/shop")  # nothing started: back to the first step
        assert page.url == f"{setup.url}/setup"
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_role("alert")).to_contain_text("choose the pair")

        page.context.clear_cookies()
        log_in(page, setup.url, "viewer@acme.example", PASSWORD)
        answer = page.goto(f"{setup.url}/setup")
        assert answer is not None and answer.status == 403
