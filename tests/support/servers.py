"""Serve an ASGI app on a real loopback port in a background thread (as the demo does)."""

from brygga.web.serving import serving

__all__ = ["serving"]
