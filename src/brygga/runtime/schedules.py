"""When each flow runs: its `schedule` setting, or the default of its kind.

A schedule is an interval (`{"every": "5m"}`) or a cron expression (`{"cron": "0 3 * * *"}`,
local time unless `time_zone` names one), cut into slots: an interval's slots fall on its
multiples since the Unix epoch, so an hourly flow runs on the hour. Each slot fires up to
`jitter` late, by a fraction drawn from the integration and the slot, so the flows of one
integration that share a slot still fire together (and run in the pair's order) while
integrations spread out. `max_catch_up` bounds the runs made for slots missed while Brygga was
down or the flow's previous run still went on (a flow never overlaps itself): one by default,
since one run reads everything since its cursor anyway; 0 skips to the next slot.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SYNC, RECONCILE = "sync", "reconcile"  # the jobs of a flow
KEYS = ("every", "cron", "jitter", "max_catch_up", "time_zone", "reconcile")
LARGEST_CATCH_UP = 100
_DURATION = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


class ScheduleError(ValueError):
    """A `schedule` setting that cannot be used; the message says what to write instead."""


@dataclass(frozen=True)
class Schedule:
    every: timedelta | None = None
    cron: str | None = None
    jitter: timedelta = timedelta(0)
    max_catch_up: int = 1
    time_zone: str | None = None  # of a cron expression; None is the machine's local time

    def next_slot(self, after: datetime) -> datetime:
        """The first slot strictly after `after`."""
        if self.every is not None:
            return EPOCH + (_count(after, self.every) + 1) * self.every
        return croniter(self.cron, self._zoned(after)).get_next(datetime).astimezone(UTC)

    def latest_slot(self, at: datetime) -> datetime:
        """The last slot at or before `at`."""
        if self.every is not None:
            return EPOCH + _count(at, self.every) * self.every
        zoned = self._zoned(at)
        if croniter.match(self.cron, zoned):
            return zoned.replace(second=0, microsecond=0).astimezone(UTC)
        return croniter(self.cron, zoned).get_prev(datetime).astimezone(UTC)

    def missed(self, since: datetime, now: datetime, limit: int) -> int:
        """How many slots fell in (since, now], counting no further than `limit`."""
        if self.every is not None:
            return max(0, min(_count(now, self.every) - _count(since, self.every), limit))
        found, slot = 0, since
        while found < limit and (slot := self.next_slot(slot)) <= now:
            found += 1
        return found

    def fire_time(self, slot: datetime, key: str) -> datetime:
        """When `slot` fires: up to `jitter` late, the same for every job sharing `key`."""
        if not self.jitter:
            return slot
        share = random.Random(f"{key}@{slot.isoformat()}").random()
        return slot + share * self.jitter

    def _zoned(self, at: datetime) -> datetime:
        return at.astimezone(ZoneInfo(self.time_zone) if self.time_zone else None)


def _count(at: datetime, every: timedelta) -> int:
    return (at - EPOCH) // every


# Orders every minute as the fallback to webhooks; the records that change less often every
# few minutes; the catalogue hourly; stock every 5 minutes, plus a nightly reconcile that
# writes every level again (engine.integrations.sync(reconcile=True)).
_MINUTE, _FEW = timedelta(minutes=1), timedelta(minutes=5)
DEFAULTS: dict[str, Schedule] = {
    "orders": Schedule(every=_MINUTE, jitter=timedelta(seconds=5)),
    "customers": Schedule(every=_FEW, jitter=timedelta(seconds=30)),
    "payments": Schedule(every=_FEW, jitter=timedelta(seconds=30)),
    "refunds": Schedule(every=_FEW, jitter=timedelta(seconds=30)),
    "stock": Schedule(every=_FEW, jitter=timedelta(seconds=30)),
    "invoices": Schedule(every=_FEW, jitter=timedelta(seconds=30)),
    "credit_notes": Schedule(every=_FEW, jitter=timedelta(seconds=30)),
    "products": Schedule(every=timedelta(hours=1), jitter=timedelta(minutes=5)),
}
NIGHTLY_RECONCILE = Schedule(cron="0 3 * * *", jitter=timedelta(minutes=5))
RECONCILED = {"stock"}  # the flows with a reconcile job


def jobs(flow: str, settings: Mapping[str, Any]) -> dict[str, Schedule]:
    """The flow's jobs by name and when each runs: its `schedule` setting, else the default
    of its kind. ScheduleError if the setting is wrong."""
    setting = settings.get("schedule")
    found = {SYNC: parse(setting, flow) if setting is not None else DEFAULTS[flow]}
    if flow in RECONCILED:
        reconcile = setting.get("reconcile", True) if isinstance(setting, Mapping) else True
        if reconcile is True:
            found[RECONCILE] = NIGHTLY_RECONCILE
        elif reconcile is not False:
            found[RECONCILE] = Schedule(cron=reconcile, time_zone=found[SYNC].time_zone)
    return found


def parse(setting: Any, flow: str = "") -> Schedule:
    """A flow's `schedule` setting, e.g. `{"every": "5m", "jitter": "10s"}` or
    `{"cron": "0 3 * * *", "time_zone": "Europe/Stockholm"}`, checked as a whole: the
    ScheduleError names every mistake."""
    if not isinstance(setting, Mapping):
        raise ScheduleError(
            'schedule takes a table, e.g. {"every": "5m"} or {"cron": "0 3 * * *"}, '
            f"not {setting!r}"
        )
    problems = [
        f"{key!r} is not a schedule setting (use {', '.join(KEYS)})"
        for key in setting
        if key not in KEYS
    ]
    every = cron = time_zone = None
    jitter, max_catch_up = timedelta(0), 1
    if ("every" in setting) == ("cron" in setting):
        problems.append('give "every" (an interval such as "5m") or "cron", one of the two')
    if "every" in setting:
        every = _duration(setting["every"], "every", problems)
        if every is not None and every < timedelta(seconds=1):
            problems.append('"every" is at least 1s')
    if "cron" in setting:
        cron = setting["cron"]
        if not isinstance(cron, str) or not croniter.is_valid(cron):
            problems.append(
                f'"cron" takes five fields, minute hour day month weekday (e.g. "0 3 * * *" '
                f"for 03:00 every night), not {cron!r}"
            )
    if "jitter" in setting:
        jitter = _duration(setting["jitter"], "jitter", problems) or timedelta(0)
        if every and jitter >= every:
            problems.append(f'"jitter" must be shorter than "every" ({setting["every"]})')
    if "max_catch_up" in setting:
        max_catch_up = setting["max_catch_up"]
        fits = isinstance(max_catch_up, int) and not isinstance(max_catch_up, bool)
        if not fits or not 0 <= max_catch_up <= LARGEST_CATCH_UP:
            problems.append(
                f'"max_catch_up" takes a whole number from 0 to {LARGEST_CATCH_UP} (runs made '
                f"for slots missed while Brygga was down), not {max_catch_up!r}"
            )
    if "time_zone" in setting:
        time_zone = _time_zone(setting["time_zone"], problems)
    if "reconcile" in setting:
        _check_reconcile(setting["reconcile"], flow, problems)
    if problems:
        raise ScheduleError("schedule: " + "; ".join(problems))
    return Schedule(every, cron, jitter, max_catch_up, time_zone)


def _duration(value: Any, name: str, problems: list[str]) -> timedelta | None:
    text = value.replace(" ", "") if isinstance(value, str) else ""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        problems.append(
            f'"{name}" takes a duration such as "30s", "5m", "1h30m" or "1d", not {value!r}'
        )
        return None
    return timedelta(seconds=sum(int(number) * _UNITS[unit] for number, unit in parts))


def _time_zone(value: Any, problems: list[str]) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        problems.append(f'"time_zone" takes a zone name such as "Europe/Stockholm", not {value!r}')
        return None
    return value


def _check_reconcile(value: Any, flow: str, problems: list[str]) -> None:
    if flow and flow not in RECONCILED:
        problems.append(f'"reconcile" is a setting of the stock flow only, not of {flow}')
    elif not isinstance(value, bool) and not (isinstance(value, str) and croniter.is_valid(value)):
        problems.append(
            '"reconcile" takes a cron expression (e.g. "0 3 * * *"), true for the nightly '
            f"default or false for none, not {value!r}"
        )
