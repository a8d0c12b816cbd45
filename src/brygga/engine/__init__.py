"""Flows and sync runs: cursors, ID cross-references, idempotency and record outcomes."""
