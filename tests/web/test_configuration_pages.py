"""The configuration pages over real HTTP and in a browser, on a Centra + Visma.net
integration whose orders of one SKU fail because Visma.net does not know that item: what each
role sees and may do, another workspace's 404s, form posts without the CSRF token refused, a
wrong setting re-shown with its reason, time history; and in Chromium the operator's fix:
the error's link to the value maps, a mapping added, previewed, the errors retried, resolved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, expect

from brygga.web.app import create_app
from tests.support.browser import log_in, screenshot
from tests.support.configuration import NAME, PASSWORD, Broken, broken_integration
from tests.support.servers import serving
from tests.support.sessions import logged_in

BUTTON = re.compile(r"<button[^>]*>([^<]+)</button>")


@dataclass
class Site:
    url: str
    broken: Broken

    def visitor(self, role: str) -> httpx.Client:
        """A logged-in session of the role's user (the CSRF token in `.csrf`)."""
        client, csrf = logged_in(self.url, self.broken.emails[role], PASSWORD)
        client.csrf = csrf  # type: ignore[attr-defined]
        return client

    def first_error(self) -> int:
        client = self.visitor("viewer")
        return int(re.search(r'data-error-id="(\d+)"', client.get("/errors").text).group(1))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with broken_integration(tmp_path_factory, "pages") as broken:
        sandboxes = broken.sandboxes
        with serving(create_app(sandboxes.db, sandboxes.box)) as url:
            yield Site(url, broken)


def pages(site: Site) -> list[str]:
    return [
        "/errors",
        f"/errors/{site.first_error()}",
        "/alerts?resolved=true",
        f"/integrations/{NAME}",
        f"/integrations/{NAME}/settings?flow=orders",
        f"/integrations/{NAME}/history",
        "/connections/centra",
    ]


# Buttons by the least role that sees them (a viewer's only are these).
VIEWER_BUTTONS = {"Filter", "Log out"}
OPERATOR_BUTTONS = {"Retry", "Skip", "Retry all shown", "Run now", "Dry run", "Pause",
                    "Reconcile orders", "Preview", "Move cursor back", "Re-sync",
                    "Test connection", "Retry with edits"}  # fmt: skip
OWNER_BUTTONS = {"Save settings", "Add mapping", "Save credentials", "Switch off"}


def buttons(client: httpx.Client, paths: list[str]) -> set[str]:
    return {found for path in paths for found in BUTTON.findall(client.get(path).text)}


def test_every_page_shows_to_a_viewer_without_an_action(site: Site):
    viewer = site.visitor("viewer")
    seen = ""
    for path in pages(site):
        answer = viewer.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
        seen += answer.text
    assert site.broken.sku in seen  # the message that says what is missing
    assert f"/integrations/{NAME}/settings?flow=orders#value_maps" in seen
    assert set(BUTTON.findall(seen)) == VIEWER_BUTTONS
    assert site.broken.sandboxes.shop.credentials()["token"] not in seen


def test_an_operator_sees_what_they_may_do_and_an_owner_the_settings(site: Site):
    paths = pages(site)
    assert buttons(site.visitor("operator"), paths) == VIEWER_BUTTONS | OPERATOR_BUTTONS
    owner = buttons(site.visitor("owner"), paths)
    assert owner == VIEWER_BUTTONS | OPERATOR_BUTTONS | OWNER_BUTTONS


def test_another_workspace_gets_404_for_every_page_of_this_one(site: Site):
    other = site.visitor("other")
    for path in pages(site):
        if path.startswith(("/errors?", "/alerts")) or path == "/errors":  # lists: empty
            assert "data-error-id" not in other.get(path).text
            assert "data-alert-id" not in other.get(path).text
        else:
            assert other.get(path).status_code == 404, path
    error_id = site.first_error()
    posts = [f"/errors/{error_id}/retry", f"/integrations/{NAME}/pause",
             f"/integrations/{NAME}/settings", f"/integrations/{NAME}/history/resync"]  # fmt: skip
    form = {"csrf_token": other.csrf, "flow": "orders", "paused": "true", "ids": "1"}
    for path in posts:
        assert other.post(path, data=form).status_code == 404, path


def test_form_posts_without_the_csrf_token_or_by_a_viewer_are_refused(site: Site):
    owner, viewer = site.visitor("owner"), site.visitor("viewer")
    error_id = site.first_error()
    posts = {
        f"/errors/{error_id}/retry": {},
        f"/errors/{error_id}/skip": {},
        "/errors/retry": {},
        f"/integrations/{NAME}/pause": {"paused": "true"},
        f"/integrations/{NAME}/flows/orders/enabled": {"enabled": "false"},
        f"/integrations/{NAME}/flows/orders/run": {},
        f"/integrations/{NAME}/reconcile": {},
        f"/integrations/{NAME}/settings": {"flow": "orders", "settings": "{}"},
        f"/integrations/{NAME}/settings/value-maps": {"flow": "orders", "path": "lines.sku",
                                                      "from_value": "A", "to_value": "B"},
        f"/integrations/{NAME}/settings/preview": {"flow": "orders", "source_id": "1"},
        f"/integrations/{NAME}/history/cursor": {"flow": "orders", "since": "2020-01-01T00:00"},
        f"/integrations/{NAME}/history/resync": {"flow": "orders", "ids": "1"},
        "/connections/centra/test": {},
        "/connections/centra/credentials": {"credentials": "{}"},
    }  # fmt: skip
    for path, form in posts.items():
        refused = owner.post(path, data=form)
        assert refused.status_code == 403 and "CSRF" in refused.text, path
        by_viewer = viewer.post(path, data=form | {"csrf_token": viewer.csrf})
        assert by_viewer.status_code == 403 and "needs the" in by_viewer.text, path
    shown = owner.get(f"/integrations/{NAME}").text
    assert "paused</span>" not in shown and 'data-enabled="false"' not in shown
    assert len(re.findall(r'data-error-id="', owner.get("/errors").text)) == len(
        site.broken.failed_orders
    )


