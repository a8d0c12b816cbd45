"""The GraphQL events queue (fact sheet §5.1): listeners and one queue per integration name.

A change is queued for every integration listening to its object and change type at that
moment. `events` answers the oldest unconfirmed events; `confirmEvents` takes them off the
queue; `unsetEventListeners` also drops the queued events of the types it removes. Events are
kept in the store (`events`, `eventListeners`), queued ones also in memory by integration.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.inputs import Warnings, mutation
from brygga.sandbox.centra.queries import checked_limit
from brygga.sandbox.centra.scalars import now, stored_time
from brygga.sandbox.storage import DocumentStore

Document = dict[str, Any]
DTC_STORE = {"id": 1, "name": "Retail", "type": "DIRECT_TO_CONSUMER"}  # the demo's one store
CHANGE_TYPES = ("CREATED", "UPDATED", "DELETED", "COMPLETED", "DEPENDENT_DATA_CHANGED")
# Where an event's `object` is read from; orders are referenced by number (§4.10).
COLLECTIONS = {
    "Product": "products",
    "ProductVariant": "productVariants",
    "ProductSize": "productSizes",
    "Pricelist": "pricelists",
    "Shipment": "shipments",
    "Return": "returns",
    "StockChange": "stockChanges",
}
# The member of the `EventObject` union each object type answers with.
TYPENAMES = {
    "Order": "DirectToConsumerOrder",
    "Shipment": "DirectToConsumerShipment",
    "Return": "DirectToConsumerReturn",
}


class EventQueues:
    """The listeners and queued events of every integration name."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.listeners: dict[str, Document] = {
            d["integrationName"]: d for d in store.all("eventListeners")
        }
        self.queued: dict[str, dict[int, Document]] = {}
        for event in store.all("events"):
            if event["status"] == "QUEUED":
                self.queued.setdefault(event["integrationName"], {})[event["id"]] = event

    def record(
        self, object_type: str, change_type: str, reference: str, store_id: int | None
    ) -> None:
        for integration, document in self.listeners.items():
            listener = document["listeners"].get(object_type)
            if listener is None or change_type not in listener["changeTypes"]:
                continue
            number = self.store.next_number("events")
            event = {
                "id": number,
                "integrationName": integration,
                "objectType": object_type,
                "changeType": change_type,
                "objectReference": reference,
                "createdAt": stored_time(now()),
                "storeId": store_id,
                "status": "QUEUED",
            }
            self.store.put("events", str(number), event)
            self.queued.setdefault(integration, {})[number] = event

    def pending(self, integration: str, where: Document, limit: int) -> list[Document]:
        """The oldest queued events that pass the filter."""
        found = []
        for event in self.queued.get(integration, {}).values():
            if _matches(event, where):
                found.append(event)
                if len(found) == limit:
                    break
        return found

    def confirm(self, integration: str, ids: list[int], warnings: Warnings) -> None:
        queue = self.queued.get(integration, {})
        for index, number in enumerate(ids):
            event = queue.pop(number, None)
            if event is None:
                warnings.add(f"Event {number} is not queued.", ("input", "eventsIds", index))
                continue
            self._close(event, "CONFIRMED")

    def set_listeners(self, integration: str, inputs: list[Document]) -> list[Document]:
        """Additive: change types are added to an object type's listener (§5.1)."""
        document = self.listeners.setdefault(
            integration, {"integrationName": integration, "listeners": {}}
        )
        time = stored_time(now())
        for item in inputs:
            wanted = item.get("changeTypes") or CHANGE_TYPES
            listener = document["listeners"].setdefault(
                item["objectType"],
                {
                    "objectType": item["objectType"],
                    "changeTypes": [],
                    "createdAt": time,
                    "updatedAt": time,
                },
            )
            added = [change for change in wanted if change not in listener["changeTypes"]]
            if added:
                listener["changeTypes"] = [
                    c for c in CHANGE_TYPES if c in listener["changeTypes"] + added
                ]
                listener["updatedAt"] = time
        self.store.put("eventListeners", integration, document)
        return self.listing(integration)

    def listing(self, integration: str) -> list[Document]:
        document = self.listeners.get(integration) or {"listeners": {}}
        listeners = document["listeners"].values()
        return [{**listener, "integrationName": integration} for listener in listeners]

    def unset_listeners(self, integration: str, inputs: list[Document]) -> list[Document]:
        """Removes change types (all when none are given) and their queued events."""
        document = self.listeners.get(integration)
        if document is None:
            return []
        affected = []
        for item in inputs:
            listener = document["listeners"].get(item["objectType"])
            if listener is None:
                continue
            removed = set(item.get("changeTypes") or CHANGE_TYPES)
            listener["changeTypes"] = [c for c in listener["changeTypes"] if c not in removed]
            listener["updatedAt"] = stored_time(now())
            if listener["changeTypes"]:
                affected.append({**listener, "integrationName": integration})
            else:
                del document["listeners"][item["objectType"]]
            queue = self.queued.get(integration, {})
            for event in list(queue.values()):
                if event["objectType"] == item["objectType"] and event["changeType"] in removed:
                    self._close(queue.pop(event["id"]), "DROPPED")
        self.store.put("eventListeners", integration, document)
        return affected

    def _close(self, event: Document, status: str) -> None:
        event["status"] = status
        self.store.put("events", str(event["id"]), event)


