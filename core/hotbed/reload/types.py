"""Typed values shared across hotbed's modules: change events and reload results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal

__all__ = [
    "Change",
    "ChangeEvent",
    "CommitHook",
    "ReloadError",
    "ReloadResult",
    "RestartKind",
    "RestartReason",
]

ChangeEvent = Literal["change", "add", "unlink"]
RestartKind = Literal["restart-glob", "declined", "non-boundary", "integration", "read-at-run-time", "startup"]

# Called with the new module objects and the names of removed modules before a reload
# commits; raising rolls the reload back. The callable it returns runs at the commit.
CommitHook = Callable[[list[ModuleType], list[str]], Callable[[], object] | None]


@dataclass(frozen=True, slots=True)
class Change:
    """One file event from the editor or the watcher; `path` is absolute."""

    path: str
    event: ChangeEvent = "change"


@dataclass(frozen=True, slots=True)
class RestartReason:
    """Why a change cannot be hot-applied, and the file responsible for it."""

    kind: RestartKind
    path: str
    changed: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ReloadError:
    """A failure during a reload, located in the source so an editor can point at it.

    `line` and `column` are 1-based; 0 means unknown.
    """

    path: str
    line: int
    column: int
    message: str
    kind: Literal["syntax", "import", "dispose", "prune"] = "import"
    source_line: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """The outcome of one reload transaction.

    `committed` is True when the new module versions replaced the old ones. Errors of kind
    `dispose` or `prune` come from callbacks after a commit; every other error means the
    transaction was rolled back and the old code is still in place.
    """

    changed: tuple[str, ...] = ()
    reexecuted: tuple[str, ...] = ()
    patched: tuple[str, ...] = ()  # modules changed in place (bodies only): nothing re-executed
    patched_functions: int = 0
    pruned: tuple[str, ...] = ()
    restart: tuple[RestartReason, ...] = ()
    errors: tuple[ReloadError, ...] = ()
    committed: bool = False
    duration: float = 0.0
    root: str = field(default="", compare=False)

    @property
    def restart_required(self) -> bool:
        return bool(self.restart)

    @property
    def ok(self) -> bool:
        return not self.restart and not self.errors

    @property
    def nothing_to_do(self) -> bool:
        return not self.changed and not self.restart and not self.errors
