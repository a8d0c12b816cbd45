"""Where the Fortnox sandbox knowingly differs from Fortnox's OpenAPI document, in one place.

The document (`shared/specs/fortnox-openapi-3.json`, see `shared/specs/README.md`) is reference
data and is never edited; tests validate the sandbox's real traffic against `patched(spec)`.
Each entry says what the document says, what the live API (and so the sandbox) does and where
that is known from: the fact sheet's §7 table or recorded live responses in the public
repository `accodeing/fortnox-api` (`spec/vcr_cassettes/...`). Entries without a patch need none
for validation to pass (the document allows extra keys and does not cover the feature) and are
checked by the tests directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Spec = dict[str, Any]


@dataclass(frozen=True)
class Deviation:
    spec_says: str
    live_does: str
    source: str
    patch: Callable[[Spec], None] | None = None


def _schema(spec: Spec, name: str) -> Spec:
    return spec["components"]["schemas"][name]


def _json_request_bodies(spec: Spec) -> None:
    for path in spec["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "*/*" in content:
                content["application/json"] = content.pop("*/*")


def _nullable(spec: Spec) -> None:
    for schema in spec["components"]["schemas"].values():
        for prop in schema.get("properties", {}).values():
            if "$ref" not in prop:
                prop["nullable"] = True
                if "enum" in prop:
                    prop["enum"] = [*prop["enum"], None]


def _array_response(path: str) -> Callable[[Spec], None]:
    """A patch: the GET of `path` answers an array of what the document declares."""

    def patch(spec: Spec) -> None:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        content["schema"] = {"type": "array", "items": content["schema"]}

    return patch


def _live_enum_values(spec: Spec) -> None:
    _schema(spec, "fortnox_Invoice")["properties"]["PaymentWay"]["enum"].append("")
    for name in ("Invoice", "Offer", "Order"):
        prop = _schema(spec, "fortnox_Customer_DefaultDeliveryTypes")["properties"][name]
        prop["enum"].append("ELECTRONICINVOICE")


def _invoice_live_types(spec: Spec) -> None:
    invoice = _schema(spec, "fortnox_Invoice")["properties"]
    invoice["ContractReference"] = {"type": "string"}
    for name in ("InvoicePeriodStart", "InvoicePeriodEnd"):
        invoice[name].pop("format")
    _schema(spec, "fortnox_InvoiceListItem")["properties"]["CurrencyRate"] = {"type": "string"}


def _text_article_numbers(spec: Spec) -> None:
    for operation in spec["paths"]["/3/articles/{ArticleNumber}"].values():
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "ArticleNumber":
                parameter["schema"] = {"type": "string"}


def _price_date(spec: Spec) -> None:
    _schema(spec, "fortnox_Price")["properties"]["Date"].pop("format")


def _price_list_response(spec: Spec) -> None:
    response = spec["paths"]["/3/prices"]["get"]["responses"]["200"]
    response["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/fortnox_PriceListItem_List"
    }


RECORDED = "recorded live responses (accodeing/fortnox-api)"
DEVIATIONS = (
    Deviation("117 request bodies are declared `*/*`", "JSON bodies", "§7", _json_request_bodies),
    Deviation(
        "`GET /api/warehouse/status-v1/stockbalance` returns one `warehouse_StockBalance`",
        "returns an array of them",
        "§4.8, §7",
        _array_response("/api/warehouse/status-v1/stockbalance"),
    ),
    Deviation(
        "`GET /api/warehouse/stockpoints-v1` returns one `warehouse_StockPoint`",
        'returns an array of them, as its own description says ("A list of StockPoints")',
        "§4.8; the operation's description",
        _array_response("/api/warehouse/stockpoints-v1"),
    ),
    Deviation(
        "Invoice `PaymentWay` enum CASH|CARD|AG; `DefaultDeliveryTypes` PRINT|EMAIL|PRINTSERVICE",
        'also "" and ELECTRONICINVOICE',
        "§7",
        _live_enum_values,
    ),
    Deviation(
        "Invoice `ContractReference` int32, `InvoicePeriodStart/End` dates, list item "
        "`CurrencyRate` a number",
        '"0", "" when unset, and the list item\'s rate as a string ("1")',
        f"{RECORDED}: invoices/save_new_fully_populated.yml, invoices/all.yml",
        _invoice_live_types,
    ),
    Deviation(
        "the `ArticleNumber` path parameter of `/3/articles/{ArticleNumber}` is an int32",
        'article numbers are text (≤50 characters, e.g. "FULL6"), as the body field is typed',
        f"§4.6; {RECORDED}: articles/save_new_fully_populated.yml",
        _text_article_numbers,
    ),
    Deviation("Price `Date` is a date-time", "a date (YYYY-MM-DD)", "§3.5 (assumed)", _price_date),
    Deviation(
        "`GET /3/prices` returns one `fortnox_Price_Wrap`",
        "a list: MetaInformation and `Prices` items",
        "§3.1, §4.7",
        _price_list_response,
    ),
    # After the patches above, so that it covers the properties they replaced.
    Deviation("properties are not nullable", "unset fields are sent as null", RECORDED, _nullable),
    Deviation(
        "list schemas have only the plural key",
        "every list starts with `MetaInformation`, then the plural key",
        "§3.1, §7",
    ),
    Deviation(
        "no `page`, `limit`, `offset`, `sortorder` parameters",
        "accepted on every list",
        "§3.4, §7",
    ),
    Deviation(
        "ErrorInformation has `Error`, `Message`, `Code`",
        "lowercase `error`, `message`, `code`",
        "§3.3, §7",
    ),
    Deviation(
        "no `readOnly` markers",
        "read-only fields (totals, numbers, `Balance`, article `SalesPrice`, ...) are ignored "
        "on write",
        "§7",
    ),
    Deviation(
        "quantities are strings, amounts numbers",
        "live sometimes swaps them; the sandbox reads either and answers with the document's "
        "types, except for the recorded cases above",
        "§3.5, §7",
    ),
    Deviation("no securitySchemes, no 401/429 responses", "Bearer JWTs, 401, 429", "§1, §2, §7"),
    Deviation(
        "no OAuth or WebSocket endpoints",
        "`/oauth-v1/auth|token|revoke`, `/topics-v1`",
        "§1, §5.1, §7",
    ),
)


def patched(spec: Spec) -> Spec:
    """`spec` (a freshly loaded document) with every deviation's patch applied, in place."""
    for deviation in DEVIATIONS:
        if deviation.patch is not None:
            deviation.patch(spec)
    return spec
