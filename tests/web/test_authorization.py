"""Authorization over every route the app has, found by walking the app itself (so a new
route is covered, or this test names its missing path parameter):

- a user of workspace A gets 404 or 403 for every API route and page of workspace B, and
  lists show nothing of B;
- a viewer changes nothing: every unsafe API route and page form answers 403;
- a session's form post without its CSRF token is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from brygga.store import (
    Database,
    SecretBox,
    users,
)
from brygga.store.workspaces import OWNER, VIEWER, join, workspace_named
from brygga.web.app import create_app
from tests.support.servers import serving
from tests.support.sessions import logged_in
from tests.support.workspaces import Workspace, a_workspace

PASSWORD = "correct horse battery"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Path parameters that name no record of a workspace: the wizard's steps, and a person (an
# owner adds an existing user to their workspace by e-mail).
NOT_RECORDS = {"side", "email"}


@dataclass
class Site:
    url: str
    app: FastAPI
    mine: Workspace
    theirs: Workspace

    def session(self, email: str) -> tuple[httpx.Client, str]:
        return logged_in(self.url, email, PASSWORD)

    def routes(self) -> list[tuple[str, str, bool]]:
        """(method, path template, is an API route) of every route but the login's and the
        webhooks' (signed by their sender)."""
        found = []
        for route in _every_route(self.app.routes):
            if route.path in ("/login", "/logout") or route.path.startswith("/webhooks"):
                continue
            for method in route.methods - {"HEAD"}:
                found.append((method, route.path, route.path.startswith("/api/")))
        return sorted(found)


def _every_route(routes: list[Any], prefix: str = "") -> Iterator[APIRoute]:
    """The app's routes, through the routers it includes (kept as such by FastAPI)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route if not prefix else route.__class__(prefix + route.path, route.endpoint,
                                                           methods=route.methods)  # fmt: skip
        elif hasattr(route, "original_router"):
            inner = prefix + route.include_context.prefix
            yield from _every_route(route.original_router.routes, inner)


def concrete(path: str, workspace: Workspace) -> str:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    missing = [name for name in names if name not in workspace.params]
    assert not missing, f"{path}: give test_authorization a value for {missing}"
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(workspace.params[m.group(1)]), path)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("home")
    db = Database(f"sqlite:///{home / 'brygga.db'}")
    db.migrate()
    box = SecretBox.from_environment(home)
    mine, theirs = a_workspace(db, box, "acme"), a_workspace(db, box, "globex")
    with db.session() as session:
        for email, workspace, role in (
            ("owner@acme.test", "acme", OWNER),
            ("viewer@acme.test", "acme", VIEWER),
            ("owner@globex.test", "globex", OWNER),
        ):
            user = users.create_user(session, email, PASSWORD)
            join(session, user.id, workspace_named(session, workspace), role)
    app = create_app(db, box)
    with serving(app) as url:
        yield Site(url, app, mine, theirs)
    db.dispose()


def test_nothing_of_another_workspace_is_reached(site: Site):
    client, csrf = site.session("owner@acme.test")
    with_params = [
        (m, p, api) for m, p, api in site.routes() if set(re.findall(r"{(\w+)", p)) - NOT_RECORDS
    ]
    assert len(with_params) >= 10, with_params
    for method, path, _ in with_params:
        url = concrete(path, site.theirs)
        answer = client.request(method, url, headers={"X-CSRF-Token": csrf}, json={},
                                data=None, follow_redirects=False)  # fmt: skip
        assert answer.status_code in (403, 404), (method, url, answer.status_code, answer.text)
        # What only that workspace has (not what the request itself named) is not shown.
        for theirs in ("globex-document-7", "globex's own refusal", "globex-1002"):
            assert theirs not in answer.text, (method, url)
    # The same routes do reach this workspace's own (GET, which changes nothing).
    reached = [
        concrete(path, site.mine)
        for method, path, api in with_params
        if method == "GET" and api
    ]  # fmt: skip
    assert reached and all(client.get(url).status_code == 200 for url in reached), reached


def test_lists_show_only_the_workspace_s_own(site: Site):
    client, _ = site.session("owner@acme.test")
    lists = [path for method, path, _ in site.routes() if method == "GET" and "{" not in path]
    assert len(lists) >= 5, lists
    for path in lists:
        answer = client.get(path)
        assert answer.status_code < 500, (path, answer.text)  # a wizard step may redirect
        assert "globex" not in answer.text, path


def test_a_viewer_changes_nothing(site: Site):
    client, csrf = site.session("viewer@acme.test")
    # Switching to another of one's own workspaces changes no data.
    unsafe = [(m, p) for m, p, _ in site.routes() if m in UNSAFE and p != "/workspace"]
    assert len(unsafe) >= 10, unsafe
    for method, path in unsafe:
        url = concrete(path, site.mine)
        answer = client.request(method, url, headers={"X-CSRF-Token": csrf}, json={},
                                follow_redirects=False)  # fmt: skip
        assert answer.status_code == 403, (method, url, answer.status_code, answer.text)


def test_form_posts_without_the_session_s_csrf_token_are_refused(site: Site):
    client, _ = site.session("owner@acme.test")
    pages = [(m, p) for m, p, api in site.routes() if m in UNSAFE and not api]
    assert pages, "the dashboard has forms"
    for method, path in [*pages, ("POST", "/logout")]:
        url = concrete(path, site.mine)
        for token in (None, "guessed"):
            form = {"csrf_token": token} if token else {}
            answer = client.request(method, url, data=form, follow_redirects=False)
            assert answer.status_code == 403, (method, url, token, answer.text)
