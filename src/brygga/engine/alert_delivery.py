"""Sending raised alerts to people: a webhook (e.g. a chat or on-call tool) and/or e-mail.

Configured from the environment:

- `BRYGGA_ALERT_WEBHOOK_URL`: each alert is POSTed there as JSON. With
  `BRYGGA_ALERT_WEBHOOK_SECRET`, the request carries `X-Brygga-Signature: t=<unix time>,
  v1=<hex HMAC-SHA256 of "<t>.<body>">` so the receiver can check it came from Brygga.
- `BRYGGA_SMTP_URL` (`smtp://user:password@host:port`, `smtp+starttls://...` or `smtps://...`)
  with `BRYGGA_ALERT_EMAIL_TO` (comma-separated) and optionally `BRYGGA_ALERT_EMAIL_FROM`.

An alert counts as delivered when every configured channel took it; until then each call of
`deliver` tries again, so a channel that was down gets the alert later (at least once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.connectors.http import redact
from brygga.store import Database
from brygga.store.tables import Alert, Connection, Flow, Integration, utcnow

log = logging.getLogger("brygga.alerts")

SIGNATURE_HEADER = "X-Brygga-Signature"
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


@dataclass(frozen=True)
class Channels:
    webhook_url: str | None = None
    webhook_secret: str | None = None
    smtp_url: str | None = None
    email_to: tuple[str, ...] = ()
    email_from: str = "brygga@localhost"

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Channels:
        env = os.environ if environ is None else environ
        recipients = env.get("BRYGGA_ALERT_EMAIL_TO", "")
        channels = cls(
            webhook_url=env.get("BRYGGA_ALERT_WEBHOOK_URL") or None,
            webhook_secret=env.get("BRYGGA_ALERT_WEBHOOK_SECRET") or None,
            smtp_url=env.get("BRYGGA_SMTP_URL") or None,
            email_to=tuple(part.strip() for part in recipients.split(",") if part.strip()),
            email_from=env.get("BRYGGA_ALERT_EMAIL_FROM") or cls.email_from,
        )
        if bool(channels.smtp_url) != bool(channels.email_to):
            raise ValueError("alert e-mail needs both BRYGGA_SMTP_URL and BRYGGA_ALERT_EMAIL_TO")
        if channels.smtp_url and urlsplit(channels.smtp_url).scheme not in SMTP_SCHEMES:
            raise ValueError(
                "BRYGGA_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://"
            )
        return channels

    @property
    def any(self) -> bool:
        return bool(self.webhook_url or self.smtp_url)


def deliver(db: Database, channels: Channels) -> int:
    """Send every open alert not yet delivered; returns how many were delivered now. No
    database transaction stays open while a channel is being waited on."""
    if not channels.any:
        return 0
    with db.session() as session:
        waiting = [
            (alert.id, _document(session, alert))
            for alert in session.scalars(
                select(Alert)
                .where(Alert.resolved_at.is_(None), Alert.delivered_at.is_(None))
                .order_by(Alert.id)
            )
        ]
    delivered = 0
    for alert_id, document in waiting:
        failure = _send(channels, document)
        with db.session() as session:
            alert = session.get(Alert, alert_id)
            if failure is not None:
                alert.delivery_error = failure
                log.warning("alert %s not delivered: %s", alert_id, failure)
                continue
            alert.delivered_at, alert.delivery_error = utcnow(), None
        delivered += 1
    return delivered


def _send(channels: Channels, document: dict[str, Any]) -> str | None:
    """None when every configured channel took the alert, else why not (secrets left out)."""
    try:
        if channels.webhook_url:
            _post(channels, document)
        if channels.smtp_url:
            _mail(channels, document)
    except (httpx.HTTPError, OSError, smtplib.SMTPException) as exc:
        return redact(f"{type(exc).__name__}: {exc}", _secrets(channels))
    return None


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _document(session: Session, alert: Alert) -> dict[str, Any]:
    def name(table: type, key: int | None) -> str | None:
        row = session.get(table, key) if key is not None else None
        return row.name if row is not None else None

    return {
        "id": alert.id,
        "kind": alert.kind,
        "message": alert.message,
        "raised_at": alert.raised_at.isoformat(),
        "integration": name(Integration, alert.integration_id),
        "connection": name(Connection, alert.connection_id),
        "flow": name(Flow, alert.flow_id),
    }


def _post(channels: Channels, document: dict[str, Any]) -> None:
    assert channels.webhook_url is not None
    body = json.dumps(document).encode()
    headers = {"Content-Type": "application/json"}
    if channels.webhook_secret:
        headers[SIGNATURE_HEADER] = sign(channels.webhook_secret, int(time.time()), body)
    response = httpx.post(channels.webhook_url, content=body, headers=headers, timeout=10)
    response.raise_for_status()


def _mail(channels: Channels, document: dict[str, Any]) -> None:
    assert channels.smtp_url is not None
    url = urlsplit(channels.smtp_url)
    message = EmailMessage()
    message["Subject"] = f"Brygga alert: {document['message'][:120]}"
    message["From"] = channels.email_from
    message["To"] = ", ".join(channels.email_to)
    message.set_content(
        f"{document['message']}\n\nKind: {document['kind']}\nRaised: {document['raised_at']}\n"
        "See `brygga alerts` for the open alerts.\n"
    )
    client = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    default_port = 465 if url.scheme == "smtps" else 25
    with client(url.hostname or "localhost", url.port or default_port, timeout=10) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def _secrets(channels: Channels) -> list[str]:
    """What an error message must not show: a chat webhook's URL is itself a credential."""
    password = urlsplit(channels.smtp_url).password if channels.smtp_url else None
    return [s for s in (channels.webhook_url, channels.webhook_secret, password) if s]
