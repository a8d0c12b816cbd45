"""The fault campaign, shared by the bounded test (tests/e2e/test_fault_campaign.py) and the
full benchmark (bench/faults.py)."""

from tests.support.campaign.chaos import Weather
from tests.support.campaign.driver import (
    CampaignOptions,
    CampaignReport,
    CampaignStuck,
    run_campaign,
)

__all__ = ["CampaignOptions", "CampaignReport", "CampaignStuck", "Weather", "run_campaign"]
