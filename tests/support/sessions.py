"""Dashboard sessions over plain HTTP: log in as a person would, through the login form."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_csrf(page: str) -> str:
    """The CSRF token of a page's forms."""
    found = CSRF.search(page)
    assert found, page
    return found.group(1)


def logged_in(
    base_url: str, email: str, password: str, **client: object
) -> tuple[httpx.Client, str]:
    """A client holding the user's session, and the session's CSRF token."""
    session = httpx.Client(base_url=base_url, timeout=60, **client)  # type: ignore[arg-type]
    form = {
        "email": email,
        "password": password,
        "csrf_token": form_csrf(session.get("/login").text),
    }
    answer = session.post("/login", data=form)
    assert answer.status_code == 303, answer.text
    return session, form_csrf(session.get("/login").text)
