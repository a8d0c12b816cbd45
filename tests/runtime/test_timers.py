"""A job's timer on a fake clock: when it fires, that it never overlaps itself, and how many
runs make up for slots missed while Brygga was down."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from brygga.runtime.schedules import Schedule
from brygga.runtime.timers import Timer

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
TICK = timedelta(seconds=1)


def drive(timer: Timer, start: datetime, end: datetime, lasting: timedelta) -> list[datetime]:
    """Look at the timer every second from `start` to `end`, as the runtime does; each run
    lasts `lasting`. The moments runs began."""
    began, now, ends = [], start, None
    while now < end:
        if ends is not None and now >= ends:
            timer.end(now)
            ends = None
        if timer.is_due(now):
            timer.begin()
            began.append(now)
            ends = now + lasting
        now += TICK
    return began


def test_an_interval_job_never_run_runs_at_once_then_on_each_slot():
    schedule = Schedule(every=MINUTE)
    timer = Timer.start(schedule, "1", START + timedelta(seconds=20), None)
    began = drive(timer, START + timedelta(seconds=20), START + 5 * MINUTE, timedelta(seconds=2))
    assert began == [START + timedelta(seconds=20)] + [START + n * MINUTE for n in range(1, 5)]


def test_a_cron_job_never_run_waits_for_its_slot():
    timer = Timer.start(Schedule(cron="*/5 * * * *"), "1", START + MINUTE, None)
    assert timer.due == START + 5 * MINUTE
    assert not timer.is_due(START + 4 * MINUTE)


def test_runs_fire_within_the_jitter_after_their_slot():
    schedule = Schedule(every=MINUTE, jitter=timedelta(seconds=20))
    timer = Timer.start(schedule, "9", START, START)  # ran the 10:00 slot
    began = drive(timer, START, START + 30 * MINUTE, timedelta(seconds=1))
    assert len(began) == 29
    for moment in began:
        slot = moment.replace(second=0)
        assert slot <= moment <= slot + timedelta(seconds=20)
    assert len({moment.second for moment in began}) > 3


def test_a_run_still_going_at_its_next_slot_is_not_started_twice():
    schedule = Schedule(every=MINUTE)
    timer = Timer.start(schedule, "1", START, START - MINUTE)
    runs = timedelta(minutes=3, seconds=30)
    began = drive(timer, START, START + 10 * MINUTE, runs)
    # Never two at once: each began after the one before it ended.
    assert all(later - earlier >= runs for earlier, later in pairwise(began))
    # The slots that came during a run make one run right after it (max_catch_up 1).
    assert began[:3] == [START, START + runs, START + 2 * runs]


def test_missed_slots_are_made_up_for_by_one_run_by_default():
    schedule = Schedule(every=MINUTE)
    down_since = START - 60 * MINUTE  # its last slot run, an hour before this start
    timer = Timer.start(schedule, "1", START + timedelta(seconds=5), down_since)
    began = drive(timer, START + timedelta(seconds=5), START + 3 * MINUTE, timedelta(seconds=2))
    assert began == [START + timedelta(seconds=5), START + MINUTE, START + 2 * MINUTE]


def test_catch_up_is_bounded_by_max_catch_up():
    schedule = Schedule(every=MINUTE, max_catch_up=3)
    now = START + timedelta(seconds=5)
    timer = Timer.start(schedule, "1", now, START - 60 * MINUTE)
    began = drive(timer, now, START + 2 * MINUTE, timedelta(seconds=2))
    # Three runs back to back for sixty missed slots, then the slots as they come.
    assert began == [now, now + 2 * TICK, now + 4 * TICK, START + MINUTE]


def test_no_catch_up_waits_for_the_next_slot():
    schedule = Schedule(every=MINUTE, max_catch_up=0)
    now = START + timedelta(seconds=5)
    timer = Timer.start(schedule, "1", now, START - 60 * MINUTE)
    assert drive(timer, now, START + 2 * MINUTE, TICK) == [START + MINUTE]


def test_a_restart_before_the_next_slot_makes_up_for_nothing():
    schedule = Schedule(every=MINUTE)
    timer = Timer.start(schedule, "1", START + timedelta(seconds=30), START)
    assert timer.due == START + MINUTE
    assert timer.backlog == 0


def test_a_nightly_job_down_for_three_nights_runs_once_then_at_night():
    schedule = Schedule(cron="0 3 * * *", time_zone="UTC")
    last = datetime(2026, 12, 1, 3, tzinfo=UTC)
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    timer = Timer.start(schedule, "1", now, last)
    assert timer.is_due(now)
    assert timer.slot == datetime(2026, 12, 4, 3, tzinfo=UTC)  # marked as the slot it runs for
    timer.begin()
    timer.end(now + MINUTE)
    assert timer.due == datetime(2026, 12, 5, 3, tzinfo=UTC)
