"""The request an API method is serving, for code that needs headers or the caller.

Sonamu's `getSonamuContext()` in hotbed form: the dispatcher sets it around each call,
sync methods (run in a thread) included, so models and helpers can read it too. An API
method can also take it as a parameter typed `RequestContext`, which the dispatcher fills
(it is no request parameter: not in the OpenAPI document, not in the client):

    @api(http_method="GET")
    def me(self, ctx: RequestContext) -> User:
        return UserModel.find_by_id(ctx.state["user_id"])
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request

from hotbed.exceptions import EngineStateError

__all__ = ["RequestContext", "context"]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """The current request; `state` is a free dict for what middleware-like code learns (the user)."""

    request: Request
    state: dict[str, Any]

    @property
    def headers(self) -> Headers:
        return self.request.headers


_current: ContextVar[RequestContext | None] = ContextVar("hotbed_request_context", default=None)


def context() -> RequestContext:
    """The request being served.

    Raises:
        EngineStateError: called outside an API call (at import, in a script).
    """
    current = _current.get()
    if current is None:
        raise EngineStateError("hotbed.context() is only available while an API call is being served")
    return current


def enter(request: Request) -> Any:
    """Make `request` the current one; returns the token `leave` takes."""
    return _current.set(RequestContext(request, {}))


def leave(token: Any) -> None:
    _current.reset(token)
