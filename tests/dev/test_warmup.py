"""The worker prepares a reloaded app for its first request, and never changes what that request gets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from hotbed.dev.warmup import warm


class Version(BaseModel):
    version: int


def fastapi_app(constructed: list[str]) -> FastAPI:
    """An app as FastAPI projects lay it out: a router with a response model, included, and a middleware."""

    class Tagging:
        def __init__(self, app: ASGIApp) -> None:
            constructed.append("tagging")
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await self.app(scope, receive, send)

    router = APIRouter(prefix="/api")

    @router.get("/version")
    def version() -> Version:
        return Version(version=3)

    app = FastAPI(middleware=[Middleware(Tagging)])
    app.include_router(router)
    return app


async def _get(app: Any, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.get(path)


async def test_a_warmed_app_has_built_its_stack_and_answers_as_a_cold_one() -> None:
    warmed_built: list[str] = []
    cold_built: list[str] = []
    warmed, cold = fastapi_app(warmed_built), fastapi_app(cold_built)
    warm(warmed)
    assert warmed.middleware_stack is not None
    assert warmed_built == ["tagging"]  # built once, before any request
    hot_answer, cold_answer = await _get(warmed, "/api/version"), await _get(cold, "/api/version")
    assert (
        (hot_answer.status_code, hot_answer.json())
        == (cold_answer.status_code, cold_answer.json())
        == (200, {"version": 3})
    )
    assert warmed_built == ["tagging"]  # the request used the stack the warm-up built
    assert cold_built == ["tagging"]


async def test_included_routers_are_resolved_before_the_first_request() -> None:
    app = fastapi_app([])
    branches = [r for r in app.router.routes if callable(getattr(r, "effective_candidates", None))]
    if not branches:
        # FastAPI before its lazily included routers copies routes at include time: nothing to resolve.
        assert any(getattr(r, "path", "") == "/api/version" for r in app.router.routes)
        return
    assert all(b._effective_candidates_version is None for b in branches)
    warm(app)
    assert all(b._effective_candidates_version is not None for b in branches)


async def test_mounted_apps_are_warmed_too() -> None:
    async def hello(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    inner = Starlette(routes=[Route("/hello", hello)])
    outer = Starlette(routes=[Mount("/sub", app=inner)])
    warm(outer)
    assert outer.middleware_stack is not None and inner.middleware_stack is not None
    assert (await _get(outer, "/sub/hello")).text == "hello"


async def test_a_middleware_that_fails_to_build_fails_the_first_request_as_it_would_have() -> None:
    class Broken:
        def __init__(self, app: ASGIApp) -> None:
            raise RuntimeError("no configuration for Broken")

    app = Starlette(middleware=[Middleware(Broken)])
    warm(app)  # says nothing: the request reports it
    assert app.middleware_stack is None
    with pytest.raises(RuntimeError, match="no configuration for Broken"):
        await _get(app, "/")


@pytest.mark.parametrize("thing", [None, object(), "app", PlainTextResponse("not an app with routes")])
def test_anything_else_is_left_alone(thing: object) -> None:
    warm(thing)
