"""Framework integrations: what a module registered elsewhere, undone before it runs again.

A cold start of the new files never sees the old version of a module, but re-executing it
in a warm process does: its old tables are still in their `MetaData`, its old routes still
on an app that lives in an unchanged module. An integration removes those before the
module re-executes, puts them back exactly on rollback, and finishes at the commit (copies
state to a replaced app, disposes orphaned engines).

An integration is active only while its library is in `sys.modules`, so an app that does
not use SQLAlchemy pays nothing for the SQLAlchemy integration; the library is imported by
the integration's own code only once the app imported it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

__all__ = ["Also", "Integration", "Replaced", "Undo", "active", "register", "registered", "unregister"]

# Put back what `take_out` removed; called on rollback, newest first.
Undo = Callable[[], None]
# An integration's optional `also(name, old)`: the modules that must run again with `name`.
Also = Callable[[str, ModuleType], Iterable[str]]


@dataclass(frozen=True, slots=True)
class Replaced:
    """One module of a committed or about-to-commit reload: the old and the new version (None when absent)."""

    name: str
    old: ModuleType | None
    new: ModuleType | None
    data: Mapping[str, Any] = field(default_factory=dict)  # the module's `hot.data`, which outlives versions


class Integration(Protocol):
    """What a framework integration does at each step of a reload.

    An integration may also have `also(name, old) -> Iterable[str]` (optional: `Also`), run
    while the reload is planned: the modules that must run again with `name` because they
    hold what it defines in a way only their own execution renews (a relationship by name
    from an unchanged module). `take_out(name, old)` runs before
    module `name` executes again, with its old version:
    remove what that version registered in objects that outlive it and return an `Undo`
    (or None when it registered nothing). `restart(replaced)` runs before the commit and
    may return (module name, message) pairs: reasons the worker must restart instead.
    `commit(replaced)` runs once the new versions are in place; what it raises is reported
    as a callback error, the commit stands.
    """

    def take_out(self, name: str, old: ModuleType) -> Undo | None: ...

    def restart(self, replaced: Sequence[Replaced]) -> list[tuple[str, str]]: ...

    def commit(self, replaced: Sequence[Replaced]) -> None: ...


_registered: dict[str, tuple[str, Callable[[], Integration]]] = {}
_instances: dict[str, Integration] = {}


def register(name: str, library: str, factory: Callable[[], Integration]) -> None:
    """Add an integration, active once `library` is in `sys.modules`.

    `factory` is called the first time the integration is needed, so it may import the
    library. Registering a name again replaces the earlier integration.

    Example:
        >>> from hotbed.reload import integrations
        >>> integrations.register("plugins", "myapp_plugins", PluginRegistryIntegration)
    """
    _registered[name] = (library, factory)
    _instances.pop(name, None)


def unregister(name: str) -> None:
    _registered.pop(name, None)
    _instances.pop(name, None)


def registered() -> list[str]:
    return list(_registered)


def active() -> Iterator[Integration]:
    """The integrations whose library the process has imported, in registration order."""
    for name, (library, factory) in list(_registered.items()):
        if library not in sys.modules:
            continue
        integration = _instances.get(name)
        if integration is None:
            integration = _instances[name] = factory()
        yield integration
