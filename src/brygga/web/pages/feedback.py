"""What a page's form post says back: a one-line notice carried in the session over the
redirect (post/redirect/get), shown once by the page it lands on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, status
from fastapi.responses import RedirectResponse

NOTICE = "notice"


def back(request: Request, to: str, notice: str, *, failed: bool = False) -> RedirectResponse:
    """To the page `to` (a path on this site), which shows `notice`."""
    request.session[NOTICE] = {"text": notice, "failed": failed}
    return RedirectResponse(local(to), status.HTTP_303_SEE_OTHER)


def notice(request: Request) -> dict[str, Any] | None:
    """The notice a form post left, once."""
    return request.session.pop(NOTICE, None)


def local(target: str, fallback: str = "/") -> str:
    """A path on this site only (no open redirect through a form's `next`)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
