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


def test_dedupe_thresholds_are_settings_of_the_customers_flow():
    settings = {"dedupe_link_score": 0.9, "dedupe_review_score": 0.5}
    assert checked("centra-fortnox", "customers", settings) == settings


@pytest.mark.parametrize(
    ("flow", "settings", "says"),
    [
        ("customers", {"dedupe_link_score": 0.5, "dedupe_review_score": 0.7}, "≤"),
        ("customers", {"dedupe_link_score": 1.5}, "≤ 1"),
        ("customers", {"dedupe_review_score": "high"}, "takes a number"),
        ("orders", {"dedupe_link_score": 0.9}, "belongs to the customers flow"),
    ],
)
def test_dedupe_thresholds_out_of_order_or_on_another_flow_are_refused(flow, settings, says):
    with pytest.raises(SettingsError, match=says):
        checked("fortnox-magento", flow, settings)
