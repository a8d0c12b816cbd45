"""One writer per flow at a time within a process: a scheduled run of a flow and an event's
targeted sync of the same flow must not both create the record they read at once (the
cross-reference is checked before each create, so two writers racing could both create it)."""

from __future__ import annotations

import asyncio
import weakref

# Per event loop, since an asyncio.Lock belongs to the loop it first waits in.
_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Lock]]
_locks = weakref.WeakKeyDictionary()


def flow_lock(integration: str, flow: str) -> asyncio.Lock:
    """The lock every writer of the integration's flow holds while it runs (engine.events; the
    runtime's scheduled runs)."""
    locks = _locks.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault((integration, flow), asyncio.Lock())
