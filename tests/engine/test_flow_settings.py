"""A flow's schedule is a setting like any other: checked before it is saved."""

import pytest

from brygga.engine.flow_settings import SettingsError, checked


def test_a_schedule_the_runtime_reads_is_accepted():
    wanted = {"schedule": {"every": "30s", "jitter": "5s"}, "capture": True}
    assert checked("centra-fortnox", "invoices", wanted) == wanted


@pytest.mark.parametrize(
    ("schedule", "says"),
    [({"every": "soon"}, "soon"), ({"cron": "61 * * * *"}, "cron"), ("hourly", "schedule")],
)
def test_a_schedule_the_runtime_cannot_read_is_refused(schedule, says):
    with pytest.raises(SettingsError, match=says):
        checked("centra-fortnox", "orders", {"schedule": schedule})
