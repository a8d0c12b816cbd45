"""Integrations as code: an optional `brygga.yaml` that a team keeps in git, checked with
every mistake at its line (`check`) and applied to the store (`apply`). See
docs/configuration.md."""

from brygga.config.apply import ConfigError, apply
from brygga.config.checks import Checked, check
from brygga.config.loading import Problem

__all__ = ["Checked", "ConfigError", "Problem", "apply", "check"]
