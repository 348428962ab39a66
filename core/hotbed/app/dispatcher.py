"""The ASGI app that serves registered APIs, looking each request up in the registry.

Looking routes up per request (a dict lookup) is what makes re-registration instant: a
reload swaps the registry's table and the very next request sees it.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy.exc import StatementError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from hotbed.app import context as request_context
from hotbed.app.openapi import openapi_document
from hotbed.app.registry import ApiRegistry, Route
from hotbed.app.server_errors import describe_inside, describe_returned
from hotbed.exceptions import ApiError, BadRequestError

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


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model a parameter takes (also inside `X | None`), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        models = [m for m in map(_model_in, typing.get_args(annotation)) if m is not None]
        return models[0] if len(models) == 1 else None
    return None


def _gather_query_models(params: type[BaseModel], raw: dict[str, Any], *, query_only: bool) -> None:
    """Query keys that are fields of a model parameter become that parameter, as FastAPI's `Query()` model does.

    `?page=2&num=10` fills `params: UserListParams`; a query that names the parameter itself
    (`?params={...}` as JSON) is read too.
    """
    for name, info in params.model_fields.items():
        model = _model_in(info.annotation)
        if model is None:
            continue
        if isinstance(raw.get(name), str):
            with contextlib.suppress(ValueError):  # not JSON: left for pydantic to report
                raw[name] = json.loads(raw[name])
            continue
        keys = {field.alias or key: key for key, field in model.model_fields.items()} | {
            key: key for key in model.model_fields
        }
        picked = {key: raw.pop(key) for key in list(raw) if key in keys and key not in params.model_fields}
        for key, value in picked.items():  # one `?tags=a` is still a list
            field = model.model_fields.get(keys[key])
            if field and typing.get_origin(field.annotation) in (list, tuple, set) and isinstance(value, str):
                picked[key] = [value]
        if picked or query_only:  # FastAPI's `Query()` model validates an empty query as `{}`
            raw[name] = picked


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
        except ValidationError as exc:
            return _error(422, "invalid parameters", details=json.loads(exc.json(include_url=False)))
        except ApiError as exc:
            return _error(exc.status_code, str(exc))
        token = request_context.enter(request)
        arguments.update(dict.fromkeys(route.context_params, request_context.context()))
        try:
            if inspect.iscoroutinefunction(route.endpoint):
                result = await route.endpoint(**arguments)
            else:  # blocking code (a database call) must not stall the event loop
                result = await run_in_threadpool(route.endpoint, **arguments)
        except ValidationError as exc:  # the parameters were valid: this is the server's own data
            logger.exception("%s failed", route)
            return _error(500, describe_inside(exc, str(route)), details=json.loads(exc.json(include_url=False)))
        except (OverflowError, StatementError) as exc:  # e.g. an integer too large for SQLite
            cause = getattr(exc, "orig", exc)
            if not isinstance(cause, OverflowError):
                logger.exception("%s failed", route)
                return _error(500, f"{type(exc).__name__}: {exc}")
            return _error(400, f"a number is out of range: {cause}")
        except ApiError as exc:
            return _error(exc.status_code, str(exc))
        except Exception as exc:
            logger.exception("%s failed", route)
            return _error(500, f"{type(exc).__name__}: {exc}")
        finally:
            request_context.leave(token)
        return self._result(route, result)

    def _result(self, route: Route, result: Any) -> Response:
        """The result checked against the method's return type, then as JSON: a mismatch is the server's error."""
        if route.response is not None:
            try:
                result = route.response.validate_python(result, from_attributes=True)
            except ValidationError as exc:
                message = describe_returned(exc, str(route), route.returns, result)
                logger.error("%s", message)
                return _error(500, message, details=json.loads(exc.json(include_url=False)))
        return JSONResponse(_jsonable(result))

    async def _arguments(self, route: Route, request: Request) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for key in request.query_params:
            values = request.query_params.getlist(key)
            raw[key] = values if len(values) > 1 else values[0]
        _gather_query_models(route.params, raw, query_only=request.method in ("GET", "DELETE"))
        if request.method != "GET":
            body = await request.body()
            if body:
                try:
                    payload = json.loads(body)
                except json.JSONDecodeError as exc:
                    raise ApiError(f"the request body is not JSON: {exc.msg}") from exc
                except (UnicodeDecodeError, RecursionError) as exc:
                    raise BadRequestError(f"the request body is not UTF-8 JSON: {exc}") from exc
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
