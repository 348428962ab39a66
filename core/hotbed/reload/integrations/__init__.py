"""Framework integrations of the reload engine, and the hook to add one's own.

Built in: SQLAlchemy/SQLModel tables and mapped classes (`sqlalchemy.py`), Starlette and
FastAPI routes, middleware, event handlers, lifespan and `app.state` (`starlette.py`),
engines and HTTP clients left behind by a re-executed module (`resources.py`), library
caches (`functools`'s, in FastAPI, pydantic, typing) holding an old version (`caches.py`).
Each is imported only once its library is.
"""

from __future__ import annotations

from hotbed.reload.integrations.registry import (
    Also,
    Integration,
    Replaced,
    Undo,
    active,
    register,
    registered,
    unregister,
)

__all__ = ["Also", "Integration", "Replaced", "Undo", "active", "register", "registered", "unregister"]


def _sqlalchemy() -> Integration:
    from hotbed.reload.integrations.sqlalchemy import SQLAlchemyIntegration

    return SQLAlchemyIntegration()


def _starlette() -> Integration:
    from hotbed.reload.integrations.starlette import StarletteIntegration

    return StarletteIntegration()


def _engines() -> Integration:
    from hotbed.reload.integrations.resources import EngineDisposal

    return EngineDisposal()


def _http_clients() -> Integration:
    from hotbed.reload.integrations.resources import HttpClientDisposal

    return HttpClientDisposal()


def _caches() -> Integration:
    from hotbed.reload.integrations.caches import FunctoolsCaches

    return FunctoolsCaches()


register("sqlalchemy", "sqlalchemy", _sqlalchemy)
register("starlette", "starlette", _starlette)
register("sqlalchemy-engines", "sqlalchemy", _engines)
register("httpx-clients", "httpx", _http_clients)
register("functools-caches", "functools", _caches)
