"""Adobe Commerce Webhooks (fact sheet §5; Commerce 2.4.4+ only, off unless a target is set, as
Magento Open Source has none): a call `{"eventName": <method>, "data": {<object>: {...}}}` for
each save of an order, invoice, credit memo, product or customer, with the fields a hook
configuration would send (ids and `updated_at`), the receiver re-reading the record.

Signature verification (admin: Stores > Configuration > Adobe Services > Webhooks, "Regenerate
key pair"): the header `x-adobe-commerce-webhook-signature` is base64 of an RSA-SHA256
signature over the base64 of the body. The sandbox makes the key pair when first asked and
keeps it in the store; `GET /_sandbox/webhooks` shows the public key as the admin does, and
`{"signed": false}` turns signing off. The live calls are synchronous and not retried; the
sandbox sends them from the background (`sandbox.webhook_dispatch`) so a save never waits.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import Field

from brygga.sandbox.storage import DocumentStore
from brygga.sandbox.webhook_dispatch import DeliverySettings, Dispatcher, Item

SIGNATURE_HEADER = "x-adobe-commerce-webhook-signature"
KEY_META = "webhook_private_key"
# Collection → (webhook method, object name in `data`, the fields a hook sends of it).
WATCHED = {
    "orders": (
        "observer.sales_order_save_after",
        "order",
        ("entity_id", "increment_id", "state", "status", "updated_at"),
    ),
    "invoices": (
        "observer.sales_order_invoice_save_after",
        "invoice",
        ("entity_id", "order_id", "state", "updated_at"),
    ),
    "creditmemos": (
        "observer.sales_order_creditmemo_save_after",
        "creditmemo",
        ("entity_id", "order_id", "updated_at", "created_at"),
    ),
    "products": ("observer.catalog_product_save_after", "product", ("sku", "updated_at")),
    "customers": ("observer.customer_save_after_data_object", "customer", ("id", "updated_at")),
}


class CommerceWebhookSettings(DeliverySettings):
    signed: bool = Field(True, description="send the signature header")


def sign(private_key: rsa.RSAPrivateKey, body: bytes) -> str:
    """The signature header's value for `body`."""
    signature = private_key.sign(base64.b64encode(body), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


class CommerceWebhooks(Dispatcher[CommerceWebhookSettings]):
    settings_type = CommerceWebhookSettings

    def __init__(self, store: DocumentStore, seed: int) -> None:
        super().__init__(store, seed)
        saved = store.get_meta(KEY_META)
        if saved is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            saved = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            store.set_meta(KEY_META, saved)
        loaded = serialization.load_pem_private_key(saved.encode(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        self.private_key = loaded

    @property
    def public_key(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def status(self) -> dict[str, Any]:
        return super().status() | {"public_key": self.public_key}

    def headers(self, settings: CommerceWebhookSettings, body: bytes) -> dict[str, str]:
        headers = super().headers(settings, body)
        if settings.signed:
            headers[SIGNATURE_HEADER] = sign(self.private_key, body)
        return headers

    def items_for(self, collection: str, key: str, document: Item) -> list[Item]:
        watched = WATCHED.get(collection)
        if watched is None:
            return []
        method, name, fields = watched
        sent = {field: document[field] for field in fields if document.get(field) is not None}
        return [{"eventName": method, "data": {name: sent}}]
