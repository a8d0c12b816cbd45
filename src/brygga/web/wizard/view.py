"""The wizard's pages: each step's template inside the layout that shows the steps."""

from __future__ import annotations

from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse

from brygga.web.auth import Caller
from brygga.web.templating import render
from brygga.web.wizard import systems
from brygga.web.wizard.progress import STEPS, Progress


def show(
    request: Request,
    caller: Caller,
    template: str,
    progress: Progress | None,
    step: str,
    done: set[str],
    *,
    status_code: int = status.HTTP_200_OK,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        f"wizard/{template}",
        caller,
        status_code=status_code,
        progress=progress,
        step=step,
        done=done,
        steps=STEPS,
        systems=systems,
        **context,
    )
