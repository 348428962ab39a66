"""Files the project's code reads: a config file, a template, a SQL file, a `.env` one folder up.

They are dependencies as much as modules are: a module that read `settings.yaml` while it
executed holds what it found there, and a cold start after an edit of that file holds the
new content. While an engine runs, `open()` (`builtins.open`, `io.open`, which `pathlib`,
`json`, python-dotenv and most libraries call) notes every file opened for reading; one
inside the project root (or beside it, a `.env`), that is not a module and not in a tool
folder, is recorded against the module
that was executing, or as read at run time when none was. The engine re-executes the
modules that read a changed file at import, and restarts the worker for one the project's
own code read at run time (it may keep what it found in some object the engine does not
know: an `lru_cache`, a global). A library reading a file at run time (a template loader,
`StaticFiles`) reads it again itself, and is not recorded, except for a `.env` (settings
read from it, pydantic-settings' `Settings()` behind an `lru_cache`, are cached by the
app); hotbed's own reads (the entity files, the worker's `.env`) have their own way in.

Not an audit hook: one is called for every audited event of the process (thousands per
import, a few percent of a cold start) and can never be removed; the import system opens
its files without `open()`, so wrapping it costs nothing there. `os.open` is not seen. A
package's data read through its loader (`pkgutil.get_data`), which skips `open()` too, is
noted by the project's loader (`tracker.ProjectLoader.get_data`).
"""

from __future__ import annotations

import builtins
import io
import os
import sys
import sysconfig
from collections.abc import Callable
from types import FrameType
from typing import Any, Literal

__all__ = ["LIBRARY_PREFIXES", "FileReads", "loader_read"]

_SKIPPED_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".pth", ".sqlite", ".sqlite3", ".db", "-journal", "-wal", "-shm")
_HOTBED = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_PATHS = sysconfig.get_paths()
_STDLIB = tuple({os.path.abspath(_PATHS[k]) + os.sep for k in ("stdlib", "platstdlib")})
# Where installed code lives, never the project's own modules: the engine asks it too (once per process).
LIBRARY_PREFIXES = tuple(
    {os.path.abspath(_PATHS[k]) + os.sep for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in _PATHS}
)
_current: FileReads | None = None
_builtin_open = io.open


def _open(file: Any, *args: Any, **kwargs: Any) -> Any:
    """`open()`, noting the file for the running engine first (a missing file is a dependency too)."""
    current = _current
    if current is not None:
        current.opened(file, args[0] if args else kwargs.get("mode", "r"))
    return _builtin_open(file, *args, **kwargs)


def loader_read(path: str) -> None:
    """A package's loader read `path` for its caller (`pkgutil.get_data`, not through `open()`):
    noted as `open()` notes a file."""
    current = _current
    if current is not None:
        current.opened(path, "rb", depth=3)


class FileReads:
    """Per file read: the modules that read it while executing, and whether it was read at run time."""

    def __init__(
        self,
        wanted: Callable[[str], bool],
        executing: Callable[[], str | None],
        is_project_file: Callable[[str], bool],
    ) -> None:
        self._wanted = wanted  # whether a path is the project's data (not a module, not a tool's)
        self._executing = executing  # the innermost module executing, if any
        self._is_project_file = is_project_file
        self.at_import: dict[str, set[str]] = {}
        self.at_run_time: set[str] = set()
        # Called (from whichever thread read) when a file is read for the first time: one read
        # between two reloads (a request's) must be watched before the next reload reports it.
        self.on_new: Callable[[], None] | None = None
        self._busy = False

    def start(self) -> None:
        global _current
        _current = self
        if builtins.open is _builtin_open:
            builtins.open = _open
        if io.open is _builtin_open:
            io.open = _open

    def stop(self) -> None:
        global _current
        if _current is self:
            _current = None
            if builtins.open is _open:
                builtins.open = _builtin_open
            if io.open is _open:
                io.open = _builtin_open

    def paths(self) -> tuple[str, ...]:
        """Every file recorded so far: what a watcher must watch besides the modules."""
        return tuple(sorted({*self.at_import, *self.at_run_time}))

    def snapshot(self) -> dict[str, frozenset[str]]:
        return {path: frozenset(modules) for path, modules in self.at_import.items()}

    def restore(self, snapshot: dict[str, frozenset[str]]) -> None:
        """Back to `snapshot` (a reload rolled back: the old versions' reads hold again)."""
        self.at_import = {path: set(modules) for path, modules in snapshot.items()}

    def forget(self, name: str) -> None:
        """Module `name` executes again: what its old version read, it reads again or not."""
        for modules in self.at_import.values():
            modules.discard(name)

    def opened(self, file: Any, mode: Any, depth: int = 2) -> None:
        """`file` opened with `mode`; the frame `depth` up is where the reader is looked for."""
        if self._busy:
            return
        if file.__class__ is not str:
            if not isinstance(file, os.PathLike):
                return  # a descriptor, bytes
            file = os.fspath(file)
            if not isinstance(file, str):
                return
        if not isinstance(mode, str) or any(c in mode for c in "wax+") or file.endswith(_SKIPPED_SUFFIXES):
            return
        self._busy = True  # what `wanted` does (a realpath) must not come back here
        try:
            path = os.path.abspath(file)
            if not self._wanted(path):
                return
            reader = self._reader(sys._getframe(depth))
            if reader == "hotbed":
                return
            module = self._executing()
            new = path not in self.at_import and path not in self.at_run_time
            if module is not None:
                self.at_import.setdefault(path, set()).add(module)
            elif reader == "project" or os.path.basename(path).startswith(".env"):
                self.at_run_time.add(path)  # a `.env` read at run time: settings cached from it
            else:
                new = False
            if new and self.on_new is not None:
                self.on_new()
        finally:
            self._busy = False

    def _reader(self, frame: FrameType | None) -> Literal["project", "hotbed", "library"]:
        """Whose code opened the file: the first caller outside the standard library."""
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith(_STDLIB) and not filename.startswith("<frozen"):
                if filename.startswith(_HOTBED):
                    return "hotbed"
                return "project" if self._is_project_file(filename) else "library"
            frame = frame.f_back
        return "library"
