"""Refuse requests whose Host or Origin is not loopback: a page elsewhere cannot reach the UI by DNS rebinding."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["LoopbackGuard", "is_loopback_name"]

_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback_name(host: str) -> bool:
    """A Host header value (with or without port) naming this machine's loopback interface."""
    host = host.strip().lower()
    if host.startswith("["):
        name = host[: host.find("]") + 1]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in _NAMES or (name.startswith("127.") and name.replace(".", "").isdigit())


class LoopbackGuard:
    """ASGI middleware: 403 unless Host (and Origin, when sent) are loopback names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        origin = headers.get("origin")
        allowed = is_loopback_name(host) and (origin is None or is_loopback_name(urlsplit(origin).netloc))
        if not allowed:
            refused = PlainTextResponse("hotbed dev UI: only loopback Host and Origin are served", 403)
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)
