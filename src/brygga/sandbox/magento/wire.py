"""JSON as Magento's Web API writes and reads it (fact sheet §3.2).

Out: null fields omitted, an empty associative array written as `[]`, amounts as plain JSON
numbers without trailing zeros (PHP floats: `1299`, `1039.2`), non-ASCII and `/` escaped as PHP's
json_encode does, `Content-Type: application/json; charset=utf-8`. Hidden bookkeeping keys
(leading `_`) never leave the sandbox.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import simplejson
from fastapi.responses import JSONResponse


def to_wire(value: Any) -> Any:
    if isinstance(value, dict):
        items = {
            key: to_wire(item)
            for key, item in value.items()
            if item is not None and not key.startswith("_")
        }
        return items or []  # PHP serialises an empty associative array as a list
    if isinstance(value, list):
        return [to_wire(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value.normalize()
    return value


class MagentoResponse(JSONResponse):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        text = simplejson.dumps(to_wire(content), use_decimal=True, separators=(",", ":"))
        return text.replace("/", "\\/").encode()
