"""Alerts a flow raises about itself, and their delivery by webhook and e-mail to real servers
on loopback (an HTTP receiver and an SMTP server, aiosmtpd)."""

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from brygga.engine import alert_delivery, alert_rules
from brygga.sandbox.processes import free_port
from brygga.store import (
    Alert,
    Database,
    Flow,
    Integration,
    RecordError,
    RecordOutcome,
    Run,
)
from brygga.store.alerts import ERROR_QUEUE, SILENT_FLOW

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture
def db(db):
    """The engine tests' integration, its customers flow alerting at 3 open errors."""
    with db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "customers"))
        flow.settings = {"alert_open_errors": 3}
    return db


def flow_id(db: Database, name: str) -> int:
    with db.session() as session:
        return session.scalar(select(Flow.id).where(Flow.name == name))


def check(db: Database, now: datetime = NOW) -> None:
    with db.session() as session:
        alert_rules.check(session, session.scalar(select(Integration)), now)


def open_alerts(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.scalars(select(Alert).where(Alert.resolved_at.is_(None)).order_by(Alert.id))
        return [(alert.kind, alert.message) for alert in rows]


def fail(db: Database, flow: int, source_ids: range) -> None:
    with db.session() as session:
        session.add_all(
            RecordError(flow_id=flow, source_id=str(n), error_class="data", message="no VAT")
            for n in source_ids
        )


def test_a_flow_with_too_many_open_errors_alerts_until_they_are_worked_off(db):
    customers = flow_id(db, "customers")
    fail(db, customers, range(2))
    check(db)
    assert open_alerts(db) == []  # 2 open, the flow's threshold is 3
    fail(db, customers, range(2, 4))
    check(db)
    check(db)  # checked again: still one alert
    ((kind, message),) = open_alerts(db)
    assert kind == ERROR_QUEUE
    assert message == (
        "test: 4 records of customers wait in the error queue (alert at 3); "
        "see `brygga errors list --flow customers`"
    )
    with db.session() as session:
        for row in session.scalars(select(RecordError).where(RecordError.source_id < "2")):
            row.status = "resolved"
    check(db)
    assert open_alerts(db) == []


def test_the_default_threshold_applies_where_the_flow_sets_none(db):
    fail(db, flow_id(db, "orders"), range(alert_rules.DEFAULT_OPEN_ERRORS - 1))
    check(db)
    assert open_alerts(db) == []
    fail(db, flow_id(db, "orders"), range(100, 101))
    check(db)
    assert [kind for kind, _ in open_alerts(db)] == [ERROR_QUEUE]


def test_an_orders_flow_silent_for_a_day_alerts_and_resolves_when_orders_move_again(db):
    orders = flow_id(db, "orders")
    check(db)
    assert open_alerts(db) == []  # never ran: not switched on yet, so not silent
    with db.session() as session:
        run = Run(flow_id=orders, started_at=NOW - timedelta(hours=30), status="succeeded")
        session.add(run)
        session.flush()
        for hours, status in ((26, "created"), (1, "skipped"), (0.5, "failed")):
            session.add(
                RecordOutcome(
                    run_id=run.id,
                    flow_id=orders,
                    source_id="1",
                    status=status,
                    created_at=NOW - timedelta(hours=hours),
                )
            )
    check(db)
    ((kind, message),) = open_alerts(db)  # a skip or a failure is not a record moved
    assert kind == SILENT_FLOW
    assert message == (
        "test: orders has moved no record since 2026-12-06 10:00 UTC, longer than the "
        "24 h expected; check that centra still sends them"
    )
    with db.session() as session:
        session.add(
            RecordOutcome(
                run_id=run.id,
                flow_id=orders,
                source_id="2",
                status="created",
                created_at=NOW - timedelta(minutes=5),
            )
        )
    check(db)
    assert open_alerts(db) == []


def test_silence_is_measured_from_the_first_run_when_nothing_ever_moved(db):
    with db.session() as session:
        session.add(Run(flow_id=flow_id(db, "orders"), started_at=NOW - timedelta(hours=23)))
    check(db)
    assert open_alerts(db) == []
    check(db, NOW + timedelta(hours=2))
    assert [message for _, message in open_alerts(db)] == [
        "test: orders has moved no record since its first run, longer than the 24 h "
        "expected; check that centra still sends them"
    ]


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook_receiver():
    Receiver.received, Receiver.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    # aiosmtpd connects to its own port to see it is up, so it cannot be given port 0.
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_alerts_are_delivered_by_signed_webhook_and_email_once(db, webhook_receiver, smtp_server):
    controller, mailbox = smtp_server
    port = webhook_receiver.server_address[1]
    channels = alert_delivery.Channels.from_environment(
        {
            "BRYGGA_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hooks/brygga",
            "BRYGGA_ALERT_WEBHOOK_SECRET": "whsec-test",
            "BRYGGA_SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
            "BRYGGA_ALERT_EMAIL_TO": "ops@example.se, finance@example.se",
        }
    )
    fail(db, flow_id(db, "customers"), range(3))
    check(db)
    assert alert_delivery.deliver(db, channels) == 1
    assert alert_delivery.deliver(db, channels) == 0  # delivered once

    ((headers, body),) = Receiver.received
    document = json.loads(body)
    assert document["kind"] == ERROR_QUEUE
    assert (document["integration"], document["flow"]) == ("test", "customers")
    timestamp = int(headers["X-Brygga-Signature"].split(",")[0].removeprefix("t="))
    assert headers["X-Brygga-Signature"] == alert_delivery.sign("whsec-test", timestamp, body)

    ((sender, recipients, content),) = mailbox.messages
    assert (sender, recipients) == ("brygga@localhost", ["ops@example.se", "finance@example.se"])
    assert b"3 records of customers wait in the error queue" in content


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_alert_that_could_not_be_delivered_is_sent_later_without_leaking_the_url(
    db, webhook_receiver
):
    url = f"http://127.0.0.1:{webhook_receiver.server_address[1]}/T0001/secret-path"
    channels = alert_delivery.Channels.from_environment({"BRYGGA_ALERT_WEBHOOK_URL": url})
    fail(db, flow_id(db, "customers"), range(3))
    check(db)
    Receiver.status = 503
    assert alert_delivery.deliver(db, channels) == 0
    with db.session() as session:
        alert = session.scalar(select(Alert))
        assert alert.delivered_at is None
        assert "503" in alert.delivery_error and "secret-path" not in alert.delivery_error
    Receiver.status = 200
    assert alert_delivery.deliver(db, channels) == 1
    assert len(Receiver.received) == 2
    with db.session() as session:
        alert = session.scalar(select(Alert))
        assert alert.delivered_at is not None and alert.delivery_error is None


def test_half_configured_email_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="needs both BRYGGA_SMTP_URL and BRYGGA_ALERT_EMAIL_TO"):
        alert_delivery.Channels.from_environment({"BRYGGA_SMTP_URL": "smtp://127.0.0.1:25"})
    with pytest.raises(ValueError, match="must start with smtp://"):
        alert_delivery.Channels.from_environment(
            {"BRYGGA_SMTP_URL": "http://mail", "BRYGGA_ALERT_EMAIL_TO": "ops@example.se"}
        )
