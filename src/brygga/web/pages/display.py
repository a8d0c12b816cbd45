"""Small helpers the operations pages hand their templates: times in this machine's zone,
durations, payloads as JSON, and record links."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import simplejson
from fastapi import Request


def when(moment: datetime | None) -> str:
    """A stored (UTC) time as the dashboard's local time, to the second ("today" for the
    date of today)."""
    if moment is None:
        return "—"
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("today %H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M:%S")


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def as_json(value: Any) -> str:
    """A payload as indented JSON, amounts exact (Decimal) and letters as they are."""
    return simplejson.dumps(value, indent=2, use_decimal=True, ensure_ascii=False, default=str)


def record_url(integration: str, entity: str, source_id: str) -> str:
    parts = (quote(part, safe="") for part in (integration, entity, source_id))
    return "/records/" + "/".join(parts)


def live(request: Request) -> bool:
    """The request is live.js refreshing the page's live parts (static parts can be left
    out)."""
    return request.headers.get("X-Live") == "1"


HELPERS = {
    "when": when,
    "iso": iso,
    "duration": duration,
    "as_json": as_json,
    "record_url": record_url,
}
