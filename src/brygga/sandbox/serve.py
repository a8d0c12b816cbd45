"""Run one sandbox as an HTTP server (`brygga sandbox serve SYSTEM`)."""

from __future__ import annotations

import importlib

import uvicorn
from fastapi import FastAPI

from brygga.sandbox.common import SandboxConfig

SYSTEMS = ("centra", "fortnox", "magento", "vismanet")


def create_app(system: str, config: SandboxConfig) -> FastAPI:
    if system not in SYSTEMS:
        raise ValueError(f"unknown sandbox {system!r}; choose one of {', '.join(SYSTEMS)}")
    module = importlib.import_module(f"brygga.sandbox.{system}.app")
    return module.create_app(config)


def serve(system: str, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
    uvicorn.run(create_app(system, config), host=host, port=port, log_level="warning")
