"""The sandboxes' consent pages pressed as a browser would: Fortnox's `/oauth-v1/auth` and
Visma Connect's `/connect/authorize`. Both post one form with a hidden pending-consent id, the
checked choices (Visma: the company) and a `decision` button, `approve` or `deny`."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx


class ConsentForm(HTMLParser):
    """The consent page's form: where it posts, what a browser sends, its decisions."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.decisions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        kind = found.get("type")
        if tag == "form":
            self.action = found["action"]
        elif tag == "input" and (kind == "hidden" or (kind == "radio" and "checked" in found)):
            self.fields[found["name"]] = found["value"]
        elif tag == "button" and found.get("name") == "decision":
            self.decisions.append(found["value"])


def consent(base_url: str, authorize_url: str | httpx.URL, decision: str = "approve") -> str:
    """Open the consent page like a browser, press a button; the redirect's location."""
    page = httpx.get(authorize_url)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    form = ConsentForm()
    form.feed(page.text)
    assert form.decisions == ["approve", "deny"]
    answer = httpx.post(urljoin(base_url, form.action), data=form.fields | {"decision": decision})
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]
