"""The timer of one scheduled job: when it is due next, and what a run that is still going,
or a stretch of downtime, does to that (brygga.runtime.schedules has the rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from brygga.runtime.schedules import Schedule


@dataclass
class Timer:
    schedule: Schedule
    key: str  # the jitter's: the integration, so that its flows sharing a slot fire together
    slot: datetime  # the slot the job runs for next
    due: datetime  # when it fires: the slot plus its jitter, or now for a catch-up
    backlog: int = 0  # catch-up runs left after the one due
    running: bool = False

    @classmethod
    def start(cls, schedule: Schedule, key: str, now: datetime, last: datetime | None) -> Timer:
        """The timer of a job whose latest slot run was `last` (None: never run). An
        interval's job that never ran is due at once (a new flow syncs now); a cron job
        waits for its slot."""
        timer = cls(schedule, key, now, now)
        if last is not None:
            timer._plan(last, now)
        elif schedule.every is not None:
            timer.slot = schedule.latest_slot(now)
        else:
            timer._next(now)
        return timer

    def is_due(self, now: datetime) -> bool:
        """Due and not running: a run still going when its next slot comes is not started
        again beside it."""
        return not self.running and now >= self.due

    def begin(self) -> None:
        """The job starts its run, for `slot` (the caller marks it as run first)."""
        self.running = True

    def end(self, now: datetime) -> None:
        """The run is over: a catch-up run left goes next, then the slots that came while it
        ran (at most `max_catch_up` runs), then the next slot."""
        self.running = False
        if self.backlog:
            self.backlog -= 1
            self.slot, self.due = self.schedule.latest_slot(now), now
        else:
            self._plan(self.slot, now)

    def _plan(self, last: datetime, now: datetime) -> None:
        missed = self.schedule.missed(last, now, self.schedule.max_catch_up)
        if missed:
            self.backlog = missed - 1
            self.slot, self.due = self.schedule.latest_slot(now), now
        else:
            self._next(max(last, now))

    def _next(self, after: datetime) -> None:
        self.slot = self.schedule.next_slot(after)
        self.due = self.schedule.fire_time(self.slot, self.key)
