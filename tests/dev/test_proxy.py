from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Message

from hotbed.dev.proxy import AppProxy
from hotbed.exceptions import ConfigError

MODULE = "hotbed_test_proxy_app"


def make_app(text: str, events: list[str] | None = None) -> Starlette:
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(text)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if events is not None:
            events.append(f"startup {text}")
        yield
        if events is not None:
            events.append(f"shutdown {text}")

    return Starlette(routes=[Route("/", endpoint)], lifespan=lifespan)


def install(monkeypatch: pytest.MonkeyPatch, **attributes: object) -> ModuleType:
    """Put a fresh version of the module in sys.modules, as a committed reload does."""
    module = ModuleType(MODULE)
    for name, value in attributes.items():
        setattr(module, name, value)
    monkeypatch.setitem(sys.modules, MODULE, module)
    return module


class Lifespan:
    """Drive the ASGI lifespan protocol the way uvicorn does: one call, startup then shutdown."""

    def __init__(self, app: AppProxy) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        assert (await self.outbox.get())["type"] == "lifespan.startup.complete"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        assert (await self.outbox.get())["type"] == "lifespan.shutdown.complete"
        assert self.task is not None
        await self.task


def client(proxy: AppProxy) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://test")


async def test_serves_the_app_of_the_newest_module_version(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    install(monkeypatch, app=make_app("v1", events))
    proxy = AppProxy(MODULE)
    async with Lifespan(proxy), client(proxy) as http:
        assert (await http.get("/")).text == "v1"
        install(monkeypatch, app=make_app("v2", events))
        assert (await http.get("/")).text == "v2"
        install(monkeypatch, app=make_app("v3", events))
        assert (await http.get("/")).text == "v3"
    # lifespan is one call for the life of the server, on the app it started with
    assert events == ["startup v1", "shutdown v1"]


async def test_a_module_version_without_the_app_keeps_the_last_one(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, application=make_app("v1"))
    proxy = AppProxy(MODULE, "application")
    install(monkeypatch)
    async with client(proxy) as http:
        assert (await http.get("/")).text == "v1"


def test_misconfiguration_is_reported_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="not imported"):
        AppProxy("hotbed_test_no_such_module")
    install(monkeypatch)
    with pytest.raises(ConfigError, match="no attribute 'app'"):
        AppProxy(MODULE)
    install(monkeypatch, app="not an app")
    with pytest.raises(ConfigError, match="not an ASGI app"):
        AppProxy(MODULE)
