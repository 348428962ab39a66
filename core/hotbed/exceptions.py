"""hotbed's exceptions.

HotbedError
 ├── ConfigError          a project or setting that cannot work as given
 ├── EntityError          entity files that cannot be generated from (carries located diagnostics)
 ├── RestartRequired      a change that cannot be hot-applied (carries the reasons)
 ├── EngineStateError     an engine call that makes no sense in the current state
 └── ApiError             (hotbed.errors) a failure an API answers with its HTTP status
      ├── BadRequestError     400
      ├── UnauthorizedError   401
      └── NotFoundError       404
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hotbed.types import RestartReason

if TYPE_CHECKING:
    from hotbed.entity import EntityDiagnostic

__all__ = ["ConfigError", "EngineStateError", "EntityError", "HotbedError", "RestartRequired"]


class HotbedError(Exception):
    """Base class of every error hotbed raises on purpose."""


class ConfigError(HotbedError):
    pass


class EngineStateError(HotbedError):
    pass


class EntityError(HotbedError):
    """One or more entity files are wrong; each diagnostic has file, line, column and message."""

    def __init__(self, diagnostics: Sequence[EntityDiagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class RestartRequired(HotbedError):
    def __init__(self, reasons: Sequence[RestartReason]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(r.message for r in self.reasons))
