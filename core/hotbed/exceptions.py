"""Every error hotbed raises on purpose, in one tree.

HotbedError
 ├── ConfigError          a project or setting that cannot work as given
 │    └── RouteConflictError  two methods declaring one route (carries both)
 ├── EngineStateError     an engine call that makes no sense in the current state
 ├── RestartRequired      a change that cannot be hot-applied (carries the reasons)
 ├── EntityError          entity files that cannot be generated from (carries located diagnostics)
 └── ApiError             a failure an API answers with its HTTP status and a JSON body
      ├── BadRequestError     400
      ├── UnauthorizedError   401
      ├── ForbiddenError      403
      ├── NotFoundError       404
      └── ConflictError       409

Models raise API errors too (`NotFoundError` from `find_by_id`), so an API method can let
them propagate and the client still gets a meaningful status instead of a 500. This module
imports nothing at run time, so every layer can raise from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotbed.app.entity import EntityDiagnostic
    from hotbed.app.registry import RouteConflict
    from hotbed.reload.types import RestartReason

__all__ = [
    "ApiError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "EngineStateError",
    "EntityError",
    "ForbiddenError",
    "HotbedError",
    "NotFoundError",
    "RestartRequired",
    "RouteConflictError",
    "UnauthorizedError",
]


class HotbedError(Exception):
    """Base class of every error hotbed raises on purpose."""


class ConfigError(HotbedError):
    pass


class RouteConflictError(ConfigError):
    """Two API methods declare one route; `conflicts` holds the pairs (`hotbed.app.registry.RouteConflict`)."""

    def __init__(self, conflicts: Sequence[RouteConflict]) -> None:
        self.conflicts = tuple(conflicts)
        super().__init__("route conflict: " + "; ".join(str(c) for c in self.conflicts))


class EngineStateError(HotbedError):
    pass


class RestartRequired(HotbedError):
    def __init__(self, reasons: Sequence[RestartReason]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(r.message for r in self.reasons))


class EntityError(HotbedError):
    """One or more entity files are wrong; each diagnostic has file, line, column and message."""

    def __init__(self, diagnostics: Sequence[EntityDiagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class ApiError(HotbedError):
    """A failure the client should see: `str(exc)` is the message, `status_code` the HTTP status."""

    status_code: int = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


class BadRequestError(ApiError):
    status_code = 400


class UnauthorizedError(ApiError):
    status_code = 401


class NotFoundError(ApiError):
    status_code = 404


class ForbiddenError(ApiError):
    """The caller is known but may not do this (401 is for an unknown caller)."""

    status_code = 403


class ConflictError(ApiError):
    """The request clashes with the current state, e.g. a duplicate unique value."""

    status_code = 409
