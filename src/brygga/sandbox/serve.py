"""Serve sandboxes: one system on a port, with fault injection and reset around it."""

from __future__ import annotations

import importlib
import logging

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from brygga.sandbox.common import SandboxConfig
from brygga.sandbox.faults import FaultInjector, Faults, QuietDrops

SYSTEMS = ("centra", "fortnox", "magento", "vismanet")


def create_app(system: str, config: SandboxConfig) -> FastAPI:
    if system not in SYSTEMS:
        raise ValueError(f"unknown sandbox {system!r}; choose one of {', '.join(SYSTEMS)}")
    module = importlib.import_module(f"brygga.sandbox.{system}.app")
    return module.create_app(config)


class SandboxHost:
    """A system's API behind fault injection, plus the control routes that act on the whole
    sandbox: `GET|POST /_sandbox/faults` and `POST /_sandbox/reset` (reseed from scratch)."""

    def __init__(self, system: str, config: SandboxConfig) -> None:
        self.system = system
        self.config = config
        self.api = create_app(system, config)
        self.injector = FaultInjector(self._api, config.faults, config.seed)
        self.control = FastAPI(openapi_url=None)
        self.control.add_api_route("/_sandbox/faults", self._get_faults, methods=["GET"])
        self.control.add_api_route("/_sandbox/faults", self._set_faults, methods=["POST"])
        self.control.add_api_route("/_sandbox/reset", self._reset, methods=["POST"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in ("/_sandbox/faults", "/_sandbox/reset"):
            await self.control(scope, receive, send)
        else:
            await self.injector(scope, receive, send)

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.api(scope, receive, send)  # looked up per request: a reset swaps it

    def _get_faults(self) -> JSONResponse:
        return JSONResponse(self.injector.state())

    def _set_faults(self, faults: Faults) -> JSONResponse:
        self.injector.set(faults)
        return JSONResponse(self.injector.state())

    async def _reset(self) -> JSONResponse:
        old = self.api
        old.state.store.clear()
        # Run the old app's lifespan through: its shutdown half closes the store (freeing the
        # data directory) and stops background work such as webhook delivery.
        async with old.router.lifespan_context(old):
            pass
        self.api = create_app(self.system, self.config)
        return JSONResponse({"reset": self.system, "seed": self.config.seed})


def serve(system: str, config: SandboxConfig, host: str = "127.0.0.1", port: int = 0) -> None:
    logging.getLogger("uvicorn.error").addFilter(QuietDrops())
    uvicorn.run(SandboxHost(system, config), host=host, port=port, log_level="warning")
