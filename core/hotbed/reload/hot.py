"""`hotbed.hot(__name__)`: a module's handle on hot reloading.

    hot = hotbed.hot(__name__)
    cache = hot.data.setdefault("cache", {})   # survives reloads of this module
    hot.dispose(lambda data: pool.close())     # runs when this version is replaced

With HMR off (production, `HOT=no`, or no engine running) every member is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Callback", "ContextSource", "Hot", "HotContext", "ModuleRecord", "hot", "set_context_source"]

Callback = Callable[[dict[str, Any]], object]


class ModuleRecord(Protocol):
    """The engine's record of one module, as much of it as a context reads (a graph node)."""

    name: str
    version: int
    data: dict[str, Any]


# Finds the context of a module by name; the running engine installs one.
ContextSource = Callable[[str], "HotContext | None"]
_source: ContextSource | None = None


def set_context_source(source: ContextSource | None) -> None:
    """Called by the engine as it starts (its lookup) and stops (None): `hot()` asks it."""
    global _source
    _source = source


class Hot(Protocol):
    """What `hot()` returns, whether HMR is on or off."""

    @property
    def enabled(self) -> bool: ...
    @property
    def data(self) -> dict[str, Any]: ...
    def dispose(self, callback: Callback) -> None: ...
    def prune(self, callback: Callback) -> None: ...
    def decline(self) -> None: ...
    def accept(self) -> None: ...
    def invalidate(self) -> None: ...


class HotContext:
    """The hot-reload context of one version of one module."""

    enabled = True

    def __init__(self, node: ModuleRecord, invalidate: Callable[[], None]) -> None:
        self._node = node
        self._invalidate = invalidate
        self.declined = False
        self.accepted = False
        self.dispose_callbacks: list[Callback] = []
        self.prune_callbacks: list[Callback] = []

    @property
    def data(self) -> dict[str, Any]:
        """State that survives reloads of this module (lost on a restart)."""
        return self._node.data

    def dispose(self, callback: Callback) -> None:
        """Call `callback(data)` when this version is replaced or removed; `data`: its keys as it left them."""
        self.dispose_callbacks.append(callback)

    def prune(self, callback: Callback) -> None:
        """Call `callback(data)` when the module is removed (file deleted, no longer imported), after its dispose."""
        self.prune_callbacks.append(callback)

    def decline(self) -> None:
        """Changes to this module need a restart of the process."""
        self.declined = True

    def accept(self) -> None:
        """This module absorbs its own changes: its importers are not re-executed."""
        self.accepted = True

    def invalidate(self) -> None:
        """Re-execute this module's importers too, now."""
        self._invalidate()

    def __repr__(self) -> str:
        return f"<HotContext {self._node.name} v{self._node.version}>"


class _DisabledContext:
    """What `hot()` returns with HMR off: same members, no effect, no cost."""

    enabled = False
    declined = False
    accepted = False

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def dispose(self, callback: Callback) -> None:
        pass

    def prune(self, callback: Callback) -> None:
        pass

    def decline(self) -> None:
        pass

    def accept(self) -> None:
        pass

    def invalidate(self) -> None:
        pass


def hot(name: str) -> Hot:
    """Return the hot-reload context of the module called `name` (pass `__name__`)."""
    from hotbed.reload import engine

    current = engine.current()
    if current is not None:
        context = current.context_for(name)
        if context is not None:
            return context
    return _DisabledContext()
