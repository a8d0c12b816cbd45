"""Receiving Adobe Commerce Webhooks (magento.md §5; Adobe Commerce 2.4.4+ only, Magento Open
Source has none and is polled): synchronous calls `{"eventName": ..., "data": {...}}` made as
a record is saved. Brygga uses them as triggers: the record is read again through the REST API.

With signature verification enabled in the admin, Commerce sends
`x-adobe-commerce-webhook-signature`: base64 of an RSA-SHA256 signature over the base64 of the
request body, made with its private key; Brygga checks it with the public key the admin shows
(the connection's `webhook_public_key`). The signature covers no time, so a call is judged
stale by the saved record's own `updated_at` (or `created_at`) in the signed body, and a
replayed call (the same body) is taken into the inbox once."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_HEADER = "x-adobe-commerce-webhook-signature"
# The calls are synchronous (made while the record is saved, never retried later).
STALE_AFTER_SECONDS = 300
SUCCESS = {"op": "success"}  # the answer Commerce expects (§5)


class WebhookRefused(Exception):
    """A call that is not verifiably this store's, now: unsigned, forged or stale."""


@dataclass(frozen=True)
class WebhookCall:
    event_id: str  # a hash of the body: the same call delivered again is the same event
    topic: str  # the webhook method, e.g. "observer.sales_order_save_after"
    payload: dict[str, Any]


def verify(public_key: str, header: str | None, body: bytes) -> None:
    """Accept the call only if `header` is the store's signature of this body."""
    if not header:
        raise WebhookRefused(f"unsigned: no {SIGNATURE_HEADER} header")
    key = serialization.load_pem_public_key(public_key.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise WebhookRefused("webhook_public_key is not an RSA public key")
    try:
        signature = base64.b64decode(header, validate=True)
        key.verify(signature, base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, InvalidSignature):
        raise WebhookRefused("the signature does not match the body and the key") from None


def call(body: bytes, now: datetime) -> WebhookCall:
    """The call a verified body holds. ValueError for a body that is not one; WebhookRefused
    for a stale one."""
    try:
        found = json.loads(body)
    except ValueError as exc:
        raise ValueError(f'expected JSON {{"eventName": ..., "data": ...}} ({exc})') from None
    if not isinstance(found, dict) or not isinstance(found.get("eventName"), str):
        raise ValueError('expected JSON {"eventName": ..., "data": ...}')
    data = found.get("data")
    for record in data.values() if isinstance(data, dict) else ():
        _check_fresh(record, now)
    return WebhookCall(hashlib.sha256(body).hexdigest(), found["eventName"], found)


def _check_fresh(record: Any, now: datetime) -> None:
    """Commerce dates are `YYYY-MM-DD HH:MM:SS`, always UTC (§3)."""
    if not isinstance(record, dict):
        return
    stamp = record.get("updated_at") or record.get("created_at")
    try:
        saved = datetime.fromisoformat(str(stamp)).replace(tzinfo=UTC)
    except ValueError:
        return  # no time to judge by: the signature and the inbox stand alone
    age = (now - saved).total_seconds()
    if abs(age) > STALE_AFTER_SECONDS:
        raise WebhookRefused(f"stale: the record was saved {int(age)} s before the call arrived")
