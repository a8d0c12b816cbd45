"""Faithful emulators of the shop and ERP APIs, with seeded demo data.

Each sandbox is a separate ASGI app that shares nothing with the connectors but the public API
contract, so a connector that works here works against the real service unchanged.
"""
