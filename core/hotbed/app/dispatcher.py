"""The ASGI app that serves registered APIs, looking each request up in the registry.

Looking routes up per request (a dict lookup) is what makes re-registration instant: a
reload swaps the registry's table and the very next request sees it.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from hotbed.app.openapi import openapi_document
from hotbed.app.registry import ApiRegistry, Route
from hotbed.exceptions import ApiError

__all__ = ["Dispatcher"]

logger = logging.getLogger("hotbed.app.dispatcher")


def _jsonable(value: Any) -> Any:
    def fallback(obj: Any) -> Any:
        to_dict = getattr(obj, "to_dict", None)
        if callable(to_dict):
            return to_dict()
        raise TypeError(f"cannot serialise {type(obj).__name__} as JSON")

    return to_jsonable_python(value, fallback=fallback)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop; answering keeps servers from calling lifespan unsupported."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class Dispatcher:
    """Serves `/{prefix}/...` from the registry and `/{prefix}/openapi.json`; anything else goes to `fallback`."""

    def __init__(self, registry: ApiRegistry, title: str = "hotbed app", fallback: Any = None) -> None:
        self.registry = registry
        self.title = title
        self.fallback = fallback
        self._openapi: tuple[int, dict[str, Any]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if self.fallback is not None:
                await self.fallback(scope, receive, send)
            elif scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        request = Request(scope, receive)
        response = await self._respond(request)
        if response is None and self.fallback is not None:
            await self.fallback(scope, receive, send)
            return
        await (response or _error(404, f"no API at {request.url.path}"))(scope, receive, send)

    async def _respond(self, request: Request) -> Response | None:
        path = request.url.path.rstrip("/") or "/"
        if path == f"{self.registry.prefix}/openapi.json" and request.method == "GET":
            return JSONResponse(self.openapi())
        route = self.registry.lookup(request.method, path)
        if route is None:
            allowed = self.registry.allowed_methods(path)
            if allowed:
                return _error(405, f"{request.method} not allowed", allowed=allowed)
            return None if not path.startswith(self.registry.prefix + "/") else _error(404, f"no API at {path}")
        try:
            arguments = await self._arguments(route, request)
            if inspect.iscoroutinefunction(route.endpoint):
                result = await route.endpoint(**arguments)
            else:  # blocking code (a database call) must not stall the event loop
                result = await run_in_threadpool(route.endpoint, **arguments)
            return JSONResponse(_jsonable(result))
        except ValidationError as exc:
            return _error(422, "invalid parameters", details=json.loads(exc.json(include_url=False)))
        except ApiError as exc:
            return _error(exc.status_code, str(exc))
        except Exception as exc:
            logger.exception("%s failed", route)
            return _error(500, f"{type(exc).__name__}: {exc}")

    async def _arguments(self, route: Route, request: Request) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for key in request.query_params:
            values = request.query_params.getlist(key)
            raw[key] = values if len(values) > 1 else values[0]
        if request.method != "GET":
            body = await request.body()
            if body:
                try:
                    payload = json.loads(body)
                except json.JSONDecodeError as exc:
                    raise ApiError(f"the request body is not JSON: {exc.msg}") from exc
                wrapped = isinstance(payload, dict) and route.body_param in payload
                if route.body_param is not None and not wrapped:
                    payload = {route.body_param: payload}
                if not isinstance(payload, dict):
                    raise ApiError("the request body must be a JSON object")
                raw.update(payload)
        params = route.params.model_validate(raw)
        return {name: getattr(params, name) for name in type(params).model_fields}

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document of the current routes, rebuilt only after the registry changed."""
        cached = self._openapi
        if cached is None or cached[0] != self.registry.version:
            cached = (self.registry.version, openapi_document(self.registry, self.title))
            self._openapi = cached
        return cached[1]