def test_wrong_settings_are_shown_again_with_the_reason_and_nothing_is_saved(site: Site):
    owner = site.visitor("owner")
    path = f"/integrations/{NAME}/settings"
    typed = '{"release_documents": "yes"}'
    answer = owner.post(path, data={"csrf_token": owner.csrf, "flow": "payments",
                                    "settings": typed, "enabled": "true"})  # fmt: skip
    assert answer.status_code == 422
    assert (
        "takes true or false" in answer.text and "release_documents&#34;: &#34;yes" in answer.text
    )
    broken_json = owner.post(path, data={"csrf_token": owner.csrf, "flow": "payments",
                                         "settings": "{oops", "enabled": "true"})  # fmt: skip
    assert broken_json.status_code == 422 and "not valid JSON" in broken_json.text
    assert "release_documents" not in owner.get(f"{path}?flow=payments").text.split("Defaults")[0]


def test_an_edit_that_is_not_a_valid_record_is_refused_and_the_error_kept(site: Site):
    operator = site.visitor("operator")
    error_id = site.first_error()
    path = f"/errors/{error_id}/retry"
    for record, says in [("{oops", "not valid JSON"), ('{"lines": "none"}', "is not valid")]:
        answer = operator.post(path, data={"csrf_token": operator.csrf, "record": record})
        assert answer.status_code == 303
        shown = operator.get(answer.headers["location"]).text
        assert says in shown and 'class="notice failed"' in shown, shown
    page = operator.get(f"/errors/{error_id}").text
    assert "(edited)" not in page and re.search(r"\b1 attempt\b", page)


def test_time_history_moves_a_cursor_back_and_resyncs_records(site: Site):
    operator = site.visitor("operator")
    base = f"/integrations/{NAME}/history"
    moved = operator.post(f"{base}/cursor", data={"csrf_token": operator.csrf, "flow": "orders",
                                                  "since": "2020-01-01T00:00"})  # fmt: skip
    assert moved.status_code == 303
    assert "cursor moved back from" in operator.get(base).text
    forward = operator.post(
        f"{base}/cursor",
        data={"csrf_token": operator.csrf, "flow": "orders", "since": "2999-01-01T00:00"},
    )
    assert "only moves back" in operator.get(forward.headers["location"]).text
    done = operator.post(
        f"{base}/resync",
        data={"csrf_token": operator.csrf, "flow": "customers", "ids": "1\nno-such"},
    )
    assert done.status_code == 200
    assert re.search(r'data-source-id="1" data-status="(updated|skipped)"', done.text), done.text
    assert "Not found in the source: no-such" in done.text


def test_an_operator_fixes_a_missing_sku_in_the_browser(site: Site, page: Page):
    sku, spare = site.broken.sku, site.broken.spare
    log_in(page, site.url, site.broken.emails["owner"], PASSWORD)
    page.goto(f"{site.url}/errors?flow=orders")
    rows = page.locator("tr[data-error-id]")
    expect(rows).to_have_count(len(site.broken.failed_orders))
    first = rows.first
    expect(first.locator("td.message")).to_contain_text(sku)
    screenshot(page, "errors")
    error_id = first.get_attribute("data-error-id")
    number = first.get_attribute("data-source-id")

    page.goto(f"{site.url}/errors/{error_id}")
    expect(page.get_by_label("Record (JSON")).to_contain_text(sku)
    screenshot(page, "error")

    page.get_by_role("link", name="Map the value").click()
    expect(page).to_have_url(re.compile(r"/settings\?flow=orders#value_maps$"))
    page.get_by_label("Field").fill("lines.sku")
    page.get_by_label("Shop value").fill(sku)
    page.get_by_label("Written as").fill(spare)
    page.get_by_role("button", name="Add mapping").click()
    expect(page.get_by_role("status")).to_contain_text(f"Mapping added: lines.sku {sku} → {spare}")
    expect(page.locator(f'#value_maps tr[data-from="{sku}"]')).to_contain_text(spare)

    page.get_by_label("Record to preview").fill(number)
    page.get_by_role("button", name="Preview").click()
    planned = page.locator(f'#planned tr[data-source-id="{number}"]')
    expect(planned).to_have_attribute("data-action", "create")
    expect(planned.locator("pre")).to_contain_text(spare)
    screenshot(page, "settings")

    page.goto(f"{site.url}/errors?flow=orders")
    page.get_by_role("button", name="Retry all shown").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"{len(site.broken.failed_orders)} resolved, 0 still failing"
    )
    expect(page.locator("tr[data-error-id]")).to_have_count(0)
    page.goto(f"{site.url}/errors?flow=orders&status=resolved")
    expect(page.locator('tr[data-status="resolved"]')).to_have_count(len(site.broken.failed_orders))

    others = {
        "alerts": "/alerts?resolved=true",
        "integration": f"/integrations/{NAME}",
        "history": f"/integrations/{NAME}/history",
        "connection": "/connections/centra",
    }
    for name, path in others.items():
        page.goto(site.url + path)
        screenshot(page, name)
    page.goto(f"{site.url}/integrations/{NAME}")
    page.get_by_role("button", name="Dry run orders").click()
    expect(page.locator("#ran")).to_contain_text("Dry run of orders")
    screenshot(page, "integration-dry-run")
