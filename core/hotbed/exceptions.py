"""hotbed's exceptions.

    HotbedError
     ├── ConfigError          a project or setting that cannot work as given
     ├── RestartRequired      a change that cannot be hot-applied (carries the reasons)
     └── EngineStateError     an engine call that makes no sense in the current state
"""

from __future__ import annotations

from collections.abc import Sequence

from hotbed.types import RestartReason

__all__ = ["ConfigError", "EngineStateError", "HotbedError", "RestartRequired"]


class HotbedError(Exception):
    """Base class of every error hotbed raises on purpose."""


class ConfigError(HotbedError):
    pass


class EngineStateError(HotbedError):
    pass


class RestartRequired(HotbedError):
    def __init__(self, reasons: Sequence[RestartReason]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(r.message for r in self.reasons))
