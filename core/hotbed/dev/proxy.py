"""A stable ASGI app in front of a hot-reloaded one.

uvicorn is handed one app object for the life of the worker, but a reload replaces the
module that defines `app` (and every module it depends on re-executes into it). The
proxy looks the module up in `sys.modules` on each request, which is a dict lookup, so
it always reaches the newest committed `app` and never a half-built one: reloads run on
the event-loop thread, between requests.
"""

from __future__ import annotations

import sys
from types import ModuleType

from starlette.types import ASGIApp, Receive, Scope, Send

from hotbed.exceptions import ConfigError

__all__ = ["AppProxy"]


class AppProxy:
    """Forward every ASGI call to `getattr(sys.modules[module], attribute)` as it is now.

    Lifespan is one long call made when the server starts, so it stays with the app of
    that moment: startup and shutdown run once per worker, not once per reload.
    """

    def __init__(self, module: str, attribute: str = "app") -> None:
        self.module = module
        self.attribute = attribute
        self._source: ModuleType | None = None
        self._app: ASGIApp | None = None
        self._resolve()

    def _resolve(self) -> ASGIApp:
        source = sys.modules.get(self.module)
        if source is None or source is self._source:
            if self._app is None:
                raise ConfigError(f"module {self.module!r} is not imported")
            return self._app
        app: ASGIApp | None = getattr(source, self.attribute, None)
        if app is None:
            if self._app is None:
                raise ConfigError(f"module {self.module!r} has no attribute {self.attribute!r}")
            return self._app  # keep serving the last app until the module defines one again
        if not callable(app):
            raise ConfigError(f"{self.module}:{self.attribute} is not an ASGI app (got {type(app).__name__})")
        self._source, self._app = source, app
        return app

    @property
    def app(self) -> ASGIApp:
        """The newest app object."""
        return self._resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._resolve()(scope, receive, send)
