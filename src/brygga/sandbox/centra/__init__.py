"""Emulator of Centra's GraphQL Integration API, enough to read orders and customers.

Facts and quirks follow /work/shared/apis/centra.md; `create_app` in `app.py` is the entry.
"""
