"""Emulator of Centra's GraphQL Integration API: orders and customers, the catalogue, prices,
stock, shipments and returns, the events queue and signed webhooks (fact sheet §7).

Facts and quirks follow /work/shared/apis/centra.md; `create_app` in `app.py` is the entry.
"""
