"""The engine tests' database: migrated, with one Centra + Fortnox integration, "test"."""

from tests.engine.conftest import db

__all__ = ["db"]
