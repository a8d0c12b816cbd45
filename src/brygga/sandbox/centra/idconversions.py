"""The ID-conversion table (fact sheet §4.10): external ids of one integration name, per object
type, each mapped to one internal id.

Within an (integration, object type) an external id and an internal id each appear once; a new
entry that collides with existing ones overwrites them. Setting an existing pair again changes
nothing (idempotent). Size entries are created for every integration as
`"<SizeChart.name>|<Size.name>"`, and a Size entry must keep that format. One document per
(integration, object type) in the `idConversions` collection.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from brygga.sandbox.centra.inputs import UserError, Warnings, mutation
from brygga.sandbox.storage import DocumentStore

Document = dict[str, Any]
MAX_EXTERNAL_ID = 255


class IdConversions:
    """Every integration's table, kept in memory and written through to the store."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.tables: dict[tuple[str, str], Document] = {
            (table["integrationName"], table["objectType"]): table
            for table in store.all("idConversions")
        }
        # Entries live inside their table's document; their ids come from one counter.
        self._first_id = 1 + max(
            (entry["id"] for table in self.tables.values() for entry in table["entries"]),
            default=0,
        )

    def set(
        self, integration: str, object_type: str, internal_id: int, external_id: str
    ) -> Document:
        table = self._table(integration, object_type)
        entries = table["entries"]
        for entry in entries:
            if entry["internalId"] == internal_id and entry["externalId"] == external_id:
                return self._shown(entry, table)
        table["entries"] = [
            entry
            for entry in entries
            if entry["internalId"] != internal_id and entry["externalId"] != external_id
        ]
        entry = {
            "id": self.store.next_number("idConversions", self._first_id),
            "internalId": internal_id,
            "externalId": external_id,
        }
        table["entries"].append(entry)
        self.store.put("idConversions", f"{integration}|{object_type}", table)
        return self._shown(entry, table)

    def unset(self, integration: str, object_type: str, ref: Document) -> bool:
        """Remove the entry `ref` names by `id`, `internalId` or `externalId`."""
        table = self.tables.get((integration, object_type))
        if table is None:
            return False
        (key, value), *_ = ref.items()
        kept = [entry for entry in table["entries"] if entry[key] != value]
        if len(kept) == len(table["entries"]):
            return False
        table["entries"] = kept
        self.store.put("idConversions", f"{integration}|{object_type}", table)
        return True

    def internal_id(self, integration: str, object_type: str, external_id: str) -> int | None:
        table = self.tables.get((integration, object_type), {"entries": []})
        for entry in table["entries"]:
            if entry["externalId"] == external_id:
                return entry["internalId"]
        return None

    def entries(self, integration: str, where: Document) -> list[Document]:
        object_type = where.get("objectType")
        external_id = (where.get("externalId") or {}).get("equals")
        return [
            self._shown(entry, table)
            for (name, kind), table in self.tables.items()
            if name == integration and object_type in (None, kind)
            for entry in table["entries"]
            if external_id is None or entry["externalId"] == external_id
        ]

    def _table(self, integration: str, object_type: str) -> Document:
        return self.tables.setdefault(
            (integration, object_type),
            {"integrationName": integration, "objectType": object_type, "entries": []},
        )

    @staticmethod
    def _shown(entry: Document, table: Document) -> Document:
        return {
            **entry,
            "objectType": table["objectType"],
            "integrationName": table["integrationName"],
        }


def size_external_id(store: DocumentStore, size_id: int) -> str | None:
    """`"<SizeChart.name>|<Size.name>"` for a size of a size chart, None for no such size."""
    for chart in store.all("sizeCharts"):
        for size in chart["sizes"]:
            if size["id"] == size_id:
                return f"{chart['name']}|{size['name']}"
    return None


def resolve_id_conversions(
    _root: None, info: GraphQLResolveInfo, where: Document | None = None
) -> list[Document]:
    """Needs no permission, only a token of the integration (§4.10)."""
    context = info.context
    return context.shop.conversions.entries(context.integration_name, where or {})


@mutation()
def resolve_set_id_conversions(
    _root: None, info: GraphQLResolveInfo, input: list[Document]
) -> Document:
    """Batch: bad rows become warnings, the rest are set."""
    context = info.context
    warnings = Warnings()
    entries = []
    for index, item in enumerate(input):
        external_id, internal_id = item["externalId"], item["internalId"]
        path = ("input", index, "externalId")
        if not 0 < len(external_id) <= MAX_EXTERNAL_ID:
            warnings.add(f"externalId must be 1 to {MAX_EXTERNAL_ID} characters.", path)
            continue
        if item["objectType"] == "Size" and external_id != size_external_id(
            context.store, internal_id
        ):
            warnings.add('A Size externalId must be "<SizeChart.name>|<Size.name>".', path)
            continue
        entries.append(
            context.shop.conversions.set(
                context.integration_name, item["objectType"], internal_id, external_id
            )
        )
    return {"entries": entries, "userWarnings": warnings}


@mutation()
def resolve_unset_id_conversions(
    _root: None, info: GraphQLResolveInfo, input: list[Document]
) -> Document:
    context = info.context
    refs = [
        {key: value for key, value in item["idConversion"].items() if value is not None}
        for item in input
    ]
    for index, ref in enumerate(refs):
        if len(ref) != 1:
            raise UserError("Give one of id, internalId or externalId.", ("input", index))
    warnings = Warnings()
    for index, (item, ref) in enumerate(zip(input, refs, strict=True)):
        if not context.shop.conversions.unset(context.integration_name, item["objectType"], ref):
            warnings.add("No such ID conversion entry.", ("input", index, "idConversion"))
    return {"userWarnings": warnings}
