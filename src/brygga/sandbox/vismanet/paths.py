"""Case-insensitive monolith paths: `/v1/CustomerInvoice` is `/v1/customerinvoice` (§7.12).

Live, the ERP API matches paths without regard to case (unconfirmed but harmless). The sandbox
rewrites the static segments of a request path to the casing of the route template it matches;
path parameters (customer numbers, SKUs) keep their case.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send


class CaseInsensitivePaths:
    def __init__(self, app: ASGIApp, templates: Iterable[str]) -> None:
        self.app = app
        self.templates = [template.split("/") for template in templates]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = scope | {"path": self.canonical(scope["path"])}
        await self.app(scope, receive, send)

    def canonical(self, path: str) -> str:
        parts = path.split("/")
        for template in self.templates:
            if len(template) == len(parts) and all(
                static.startswith("{") or static.lower() == part.lower()
                for static, part in zip(template, parts, strict=True)
            ):
                pairs = zip(template, parts, strict=True)
                return "/".join(
                    part if static.startswith("{") else static for static, part in pairs
                )
        return path
