"""The REST API over real HTTP, on a Centra + Fortnox integration whose orders Fortnox refuses
(an inactive sales account) until the setting is fixed: tokens are required on every route;
the error queue is listed, shown, retried (as it was, edited, in bulk) and skipped; a flow is
re-synced by id and its cursor moved back; alerts are listed."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from brygga.engine.integrations import FlowChoice, sync
from brygga.store import Database, api_tokens
from brygga.web.app import create_app
from tests.support.integrations import SandboxIntegration, sandbox_integration
from tests.support.servers import serving

NAME = "api-test"
KNOWN = {"integration": NAME, "flow": "orders"}  # path parameters; any other is given "1"
# 3990 is inactive; an alert when 3 orders wait in the queue.
REFUSING = {"sales_accounts": {"25": 3990, "12": 3990, "6": 3990}, "alert_open_errors": 3}


@dataclass
class Api:
    url: str
    sandboxes: SandboxIntegration
    token: str

    @property
    def db(self) -> Database:
        return self.sandboxes.db

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=120, **kwargs)

    def configure(self, order_settings: dict[str, Any]) -> None:
        flows = {"orders": FlowChoice(settings=order_settings)}
        self.sandboxes.configure(NAME, "centra-fortnox", flows)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "14") as sandboxes:
        db, box = sandboxes.db, sandboxes.box
        with db.session() as session:
            token = api_tokens.issue(session, "ops-scripts")
        with serving(create_app(db, box)) as url:
            found = Api(url, sandboxes, token)
            found.configure(REFUSING)
            report = asyncio.run(sync(db, box, NAME, flows=["customers", "orders"]))
            assert report.flows["orders"].failed >= 4, report
            yield found


def test_every_route_refuses_a_missing_unknown_or_revoked_token(api: Api):
    document = httpx.get(f"{api.url}/api/openapi.json").json()  # the contract itself is public
    routes = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        if path.startswith("/api/")  # webhooks carry their sender's signature instead
        for method in item
    ]
    assert len(routes) >= 8
    with api.db.session() as session:
        revoked = api_tokens.issue(session, "old-laptop")
        api_tokens.revoke(session, "old-laptop")
    for token in (None, "brg_guessed", revoked):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for method, path in routes:
            concrete = re.sub(r"{(\w+)(?::\w+)?}", lambda m: KNOWN.get(m.group(1), "1"), path)
            answer = httpx.request(method, api.url + concrete, headers=headers, json={})
            assert answer.status_code == 401, (method, path, token, answer.text)
            assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_the_error_queue_is_worked_through_the_api(api: Api):
    listed = api.call("GET", "/api/errors", params={"flow": "orders"}).json()
    assert len(listed) >= 4 and {e["class"] for e in listed} == {"data"}
    assert all("account 3990" in e["message"] for e in listed)
    first, skipped, *rest = listed

    shown = api.call("GET", f"/api/errors/{first['id']}").json()
    assert shown["record_type"] == "Order" and shown["record"]["number"] == first["source_id"]
    assert api.call("GET", "/api/errors/999999").status_code == 404

    # As it was: the setting is still wrong, so it fails again and counts an attempt.
    again = api.call("POST", f"/api/errors/{first['id']}/retry").json()
    assert again["status"] == "failed"
    assert api.call("GET", f"/api/errors/{first['id']}").json()["attempts"] == 2

    # An edit that is not a valid order is refused with the reason and changes nothing.
    broken = shown["record"] | {"lines": "not a list"}
    refused = api.call("POST", f"/api/errors/{first['id']}/retry", json={"record": broken})
    assert refused.status_code == 422 and "is not valid" in refused.json()["detail"]
    assert api.call("GET", f"/api/errors/{first['id']}").json()["edited_record"] is None

    skip = api.call("POST", f"/api/errors/{skipped['id']}/skip", json={"reason": "by hand"})
    assert skip.json()["status"] == "skipped" and skip.json()["resolution"] == "skipped: by hand"

    alerts = api.call("GET", "/api/alerts").json()
    assert [a["kind"] for a in alerts] == ["error_queue"]

    api.configure({})  # the operator fixes sales_accounts, then retries the rest in bulk
    bulk = api.call("POST", "/api/errors/retry", json={"flow": "orders", "class": "data"})
    assert bulk.status_code == 200, bulk.text
    assert sorted(r["source_id"] for r in bulk.json()) == sorted(
        e["source_id"] for e in [first, *rest]
    )
    assert {r["status"] for r in bulk.json()} == {"created"}
    assert api.call("GET", "/api/errors").json() == []
    resolved = api.call("GET", "/api/errors", params={"status": "resolved"}).json()
    assert len(resolved) == len(listed) - 1
    assert api.call("POST", "/api/errors/retry", json={"colour": "red"}).status_code == 422


def test_a_flow_is_replayed_through_the_api(api: Api):
    done = api.call("POST", f"/api/integrations/{NAME}/flows/customers/resync",
                    json={"ids": ["1", "no-such-customer"]})  # fmt: skip
    assert done.status_code == 200, done.text
    body = done.json()
    assert [(r["source_id"], r["status"]) for r in body["records"]] == [("1", "updated")]
    assert body["missing"] == ["no-such-customer"]
    unknown = api.call("POST", "/api/integrations/nope/flows/orders/resync", json={"ids": ["1"]})
    assert unknown.status_code == 404

    path = f"/api/integrations/{NAME}/flows/orders/cursor"
    moved = api.call("POST", path, json={"since": "2020-01-01T00:00:00+00:00"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["before"] is not None
    forward = api.call("POST", path, json={"since": "2999-01-01T00:00:00+00:00"})
    assert forward.status_code == 422 and "only moves back" in forward.json()["detail"]
    naive = api.call("POST", path, json={"since": "2020-01-01T00:00:00"})
    assert naive.status_code == 422
