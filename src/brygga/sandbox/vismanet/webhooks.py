"""The Visma Webhook Dispatcher (fact sheet §5, emulator checklist item 13): a minimal
notification POSTed to the https URL of a Developer Portal subscription whenever the ERP data
changes; the receiver re-GETs the resource.

Sent for publisher "Visma Net Financial" events of the records Brygga reads: "AR Invoice
Changed" for customer invoices and credit notes, "Inventory Item Changed" for items and their
stock. The live payload shape and any signature are not publicly documented (§5, §8), so the
sandbox sends only what a trigger needs, one JSON object per call, unsigned:

    {"notificationId": "<uuid>", "source": "Visma Net Financial", "tenantId": "<company>",
     "entity": "ARInvoice" | "InventoryItem", "event": "Changed", "key": "<number>",
     "documentType": "Invoice" | "CreditNote" (AR documents only), "timestamp": "<UTC, Z>"}

`notificationId` is what the feedback endpoint names (§5). A receiver authenticates the call by
its URL: the subscription URL carries a secret token (docs/connectors/vismanet.md). Settings
(`POST /_sandbox/webhooks`, `url` none turns it off) and delivery as `sandbox.webhook_dispatch`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from brygga.sandbox.vismanet.company import COMPANY_TENANT
from brygga.sandbox.vismanet.documents import CREDIT_NOTE, INVOICE
from brygga.sandbox.webhook_dispatch import DeliverySettings, Dispatcher, Item

SOURCE = "Visma Net Financial"
# Collection → the notification's entity, its key field and (AR documents) document type.
WATCHED = {
    INVOICE.collection: ("ARInvoice", "referenceNumber", INVOICE.document_type),
    CREDIT_NOTE.collection: ("ARInvoice", "referenceNumber", CREDIT_NOTE.document_type),
    "inventory": ("InventoryItem", "inventoryNumber", None),
}


class NotificationSender(Dispatcher[DeliverySettings]):
    def items_for(self, collection: str, key: str, document: Item) -> list[Item]:
        watched = WATCHED.get(collection)
        if watched is None:
            return []
        entity, field, document_type = watched
        notification = {
            "notificationId": str(uuid.uuid4()),
            "source": SOURCE,
            "tenantId": COMPANY_TENANT,
            "entity": entity,
            "event": "Changed",
            "key": str(document.get(field, key)),
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        if document_type:
            notification["documentType"] = document_type
        return [notification]
