"""Brygga on the web: the REST API (and, later, the dashboard and setup wizard)."""

# Starlette renamed its constant (RFC 9110 "Unprocessable Content"); the number is stable.
UNPROCESSABLE = 422
