"""Build, right after a reload, what the new app would otherwise build on its first request.

Starlette builds an app's middleware stack when the app is first called, and FastAPI
resolves a lazily included router's routes (dependencies, response models) when a
request first goes through it. After a reload that replaced the app, that first request
is the one the person who saved is waiting for; the worker does this work in the idle
moment after the batch instead, and the request finds it done. Nothing runs here that
the first request would not run (middleware constructors), and a failure is left to that
request, which reports it as a cold start would.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["warm"]

logger = logging.getLogger("hotbed.dev.warmup")


def warm(app: Any) -> None:
    """Prepare `app` for its next request; a no-op for what is already built or is not Starlette."""
    try:
        build = getattr(app, "build_middleware_stack", None)
        if callable(build) and getattr(app, "middleware_stack", False) is None:
            app.middleware_stack = build()
        routes = list(getattr(getattr(app, "router", None), "routes", None) or ())
        while routes:
            route = routes.pop()
            # FastAPI's included router (a branch) resolves its routes once per change of them.
            candidates = getattr(route, "effective_candidates", None)
            if callable(candidates):
                routes.extend(candidates())
            mounted = getattr(route, "app", None)  # a sub-app, with its own stack and routes
            if mounted is not app and callable(getattr(mounted, "build_middleware_stack", None)):
                warm(mounted)
    except Exception:  # the first request builds it again and reports what went wrong
        logger.debug("warming the app up failed", exc_info=True)
