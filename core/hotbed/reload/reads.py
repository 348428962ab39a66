"""Files the project's code reads: a config file, a template, a SQL file, a `.env` one folder up.

They are dependencies as much as modules are: a module that read `settings.yaml` while it
executed holds what it found there, and a cold start after an edit of that file holds the
new content. An audit hook (`sys.addaudithook`, called by `open()` and `os.open()`) sees
every file opened for reading; one inside the project root (or beside it, a `.env`
included), that is not a module and not in a tool folder, is recorded against the module
that was executing, or as read at run time when none was. The engine re-executes the
modules that read a changed file at import, and restarts the worker for one the project's
own code read at run time (it may keep what it found in some object the engine does not
know: an `lru_cache`, a global). A library reading a file at run time (a template loader,
`StaticFiles`) reads it again itself, and is not recorded, except for a `.env` (settings
read from it, pydantic-settings' `Settings()` behind an `lru_cache`, are cached by the
app); hotbed's own reads (the entity files, the worker's `.env`) have their own way in.

Audit hooks cannot be removed, so one hook per process dispatches to the running engine;
its cost when nothing is recorded is one attribute lookup per `open`.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Callable
from types import FrameType
from typing import Any, Literal

__all__ = ["FileReads"]

_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_SKIPPED_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".pth", ".sqlite", ".sqlite3", ".db", "-journal", "-wal", "-shm")
_HOTBED = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_STDLIB = tuple({os.path.abspath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")})
_current: FileReads | None = None
_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _current is not None:
        _current.opened(args)


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
        self._busy = False

    def start(self) -> None:
        global _current, _installed
        _current = self
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True

    def stop(self) -> None:
        global _current
        if _current is self:
            _current = None

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

    def opened(self, args: tuple[Any, ...]) -> None:
        if self._busy:
            return
        path, mode, flags = (*args, None, None, None)[:3]
        if not isinstance(path, str) or (isinstance(mode, str) and any(c in mode for c in "wax+")):
            return
        if mode is None and isinstance(flags, int) and flags & _WRITING:
            return
        if path.endswith(_SKIPPED_SUFFIXES):
            return
        self._busy = True  # what `wanted` does (a realpath) must not come back here
        try:
            path = os.path.abspath(path)
            if not self._wanted(path):
                return
            reader = self._reader(sys._getframe(2))
            if reader == "hotbed":
                return
            module = self._executing()
            if module is not None:
                self.at_import.setdefault(path, set()).add(module)
            elif reader == "project" or os.path.basename(path).startswith(".env"):
                self.at_run_time.add(path)  # a `.env` read at run time: settings cached from it
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
