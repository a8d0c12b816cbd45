"""Logging in to the dashboard, sessions with CSRF protection, roles, and workspaces that see
only their own data — over real HTTP, on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from brygga.store import Database, RecordError, SecretBox, api_tokens, users
from brygga.store.workspaces import OPERATOR, OWNER, VIEWER, join, workspace_named
from brygga.web.app import create_app
from tests.support.browser import log_in, screenshot
from tests.support.servers import serving
from tests.support.sessions import form_csrf, logged_in
from tests.support.workspaces import a_workspace

PASSWORD = "correct horse battery"


@dataclass
class Site:
    url: str
    db: Database
    error_ids: dict[str, int]  # workspace → the id of an error in its queue

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, follow_redirects=False)

    def logged_in(self, email: str) -> tuple[httpx.Client, str]:
        return logged_in(self.url, email, PASSWORD, follow_redirects=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("home")
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    db.migrate()
    box = SecretBox.from_environment(home)
    error_ids = {name: a_workspace(db, box, name).params["error_id"] for name in ("acme", "globex")}
    with db.session() as session:
        for email, workspace, role in (
            ("owner@acme.test", "acme", OWNER),
            ("viewer@acme.test", "acme", VIEWER),
            ("operator@globex.test", "globex", OPERATOR),
        ):
            user = users.create_user(session, email, PASSWORD)
            join(session, user.id, workspace_named(session, workspace), role)
    with serving(create_app(db, box)) as url:
        yield Site(url, db, error_ids)
    db.dispose()


def test_a_page_without_a_session_goes_to_the_login(site: Site):
    answer = site.client().get("/errors?status=open")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/errors?status=open"


def test_a_wrong_password_or_unknown_user_is_refused_alike(site: Site):
    client = site.client()
    csrf = form_csrf(client.get("/login").text)
    for email, password in (("owner@acme.test", "wrong password"), ("nobody@x.test", PASSWORD)):
        answer = client.post("/login", data={"email": email, "password": password,
                                             "csrf_token": csrf})  # fmt: skip
        assert answer.status_code == 401
        assert "wrong e-mail or password" in answer.text
        assert client.get("/api/alerts").status_code == 401


def test_a_login_form_without_its_csrf_token_is_refused(site: Site):
    client = site.client()
    client.get("/login")
    answer = client.post("/login", data={"email": "owner@acme.test", "password": PASSWORD})
    assert answer.status_code == 403
    assert client.get("/api/alerts").status_code == 401


def test_a_session_needs_its_csrf_token_for_every_change(site: Site):
    client, csrf = site.logged_in("owner@acme.test")
    assert client.get("/api/errors").status_code == 200
    error_id = site.error_ids["acme"]
    skip = f"/api/errors/{error_id}/skip"
    assert client.post(skip, json={"reason": "x"}).status_code == 403
    forged = client.post(skip, json={"reason": "x"}, headers={"X-CSRF-Token": "guessed"})
    assert forged.status_code == 403
    done = client.post(skip, json={"reason": "test"}, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "skipped"
    assert client.post("/logout").status_code == 403  # logging out is a change too
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/api/errors").status_code == 401


def test_a_viewer_reads_but_cannot_retry_or_skip(site: Site):
    client, csrf = site.logged_in("viewer@acme.test")
    headers = {"X-CSRF-Token": csrf}
    assert client.get("/api/errors", params={"status": "all"}).status_code == 200
    error_id = site.error_ids["acme"]
    for path in (f"/api/errors/{error_id}/retry", f"/api/errors/{error_id}/skip",
                 "/api/errors/retry", "/api/integrations/acme/flows/orders/resync"):  # fmt: skip
        answer = client.post(path, json={"ids": ["1"]}, headers=headers)
        assert answer.status_code == 403, (path, answer.text)
        assert "operator" in answer.json()["detail"]


def test_a_workspace_sees_nothing_of_another(site: Site):
    client, csrf = site.logged_in("operator@globex.test")
    headers = {"X-CSRF-Token": csrf}
    listed = client.get("/api/errors", params={"status": "all"}).json()
    assert {row["integration"] for row in listed} == {"globex"}
    acme_error = site.error_ids["acme"]
    assert client.get(f"/api/errors/{acme_error}").status_code == 404
    assert (
        client.post(f"/api/errors/{acme_error}/skip", json={}, headers=headers).status_code == 404
    )
    cursor = client.post("/api/integrations/acme/flows/orders/cursor",
                         json={"since": "2026-01-01T00:00:00+00:00"}, headers=headers)  # fmt: skip
    assert cursor.status_code == 404
    before = status_of(site, acme_error)
    bulk = client.post("/api/errors/skip", json={"integration": "acme"}, headers=headers)
    assert bulk.status_code == 200 and bulk.json() == []
    assert status_of(site, acme_error) == before
    with site.db.session() as session:
        token = api_tokens.issue(session, "globex-scripts", workspace="globex")
    scripted = httpx.get(f"{site.url}/api/errors/{acme_error}",
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert scripted.status_code == 404


def status_of(site: Site, error_id: int) -> str:
    with site.db.session() as session:
        return session.get(RecordError, error_id).status


def test_after_the_login_only_a_local_page_is_opened(site: Site):
    client = site.client()
    csrf = form_csrf(client.get("/login").text)
    for target, expected in (("https://evil.test/x", "/"), ("//evil.test", "/"),
                             ("/errors", "/errors")):  # fmt: skip
        answer = client.post("/login", data={"email": "owner@acme.test", "password": PASSWORD,
                                             "csrf_token": csrf, "next": target})  # fmt: skip
        assert answer.headers["location"] == expected
        csrf = form_csrf(client.get("/login").text)


def test_logging_in_with_a_browser(site: Site, page):
    page.goto(f"{site.url}/login")
    page.get_by_label("E-mail").fill("owner@acme.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert "wrong e-mail or password" in page.get_by_role("alert").inner_text()
    screenshot(page, "login-refused")
    log_in(page, site.url, "owner@acme.test", PASSWORD)
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["brygga_session"]["httpOnly"] is True
    assert cookies["brygga_session"]["sameSite"] == "Lax"


def test_the_first_user_is_made_on_the_command_line(tmp_path: Path):
    env = os.environ | {"BRYGGA_DATABASE_URL": "", "BRYGGA_USER_PASSWORD": ""}
    command = [sys.executable, "-m", "brygga", "user", "create", "ops@shop.test",
               "--workspace", "shop", "--home", str(tmp_path)]  # fmt: skip
    # The password is asked for twice, never taken from the command line.
    done = subprocess.run(command, input=f"{PASSWORD}\n{PASSWORD}\n", capture_output=True,
                          text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ops@shop.test is owner in shop" in done.stderr
    short = subprocess.run([*command[:5], "other@shop.test", *command[6:]], input="short\nshort\n",
                           capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    db = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    try:
        with db.session() as session:
            user = users.authenticate(session, "OPS@shop.test", PASSWORD)
            assert user is not None and PASSWORD not in user.password_hash
            assert user.password_hash.startswith("$argon2id$")
    finally:
        db.dispose()
