"""hotbed: hot module replacement for Python API servers, driven from the editor.

What an application imports comes from here, in the short form that will not move:

    import hotbed
    from hotbed import BaseModel, BadRequestError, api, hot

The names resolve on first use (PEP 562), so `hotbed.hot` in a production process
(`HOT=no`) loads the engine's few standard-library modules and never the framework, its
database layer or pydantic. The layers themselves live in `hotbed.reload` (the engine),
`hotbed.dev` (the dev server) and `hotbed.app` (the entity framework).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotbed.app.api import api
    from hotbed.app.context import RequestContext, context
    from hotbed.app.models import BaseModel
    from hotbed.exceptions import (
        ApiError,
        BadRequestError,
        ConfigError,
        ConflictError,
        EntityError,
        ForbiddenError,
        HotbedError,
        NotFoundError,
        RestartRequired,
        UnauthorizedError,
    )
    from hotbed.reload import hmr
    from hotbed.reload.hot import Hot, HotContext, hot

__version__ = "0.1.0"

__all__ = [
    "ApiError",
    "BadRequestError",
    "BaseModel",
    "ConfigError",
    "ConflictError",
    "EntityError",
    "ForbiddenError",
    "Hot",
    "HotContext",
    "HotbedError",
    "NotFoundError",
    "RequestContext",
    "RestartRequired",
    "UnauthorizedError",
    "__version__",
    "api",
    "context",
    "hmr",
    "hot",
]

# Public name -> the module it is read from.
_HOMES = {
    "ApiError": "hotbed.exceptions",
    "BadRequestError": "hotbed.exceptions",
    "BaseModel": "hotbed.app.models",
    "ConfigError": "hotbed.exceptions",
    "ConflictError": "hotbed.exceptions",
    "EntityError": "hotbed.exceptions",
    "ForbiddenError": "hotbed.exceptions",
    "Hot": "hotbed.reload.hot",
    "HotContext": "hotbed.reload.hot",
    "HotbedError": "hotbed.exceptions",
    "NotFoundError": "hotbed.exceptions",
    "RequestContext": "hotbed.app.context",
    "RestartRequired": "hotbed.exceptions",
    "UnauthorizedError": "hotbed.exceptions",
    "api": "hotbed.app.api",
    "context": "hotbed.app.context",
    "hmr": "hotbed.reload",
    "hot": "hotbed.reload.hot",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'hotbed' has no attribute {name!r}")
    value = (
        importlib.import_module("hotbed.reload.hmr") if name == "hmr" else getattr(importlib.import_module(home), name)
    )
    globals()[name] = value  # resolved once; later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
