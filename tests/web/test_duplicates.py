"""Answering "duplicate?" errors, over the API, the pages and in a browser, on a Centra +
Fortnox integration synced against the sandboxes. Before the first sync, Fortnox gets a
family member of three shop customers: the same e-mail and address under another first name
(docs/dedupe.md, rule 4), so the matcher parks each customer and its orders for a person.
One is answered over the API with its candidate (linked, nothing created in Fortnox), one with
a new customer (created), one in Chromium by the button; a viewer may not answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from brygga.connectors import registry
from brygga.engine.integrations import integration_named, open_clients, sync
from brygga.model import Customer
from brygga.store import users
from brygga.store.workspaces import DEFAULT_WORKSPACE, OPERATOR, VIEWER, join, workspace_named
from brygga.web.app import create_app
from tests.support.browser import log_in, screenshot
from tests.support.configuration import _in_a_thread as in_a_thread
from tests.support.integrations import SandboxIntegration, sandbox_integration
from tests.support.servers import serving
from tests.support.sessions import logged_in

NAME = "family"
PASSWORD = "correct horse battery"
OPERATOR_EMAIL, VIEWER_EMAIL = "operator@shop.example", "viewer@shop.example"
DUPLICATE = "duplicate?"
# First names for the family members Fortnox gets; each differs from the shop customer's.
OTHER_FIRST_NAMES = ("Erik", "Sanna", "Maja", "Tove")


@dataclass
class Family:
    """A shop customer, and the Fortnox customer of its family sharing its e-mail."""

    source_id: str
    name: str
    target_id: str
    relative: str


@dataclass
class Site:
    url: str
    sandboxes: SandboxIntegration
    families: list[Family]  # one for the API's link, one for a new customer, one for the browser

    def session(self, email: str) -> tuple[httpx.Client, dict[str, str]]:
        """A logged-in client of the user, and the header that carries its CSRF token."""
        client, csrf = logged_in(self.url, email, PASSWORD)
        return client, {"X-CSRF-Token": csrf}

    def errors_of(self, client: httpx.Client, source_id: str, status: str) -> list[dict[str, Any]]:
        """The "duplicate?" errors of the customer (its own and its orders')."""
        listed = client.get("/api/errors", params={"class": DUPLICATE, "status": status}).json()
        return [e for e in listed if parked_for(client, e["id"]) == source_id]

    def customer_error(self, client: httpx.Client, source_id: str) -> dict[str, Any]:
        (error,) = [
            e for e in self.errors_of(client, source_id, "open") if e["flow"] == "customers"
        ]
        return error

    def fortnox_customers(self) -> dict[str, dict[str, Any]]:
        """Every customer Fortnox has, by number, read over its API."""
        return in_a_thread(_fortnox_customers(self.sandboxes))


def parked_for(client: httpx.Client, error_id: int) -> str:
    return client.get(f"/api/errors/{error_id}").json()["target_payload"]["customer"]["source_id"]


def decided(match: dict[str, Any]) -> tuple[str, str | None, str]:
    """A record's `match` in short: the action, the target customer and who decided."""
    return match["action"], match["target_id"], match["decided_by"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "12") as found:
        found.configure(NAME, "centra-fortnox")
        families = in_a_thread(_families_in_fortnox(found))
        report = in_a_thread(sync(found.db, found.box, NAME, flows=["customers", "orders"]))
        assert report.flows["customers"].failed == len(families), report
        with found.db.session() as session:
            home = workspace_named(session, DEFAULT_WORKSPACE)
            for email, role in ((OPERATOR_EMAIL, OPERATOR), (VIEWER_EMAIL, VIEWER)):
                join(session, users.create_user(session, email, PASSWORD).id, home, role)
        with serving(create_app(found.db, found.box)) as url:
            yield Site(url, found, families)


async def _families_in_fortnox(found: SandboxIntegration) -> list[Family]:
    """For three private shop customers Fortnox does not have, a Fortnox customer of their
    family: another first name, the same surname, e-mail and address, under a number of its
    own (so it is never mistaken for the shop's id)."""
    with found.db.session() as session:
        clients = open_clients(found.db, found.box, integration_named(session, NAME))
    try:
        known = {(c.get("Email") or "").lower() for c in (await _listed(clients["fortnox"]))}
        shop: list[Customer] = []
        stream = registry.stream("centra", "customer", clients["centra"], {})
        async for page in stream.pages(None, datetime.now(UTC)):
            shop += [item.record for item in page if isinstance(item.record, Customer)]
        chosen = [
            c for c in shop
            if c.email and c.email.lower() not in known and c.address and not c.company
        ][:3]  # fmt: skip
        assert len(chosen) == 3, shop
        families = []
        for number, customer in enumerate(chosen, start=7001):
            assert customer.address is not None and customer.email is not None  # chosen so
            first = next(n for n in OTHER_FIRST_NAMES if n[0] != customer.first_name[0])
            relative = f"{first} {customer.last_name}"
            address = customer.address
            await clients["fortnox"].post("/3/customers", {"Customer": {
                "CustomerNumber": str(number), "Name": relative, "Email": customer.email,
                "Address1": address.line1, "ZipCode": address.postcode, "City": address.city,
            }})  # fmt: skip
            name = f"{customer.first_name} {customer.last_name}"
            families.append(Family(customer.source_id, name, str(number), relative))
        return families
    finally:
        for client in clients.values():
            await client.aclose()


async def _fortnox_customers(found: SandboxIntegration) -> dict[str, dict[str, Any]]:
    with found.db.session() as session:
        clients = open_clients(found.db, found.box, integration_named(session, NAME))
    try:
        return {str(c["CustomerNumber"]): c for c in await _listed(clients["fortnox"])}
    finally:
        for client in clients.values():
            await client.aclose()


async def _listed(fortnox: Any) -> list[dict[str, Any]]:
    return [item async for items in fortnox.items("/3/customers", "Customers") for item in items]


def test_each_parked_customer_is_listed_with_its_card_and_the_candidate(site: Site):
    client, _ = site.session(VIEWER_EMAIL)
    for family in site.families:
        parked = site.errors_of(client, family.source_id, "open")
        # The customer, and every order of it, waits for the one answer.
        assert "customers" in {e["flow"] for e in parked}, parked
        assert all(e["class"] == DUPLICATE for e in parked)
        shown = client.get(f"/api/errors/{site.customer_error(client, family.source_id)['id']}")
        payload = shown.json()["target_payload"]
        assert payload["customer"]["card"]["name"] == family.name
        (candidate,) = payload["candidates"]
        assert (candidate["target_id"], candidate["card"]["name"]) == (family.target_id,
                                                                       family.relative)  # fmt: skip
        assert candidate["score"] == "1.00" and candidate["action"] == "review"
        assert "different first names: another member of the family" in candidate["reasons"]
        # The record shows the matcher's decision: waiting for a person.
        match = client.get(f"/api/records/{NAME}/customer/{family.source_id}").json()["match"]
        assert decided(match) == ("review", None, "matcher")
        assert match["score"] == 1.0 and match["candidates"][0]["target_id"] == family.target_id


def test_an_order_shows_its_customer_s_match(site: Site):
    client, _ = site.session(VIEWER_EMAIL)
    orders = [
        e for family in site.families
        for e in site.errors_of(client, family.source_id, "open") if e["flow"] == "orders"
    ]  # fmt: skip
    assert orders, "an order of a parked customer is parked too"
    order = orders[0]
    detail = client.get(f"/api/records/{NAME}/order/{order['source_id']}").json()
    assert detail["match"]["source_id"] == parked_for(client, order["id"])
    assert detail["match"]["action"] == "review"
    # A record of another kind, or an order Brygga holds no canonical record of, shows none.
    delivered = client.get("/api/records", params={"q": ""}).json()
    plain = next(h for h in delivered if h["entity"] == "order" and h["status"] == "created")
    assert client.get(f"/api/records/{NAME}/order/{plain['source_id']}").json()["match"] is None
    page = client.get(f"/records/{NAME}/order/{order['source_id']}").text
    assert "Customer match" in page and "waiting for a person" in page


def test_a_viewer_may_not_answer(site: Site):
    client, csrf = site.session(VIEWER_EMAIL)
    error = site.customer_error(client, site.families[0].source_id)
    target = {"target_id": site.families[0].target_id}
    assert client.post(f"/api/errors/{error['id']}/answer", json=target,
                       headers=csrf).status_code == 403  # fmt: skip
    form = target | {"csrf_token": csrf["X-CSRF-Token"]}
    answer = client.post(f"/errors/{error['id']}/answer", data=form, follow_redirects=False)
    assert answer.status_code == 403
    # No answer buttons for a viewer.
    assert "Same customer as" not in client.get(f"/errors/{error['id']}").text


def test_answering_with_the_candidate_links_the_customer_and_creates_nothing(site: Site):
    family = site.families[0]
    client, csrf = site.session(OPERATOR_EMAIL)
    error = site.customer_error(client, family.source_id)
    parked = site.errors_of(client, family.source_id, "open")
    before = site.fortnox_customers()

    refused = client.post(f"/api/errors/{error['id']}/answer", json={"target_id": "1"},
                          headers=csrf)  # fmt: skip
    assert refused.status_code == 422 and "was not a candidate" in refused.json()["detail"]
    # The page's form must name one answer.
    client.post(f"/errors/{error['id']}/answer", data={"csrf_token": csrf["X-CSRF-Token"]})
    assert "Choose one:" in client.get(f"/errors/{error['id']}").text

    answer = client.post(f"/api/errors/{error['id']}/answer",
                         json={"target_id": family.target_id}, headers=csrf)  # fmt: skip
    assert answer.status_code == 200, answer.text
    retried = answer.json()
    assert {r["error_id"] for r in retried} == {e["id"] for e in parked}
    assert all(r["status"] in ("created", "skipped") for r in retried), retried
    assert client.get(f"/api/errors/{error['id']}").json()["status"] == "resolved"
    assert site.errors_of(client, family.source_id, "open") == []

    detail = client.get(f"/api/records/{NAME}/customer/{family.source_id}").json()
    assert (detail["target_id"], detail["link_state"]) == (family.target_id, "linked")
    assert decided(detail["match"]) == ("link", family.target_id, OPERATOR_EMAIL)
    assert site.fortnox_customers().keys() == before.keys()  # no new Fortnox customer

    # The answer holds: the next sync neither parks the customer again nor creates it.
    report = in_a_thread(sync(site.sandboxes.db, site.sandboxes.box, NAME,
                              flows=["customers", "orders"]))  # fmt: skip
    assert report.flows["customers"].failed == len(site.families) - 1, report
    assert site.errors_of(client, family.source_id, "open") == []
    assert site.fortnox_customers().keys() == before.keys()

    # The page refuses to answer an error that is no longer open.
    form = {"target_id": family.target_id, "csrf_token": csrf["X-CSRF-Token"]}
    client.post(f"/errors/{error['id']}/answer", data=form)
    assert (
        "is resolved: there is nothing left to answer" in client.get(f"/errors/{error['id']}").text
    )
    # So does the API, and it retries nothing.
    again = client.post(f"/api/errors/{error['id']}/answer", json={"target_id": family.target_id},
                        headers=csrf)  # fmt: skip
    assert again.status_code == 422, again.text
    assert "nothing left to answer" in again.json()["detail"]


def test_answering_a_new_customer_creates_one(site: Site):
    family = site.families[1]
    client, csrf = site.session(OPERATOR_EMAIL)
    error = site.customer_error(client, family.source_id)
    before = site.fortnox_customers()

    answer = client.post(f"/api/errors/{error['id']}/answer", json={"target_id": None},
                         headers=csrf)  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert site.errors_of(client, family.source_id, "open") == []
    after = site.fortnox_customers()
    (created,) = after.keys() - before.keys()
    assert after[created]["Name"] == family.name and created != family.target_id
    detail = client.get(f"/api/records/{NAME}/customer/{family.source_id}").json()
    assert detail["target_id"] == created
    assert decided(detail["match"]) == ("create", None, OPERATOR_EMAIL)


def test_an_operator_answers_in_the_browser(site: Site, page: Page):
    family = site.families[2]
    client, _ = site.session(OPERATOR_EMAIL)
    error = site.customer_error(client, family.source_id)
    log_in(page, site.url, OPERATOR_EMAIL, PASSWORD)

    page.goto(f"{site.url}/errors/{error['id']}")
    table = page.locator("#same-customer table")
    expect(table.locator("thead")).to_contain_text(f"Customer {family.target_id}")
    expect(table.locator('tr[data-field="name"]')).to_contain_text(family.name)
    expect(table.locator('tr[data-field="name"]')).to_contain_text(family.relative)
    expect(table.locator(f'[data-score="{family.target_id}"]')).to_have_text("1.00")
    expect(table.locator('tr[data-field="reasons"]')).to_contain_text("another member of the")
    expect(page.get_by_role("link", name=re.compile("Matching thresholds"))).to_have_attribute(
        "href", f"/integrations/{NAME}/settings?flow=customers#settings"
    )
    screenshot(page, "duplicate-error")

    page.get_by_role("button", name=f"Same customer as {family.target_id}").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Answered: customer {family.source_id} is the same customer as {family.target_id} "
        "in fortnox. Retried"
    )
    expect(page.get_by_role("status")).to_contain_text("0 still failing")
    expect(page.locator("[data-error-id]")).to_contain_text("resolved")
    expect(page.locator("[data-answer]")).to_contain_text(f"by {OPERATOR_EMAIL}")
    expect(page.get_by_role("button", name=re.compile("Same customer as"))).to_have_count(0)
    screenshot(page, "duplicate-answered")

    page.goto(f"{site.url}/records/{NAME}/customer/{family.source_id}")
    match = page.locator("#customer-match")
    expect(match.locator('[data-figure="match-action"]')).to_have_text(
        f"the same customer as {family.target_id} in fortnox"
    )
    expect(match.locator('[data-figure="decided-by"]')).to_contain_text(OPERATOR_EMAIL)
    expect(match.locator(f'tr[data-target-id="{family.target_id}"]')).to_contain_text("1.00")
    screenshot(page, "record-customer-match")
