"""Schedules: the `schedule` setting read and explained, slots of intervals and cron expressions,
and the jitter's bounds."""

from datetime import UTC, datetime, timedelta

import pytest

from brygga.runtime.schedules import (
    DEFAULTS,
    NIGHTLY_RECONCILE,
    RECONCILE,
    SYNC,
    Schedule,
    ScheduleError,
    jobs,
    parse,
)

MONDAY = datetime(2026, 12, 7, 10, 0, 30, tzinfo=UTC)


def test_an_interval_with_jitter_and_catch_up_is_read():
    schedule = parse({"every": "1h30m", "jitter": "10s", "max_catch_up": 3})
    assert schedule == Schedule(
        every=timedelta(minutes=90), jitter=timedelta(seconds=10), max_catch_up=3
    )


def test_a_cron_expression_is_read_with_its_time_zone():
    schedule = parse({"cron": "0 3 * * *", "time_zone": "Europe/Stockholm"})
    assert (schedule.cron, schedule.time_zone, schedule.every) == (
        "0 3 * * *",
        "Europe/Stockholm",
        None,
    )


def test_every_mistake_is_explained_at_once():
    with pytest.raises(ScheduleError) as raised:
        parse(
            {
                "every": "5 minutes",
                "jitter": "soon",
                "max_catch_up": -1,
                "colour": "red",
                "time_zone": "Mars/Olympus",
            }
        )
    message = str(raised.value)
    for expected in (
        "'colour' is not a schedule setting",
        '"every" takes a duration',
        "'5 minutes'",
        '"jitter" takes a duration',
        '"max_catch_up" takes a whole',
        '"time_zone" takes a zone name',
    ):
        assert expected in message


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ({}, 'give "every"'),
        ({"every": "1m", "cron": "* * * * *"}, 'give "every"'),
        ({"cron": "61 3 * * *"}, '"cron" takes five fields'),
        ({"every": "0s"}, "at least 1s"),
        ({"every": "1m", "jitter": "1m"}, '"jitter" must be shorter'),
        ({"every": "1m", "max_catch_up": True}, '"max_catch_up" takes'),
        ("5m", "schedule takes a table"),
    ],
)
def test_wrong_schedules_are_refused_with_what_to_write(setting, expected):
    with pytest.raises(ScheduleError, match=expected):
        parse(setting)


def test_reconcile_belongs_to_the_stock_flow():
    with pytest.raises(ScheduleError, match="stock flow only"):
        jobs("orders", {"schedule": {"every": "1m", "reconcile": "0 4 * * *"}})
    with pytest.raises(ScheduleError, match='"reconcile" takes a cron'):
        jobs("stock", {"schedule": {"every": "1m", "reconcile": "nightly"}})


def test_defaults_per_flow_and_the_nightly_stock_reconcile():
    assert jobs("orders", {}) == {SYNC: DEFAULTS["orders"]}
    assert DEFAULTS["orders"].every == timedelta(minutes=1)
    assert DEFAULTS["products"].every == timedelta(hours=1)
    assert jobs("stock", {}) == {SYNC: DEFAULTS["stock"], RECONCILE: NIGHTLY_RECONCILE}
    assert DEFAULTS["stock"].every == timedelta(minutes=5)
    assert NIGHTLY_RECONCILE.cron == "0 3 * * *"
    # Every flow of every pair has a default, no longer than an hour.
    assert all(s.every and s.every <= timedelta(hours=1) for s in DEFAULTS.values())


def test_a_flows_own_schedule_and_reconcile_replace_the_defaults():
    setting = {"schedule": {"every": "2s", "reconcile": "30 4 * * 1"}}
    found = jobs("stock", setting)
    assert found[SYNC].every == timedelta(seconds=2)
    assert found[RECONCILE].cron == "30 4 * * 1"
    assert RECONCILE not in jobs("stock", {"schedule": {"every": "1m", "reconcile": False}})


def test_interval_slots_fall_on_multiples_of_the_interval():
    schedule = Schedule(every=timedelta(minutes=5))
    assert schedule.next_slot(MONDAY) == MONDAY.replace(minute=5, second=0)
    assert schedule.latest_slot(MONDAY) == MONDAY.replace(second=0)
    slot = MONDAY.replace(second=0)
    assert schedule.next_slot(slot) == slot + timedelta(minutes=5)  # strictly after
    assert schedule.latest_slot(slot) == slot  # at or before
    assert schedule.missed(slot, slot + timedelta(minutes=23), limit=100) == 4
    assert schedule.missed(slot, slot + timedelta(minutes=23), limit=2) == 2
    assert schedule.missed(slot, slot + timedelta(minutes=4), limit=100) == 0


def test_cron_slots_follow_the_time_zone_across_summer_time():
    schedule = Schedule(cron="0 3 * * *", time_zone="Europe/Stockholm")
    winter = schedule.next_slot(datetime(2026, 3, 28, 12, tzinfo=UTC))
    summer = schedule.next_slot(winter)
    assert (winter, summer) == (
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 3, 30, 1, tzinfo=UTC),
    )
    assert schedule.latest_slot(summer) == summer
    assert schedule.latest_slot(summer - timedelta(seconds=1)) == winter
    # 02:00 local on the 24th: the 03:00 slots of the 24th to the 30th.
    assert schedule.missed(winter - timedelta(days=5), summer, limit=100) == 7
    assert schedule.missed(winter - timedelta(days=5), summer, limit=2) == 2


def test_jitter_stays_within_its_bound_and_is_shared_by_one_key():
    schedule = Schedule(every=timedelta(minutes=1), jitter=timedelta(seconds=10))
    slots = [MONDAY.replace(second=0) + timedelta(minutes=n) for n in range(500)]
    lates = [schedule.fire_time(slot, "7") - slot for slot in slots]
    assert all(timedelta(0) <= late <= timedelta(seconds=10) for late in lates)
    assert max(lates) - min(lates) > timedelta(seconds=8)  # spread over the bound
    assert [schedule.fire_time(slot, "7") for slot in slots[:5]] == [
        schedule.fire_time(slot, "7") for slot in slots[:5]
    ]
    others = [schedule.fire_time(slot, "8") for slot in slots]
    assert others != [slot + late for slot, late in zip(slots, lates, strict=True)]
    assert Schedule(every=timedelta(minutes=1)).fire_time(slots[0], "7") == slots[0]
