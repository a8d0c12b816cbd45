"""The Visma.net sandbox's webhook dispatcher (fact sheet §5, checklist item 13): a minimal
notification per change of a customer invoice, credit note or inventory item, POSTed to the
configured URL as JSON, nothing once the URL is unset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.support.hooks import Receiver
from tests.support.processes import SandboxProcess, sandbox_fixture
from tests.support.servers import serving

vismanet = sandbox_fixture("vismanet")


def control(sandbox: SandboxProcess, route: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{sandbox.base_url}/_sandbox/{route}", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def receiver(vismanet: SandboxProcess) -> Iterator[tuple[Receiver, str]]:
    found = Receiver()
    with serving(found.app) as url:
        target = f"{url}/hook?token=t0k3n"
        yield found, target
        control(vismanet, "webhooks", {"url": None})


def keys(notifications: list[dict[str, Any]], entity: str, kind: str | None = None) -> set[str]:
    return {
        n["key"]
        for n in notifications
        if n["entity"] == entity and (kind is None or n.get("documentType") == kind)
    }


def test_changes_of_invoices_credit_notes_and_items_are_notified(
    vismanet: SandboxProcess, receiver: tuple[Receiver, str]
):
    hook, target = receiver
    assert control(vismanet, "webhooks", {"url": target})["url"] == target
    made = control(vismanet, "simulate", {"invoices": 2, "credit_notes": 1, "stock_changes": 2})
    invoices, notes, items = (set(made[k]) for k in ("invoices", "credit_notes", "stock_changes"))
    assert invoices and notes and items

    def complete(found: list[dict[str, Any]]) -> bool:
        return (
            invoices <= keys(found, "ARInvoice", "Invoice")
            and notes <= keys(found, "ARInvoice", "CreditNote")
            and items <= keys(found, "InventoryItem")
        )

    found = hook.wait_until(complete)
    assert len({n["notificationId"] for n in found}) == len(found)  # each change its own
    for notification in found:
        assert notification["source"] == "Visma Net Financial" and notification["event"]
        sent = datetime.fromisoformat(notification["timestamp"])
        assert abs((datetime.now(UTC) - sent).total_seconds()) < 60
    headers, _ = hook.calls[0]
    assert headers["content-type"] == "application/json"
    # The path and query of the subscription URL are kept (Brygga's token rides there).
    status = httpx.get(f"{vismanet.base_url}/_sandbox/webhooks").json()
    assert status["delivered"] >= len(found) and status["url"].endswith("?token=t0k3n")


def test_nothing_is_sent_once_the_url_is_unset(
    vismanet: SandboxProcess, receiver: tuple[Receiver, str]
):
    hook, target = receiver
    control(vismanet, "webhooks", {"url": target})
    control(vismanet, "simulate", {"stock_changes": 1})
    hook.wait_until(lambda found: len(found) >= 1)
    control(vismanet, "webhooks", {"url": None})
    before = len(hook.calls)
    control(vismanet, "simulate", {"invoices": 1, "stock_changes": 3})
    control(vismanet, "webhooks", {"url": target})  # turned on again: the last changes not sent
    [item] = control(vismanet, "simulate", {"stock_changes": 1})["stock_changes"]
    found = hook.wait_until(lambda found: len(found) > before)
    assert [n["key"] for n in found[before:]] == [item]


def test_bad_settings_are_refused(vismanet: SandboxProcess):
    answer = httpx.post(f"{vismanet.base_url}/_sandbox/webhooks", json={"retries": 9})
    assert answer.status_code == 422 and "retries" in answer.text
