"""The operations API over real HTTP, on a Centra + Fortnox integration synced against the
sandboxes: the overview's health and figures, runs with the counts the sync reported and the
HTTP requests (and 429s) the clients counted, record search by order number, e-mail and SKU,
a record's detail with secrets masked, and another workspace seeing none of it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.engine import health
from brygga.engine.integrations import SyncReport, sync
from brygga.store import Connection, Flow, Integration, RecordOutcome, api_tokens
from brygga.store.alerts import ERROR_QUEUE, RECONNECT_REQUIRED, raise_alert, resolve_alerts
from brygga.store.connections import require_reconnect
from brygga.store.workspaces import DEFAULT_WORKSPACE, workspace_named
from brygga.web.app import create_app
from tests.support.integrations import SandboxIntegration, sandbox_integration
from tests.support.servers import serving

NAME = "ops-api"


@dataclass
class Ops:
    url: str
    sandboxes: SandboxIntegration
    report: SyncReport
    token: str  # a viewer of the integration's workspace
    stranger: str  # a token of another workspace

    def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.get(self.url + path, headers=headers, params=params, timeout=60)

    def ok(self, path: str, **params: Any) -> Any:
        answer = self.get(path, **params)
        assert answer.status_code == 200, (path, answer.text)
        return answer.json()

    def latest_run(self, flow: str) -> dict[str, Any]:
        return self.ok("/api/runs", integration=NAME, flow=flow)["runs"][0]


@pytest.fixture(scope="module")
def ops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ops]:
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "8") as sandboxes:
        db, box = sandboxes.db, sandboxes.box
        sandboxes.configure(NAME, "centra-fortnox")
        report = asyncio.run(sync(db, box, NAME))
        assert report.ok and report.flows["orders"].created >= 8, report
        with db.session() as session:
            token = api_tokens.issue(session, "ops-viewer", role="viewer")
            stranger = api_tokens.issue(session, "stranger", workspace="elsewhere", role="owner")
        with serving(create_app(db, box)) as url:
            yield Ops(url, sandboxes, report, token, stranger)


def test_each_run_has_the_counts_and_requests_of_the_sync(ops: Ops):
    listed = ops.ok("/api/runs", integration=NAME, per_page=500)["runs"]
    first_sync = sorted(listed, key=lambda run: run["id"])[: len(ops.report.flows)]
    by_flow = {run["flow"]: run for run in first_sync}
    assert set(by_flow) == set(ops.report.flows)
    for flow, counts in ops.report.flows.items():
        shown = ops.ok(f"/api/runs/{by_flow[flow]['id']}")
        assert shown["status"] == "succeeded" and shown["finished_at"] is not None
        assert {k: shown[k] for k in counts.as_dict()} == counts.as_dict(), flow
        assert shown["duration_seconds"] >= 0
        outcomes = [o for o in shown["outcomes"] if o["status"] != "skipped"]
        assert len(outcomes) == counts.created + counts.updated + counts.failed
    # Every request the two clients made was made by one of the runs.
    made = sum(stats.requests for stats in ops.report.requests.values())
    assert made > 0
    assert sum(run["requests"] for run in by_flow.values()) == made
    assert by_flow["orders"]["requests"] > 0


def test_runs_are_newest_first_paginated_and_filtered(ops: Ops):
    everything = ops.ok("/api/runs")
    assert everything["total"] >= len(ops.report.flows)
    ids = [run["id"] for run in everything["runs"]]
    assert ids == sorted(ids, reverse=True)
    first, second = ops.ok("/api/runs", per_page=2), ops.ok("/api/runs", per_page=2, page=2)
    assert [r["id"] for r in first["runs"] + second["runs"]] == ids[:4]
    assert first["pages"] == -(-everything["total"] // 2)
    assert {r["flow"] for r in ops.ok("/api/runs", flow="orders")["runs"]} == {"orders"}
    assert ops.ok("/api/runs", status="failed")["total"] == 0
    assert ops.get("/api/runs", status="exploded").status_code == 422
    assert ops.get("/api/runs", page=0).status_code == 422
    assert ops.get("/api/runs", integration="nope").status_code == 404
    assert ops.get("/api/runs/999999").status_code == 404
    failed = ops.ok(f"/api/runs/{ops.latest_run('orders')['id']}", outcome="failed")
    assert failed["outcomes"] == [] and failed["outcomes_total"] == 0


def test_a_429_storm_is_counted_on_the_run(ops: Ops):
    centra = ops.sandboxes.shop.base_url
    before = httpx.get(f"{centra}/_sandbox/faults").json()["injected"]["storm"]
    httpx.post(f"{centra}/_sandbox/faults", json={"storm_seconds": 1, "retry_after": 1})
    report = asyncio.run(sync(ops.sandboxes.db, ops.sandboxes.box, NAME, flows=["customers"]))
    assert report.ok, report
    storms = httpx.get(f"{centra}/_sandbox/faults").json()["injected"]["storm"] - before
    run = ops.latest_run("customers")
    assert storms >= 1 and run["rate_limited"] == storms
    assert run["requests"] == sum(stats.requests for stats in report.requests.values())


def test_the_overview_shows_health_and_todays_figures(ops: Ops):
    overview = ops.ok("/api/overview")
    (item,) = overview["integrations"]
    assert item["name"] == NAME and item["pair"] == "centra-fortnox"
    assert [f["name"] for f in item["flows"]] == list(ops.report.flows)
    for flow in item["flows"]:
        assert flow["last_run"]["id"] == ops.latest_run(flow["name"])["id"]
    since = datetime.fromisoformat(overview["today_since"])
    runs = ops.ok("/api/runs", integration=NAME, per_page=500)["runs"]
    today = [r for r in runs if datetime.fromisoformat(r["started_at"]) >= since]
    assert item["moved_today"] == sum(r["created"] + r["updated"] for r in today) > 0
    waiting = ops.ok("/api/errors", integration=NAME)
    assert item["open_errors"] == len(waiting)
    assert item["health"] == ("warning" if waiting else "ok"), item["reasons"]
    budgets = {b["system"]: b for b in item["budgets"]}
    assert set(budgets) == {"centra", "fortnox"}
    assert budgets["fortnox"]["hourly_budget"] == 24 * 3600 // 5  # the client's pace
    assert budgets["centra"]["requests_last_hour"] == sum(r["requests"] for r in runs) > 0
    assert "Fortnox allows 25 requests per 5 s" in budgets["fortnox"]["basis"]


def test_health_follows_pauses_alerts_and_refused_credentials(ops: Ops):
    db = ops.sandboxes.db

    def health() -> tuple[str, list[str]]:
        (item,) = ops.ok("/api/overview")["integrations"]
        return item["health"], item["reasons"]

    with db.session() as session:
        integration = session.scalar(select(Integration).where(Integration.name == NAME))
        integration.paused = True
    state, reasons = health()
    assert state == "warning" and "paused: nothing runs until it is resumed" in reasons
    with db.session() as session:
        integration = session.scalar(select(Integration).where(Integration.name == NAME))
        orders = next(f for f in integration.flows if f.name == "orders")
        raise_alert(session, ERROR_QUEUE, "12 orders wait", integration_id=integration.id,
                    flow_id=orders.id)  # fmt: skip
    assert health()[0] == "needs-attention" and "12 orders wait" in health()[1]
    with db.session() as session:
        erp = session.scalar(select(Connection).where(Connection.system == "fortnox"))
        require_reconnect(session, erp, "invalid_grant")
    assert health()[0] == "reconnect-required"
    with db.session() as session:  # back as it was, for the other tests
        integration = session.scalar(select(Integration).where(Integration.name == NAME))
        integration.paused = False
        orders = next(f for f in integration.flows if f.name == "orders")
        resolve_alerts(session, ERROR_QUEUE, flow_id=orders.id)
        erp = session.scalar(select(Connection).where(Connection.system == "fortnox"))
        erp.status = "active"
        resolve_alerts(session, RECONNECT_REQUIRED, connection_id=erp.id)
    assert health()[0] in ("ok", "warning")


def test_a_flow_whose_last_run_stopped_early_needs_attention(ops: Ops):
    now = datetime.now(UTC)
    with ops.sandboxes.db.session() as session:
        (item,) = health.overview(session, _workspace(session), now)
        integration = session.scalar(select(Integration).where(Integration.name == NAME))
        flows = item.flows
        stopped = replace(flows[1].last_run, status="failed", message="Fortnox answered 503")
        flows[1] = replace(flows[1], last_run=stopped)
        state, reasons = health.judge(integration, flows, 0, [])
        assert state == "needs-attention"
        assert reasons == [f"{flows[1].name}: the last run stopped early: Fortnox answered 503"]
        flows[1] = replace(flows[1], enabled=False)  # switched off since: no longer a concern
        assert health.judge(integration, flows, 0, []) == ("ok", [])


def test_records_are_found_by_order_number_email_and_sku(ops: Ops):
    order = next(
        o for o in ops.ok(f"/api/runs/{ops.latest_run('orders')['id']}")["outcomes"]
        if o["status"] == "created"
    )  # fmt: skip
    hits = ops.ok("/api/records", q=order["source_id"])
    assert hits[0]["entity"] == "order" and hits[0]["source_id"] == order["source_id"]
    assert hits[0]["target_id"] == order["target_id"] and "source id" in hits[0]["matched"]

    detail = ops.ok(f"/api/records/{NAME}/order/{order['source_id']}")
    assert detail["target_id"] == order["target_id"] and detail["link_state"] == "linked"
    (state,) = detail["flows"]
    assert state["flow"] == "orders" and state["status"] == "created"
    payload = detail["source_payload"]
    assert str(payload["number"]) == order["source_id"]

    email = payload["customer"]["email"]
    by_email = ops.ok("/api/records", q=email.upper())
    found = {(h["entity"], h["source_id"]): h for h in by_email}
    customer = found[("customer", str(payload["customer"]["id"]))]
    assert "e-mail" in customer["matched"]
    assert ("order", order["source_id"]) in found
    for (entity, source_id), hit in found.items():
        if "payload" in hit["matched"]:
            shown = ops.ok(f"/api/records/{NAME}/{entity}/{source_id}")
            assert email.lower() in str(shown["source_payload"]).lower()

    sku = payload["lines"][0]["productSize"]["SKU"]
    by_sku = {(h["entity"], h["source_id"]): h for h in ops.ok("/api/records", q=sku)}
    assert ("order", order["source_id"]) in by_sku
    assert by_sku[("stock", sku)]["matched"][0] == "source id"
    stock = ops.ok(f"/api/records/{NAME}/stock/{sku}")
    assert {"entity": "product", "source_id": sku, "flow": "products"} in stock["elsewhere"]

    assert ops.ok("/api/records", q="no-such-thing-anywhere") == []
    assert len(ops.ok("/api/records", limit=5)) == 5  # no search: the latest records
    assert ops.get(f"/api/records/{NAME}/order/no-such-order").status_code == 404
    assert ops.get("/api/records", q="x" * 201).status_code == 422


def test_a_records_payloads_are_shown_with_secrets_masked(ops: Ops):
    with ops.sandboxes.db.session() as session:
        customers = session.scalar(select(Flow).where(Flow.name == "customers"))
        outcome = session.scalars(
            select(RecordOutcome)
            .where(RecordOutcome.flow_id == customers.id)
            .order_by(RecordOutcome.id.desc())
        ).first()
        source_id = outcome.source_id
        # As a shop might send it: a password set on the customer and a stored card.
        outcome.source_payload = outcome.source_payload | {
            "password": "hunter2-secret",
            "payment": {"cardNumber": "4111111111111111", "note": "card 5500 0000 0000 0004"},
        }
    shown = ops.get(f"/api/records/{NAME}/customer/{source_id}")
    assert shown.status_code == 200
    assert "hunter2" not in shown.text and "4111111111111111" not in shown.text
    payload = shown.json()["source_payload"]
    assert payload["password"] == "[redacted]"
    assert payload["payment"] == {"cardNumber": "[redacted]", "note": "card •••• 0004"}
    assert payload["email"]  # the rest as stored


def test_another_workspace_sees_nothing_of_it(ops: Ops):
    run_id = ops.latest_run("orders")["id"]
    stranger = ops.stranger
    assert ops.get("/api/overview", stranger).json()["integrations"] == []
    assert ops.get("/api/runs", stranger).json() == {
        "runs": [], "total": 0, "page": 1, "per_page": 50, "pages": 1
    }  # fmt: skip
    assert ops.get(f"/api/runs/{run_id}", stranger).status_code == 404
    assert ops.get("/api/runs", stranger, integration=NAME).status_code == 404
    assert ops.get("/api/records", stranger).json() == []
    first = ops.ok(f"/api/runs/{run_id}")["outcomes"][0]["source_id"]
    assert ops.get("/api/records", stranger, q=first).json() == []
    assert ops.get(f"/api/records/{NAME}/order/{first}", stranger).status_code == 404
    assert ops.get("/api/overview", "brg_guessed").status_code == 401


def _workspace(session: Session) -> int:
    return workspace_named(session, DEFAULT_WORKSPACE).id