def _matches(event: Document, where: Document) -> bool:
    for field in ("objectType", "changeType"):
        wanted = where.get(field)
        if wanted is not None and event[field] not in wanted:
            return False
    store_id = where.get("storeId")
    # Markets are not modelled, so no event matches a market filter.
    return (store_id is None or event["storeId"] == store_id) and where.get("marketId") is None


def resolve_events(
    _root: None, info: GraphQLResolveInfo, where: Document | None = None, limit: int | None = None
) -> list[Document]:
    info.context.require("Event:read", info)
    context = info.context
    return context.shop.events.pending(context.integration_name, where or {}, checked_limit(limit))


def resolve_event_listeners(_root: None, info: GraphQLResolveInfo) -> list[Document]:
    info.context.require("Event:read", info)
    return info.context.shop.events.listing(info.context.integration_name)


def resolve_event_object(event: Document, info: GraphQLResolveInfo) -> Document | None:
    """The object's current state, null once deleted (§5.1)."""
    if event["changeType"] == "DELETED":
        return None
    shop = info.context.shop
    reference = event["objectReference"]
    object_type = event["objectType"]
    if object_type == "Order":
        document = shop.order_by_number(int(reference))
    else:
        document = shop.store.get(COLLECTIONS[object_type], reference)
    if document is None or "deletedAt" in document:
        return None
    return {**document, "__typename": TYPENAMES.get(object_type, object_type)}


def resolve_event_object_type(value: Document, _info: GraphQLResolveInfo, _type: Any) -> str:
    return value["__typename"]


def resolve_event_store(event: Document, _info: GraphQLResolveInfo) -> Document | None:
    return None if event["storeId"] is None else DTC_STORE


@mutation("Event:write")
def resolve_set_event_listeners(
    _root: None, info: GraphQLResolveInfo, input: list[Document]
) -> Document:
    context = info.context
    return {"eventListeners": context.shop.events.set_listeners(context.integration_name, input)}


@mutation("Event:write")
def resolve_unset_event_listeners(
    _root: None, info: GraphQLResolveInfo, input: list[Document]
) -> Document:
    context = info.context
    return {"eventListeners": context.shop.events.unset_listeners(context.integration_name, input)}


@mutation("Event:write")
def resolve_confirm_events(_root: None, info: GraphQLResolveInfo, input: Document) -> Document:
    warnings = Warnings()
    context = info.context
    context.shop.events.confirm(context.integration_name, input["eventsIds"], warnings)
    return {"userWarnings": warnings}
