"""Magento's REST URL forms (fact sheet §1, §7.1), mapped onto the app's `/rest/V1/...` routes.

`/rest/V1/x` (store `default`), `/rest/default/V1/x` and `/rest/all/V1/x`, each also behind
`/index.php`, with or without a trailing slash. The store code does not filter anything (§1);
it is kept in the scope for the `all` GET rule. Path segments are decoded one by one, so an
encoded `/` in a SKU (`%2F`) stays inside its segment; handlers read such segments with
`segment()`. The path as sent is kept for the OAuth base URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from brygga.sandbox.magento.shop import STORE_CODES

Scope = dict[str, Any]


class StorePaths:
    """ASGI middleware: rewrite Magento URL forms to `/rest/V1/...`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = rewrite(scope)
        await self.app(scope, receive, send)


def rewrite(scope: Scope) -> Scope:
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    parts = raw.decode("latin-1").split("/")[1:]
    if parts[:1] == ["index.php"]:
        parts = parts[1:]
    if len(parts) < 2 or parts[0] != "rest":
        return scope
    store, rest = "default", parts[1:]
    if rest[0] != "V1":
        if rest[0] not in STORE_CODES or rest[1:2] != ["V1"]:
            return scope  # an unknown store code: no route matches
        store, rest = rest[0], rest[1:]
    while len(rest) > 1 and rest[-1] == "":
        rest.pop()
    path = "/rest/" + "/".join(_routable(part) for part in rest)
    return scope | {
        "path": path,
        "raw_path": path.encode(),
        "magento_store": store,
        "magento_raw_path": raw,
    }


def segment(value: str) -> str:
    """A path parameter as sent, e.g. a SKU with `/` or `&` in it."""
    return unquote(value)


def _routable(part: str) -> str:
    return unquote(part).replace("%", "%25").replace("/", "%2F")
