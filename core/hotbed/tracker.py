"""The import hooks: who imports what, and loaders that never trust a stale `.pyc`.

Three hooks, installed together and removed together:
- `builtins.__import__` is wrapped to record an edge for every import statement a project
  module executes (top-level or inside a function, absolute or relative, cached or not);
- `importlib.import_module` is wrapped for imports with computed names;
- a meta-path finder, just before `PathFinder`, gives project modules `ProjectLoader`,
  which tells executions apart and serves a reload transaction's precompiled code.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hotbed.engine import Engine

__all__ = ["ImportTracker", "ProjectLoader"]

_original_import = builtins.__import__
_original_import_module = importlib.import_module


class ProjectLoader(importlib.machinery.SourceFileLoader):
    """Loads a project module and reports its execution to the engine."""

    def __init__(self, engine: Engine, fullname: str, path: str, code: CodeType | None = None) -> None:
        super().__init__(fullname, path)
        self._engine = engine
        self._code = code

    def path_stats(self, path: str) -> Mapping[str, Any]:
        # The .pyc header keeps 32 bits of the source mtime. Feeding it nanoseconds makes
        # two saves within one second (same size) still invalidate the cached bytecode.
        st = os.stat(path)
        return {"mtime": st.st_mtime_ns, "size": st.st_size}

    def get_code(self, fullname: str) -> CodeType | None:
        if self._code is not None:
            return self._code
        return super().get_code(fullname)

    def exec_module(self, module: ModuleType) -> None:
        engine = self._engine
        node = engine.before_exec(module.__name__, self.path)
        try:
            super().exec_module(module)
        except BaseException:
            engine.after_exec(node, ok=False)
            raise
        finally:
            self._code = None
        engine.after_exec(node, ok=True)


class _ProjectFinder:
    """Finds modules like `PathFinder` does, then swaps in `ProjectLoader` for project files."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        engine = self._engine
        staged = engine.staged_code(fullname)
        if staged is not None:
            file, code, is_package = staged
            loader = ProjectLoader(engine, fullname, file, code)
            return importlib.util.spec_from_file_location(
                fullname,
                file,
                loader=loader,
                submodule_search_locations=[os.path.dirname(file)] if is_package else None,
            )
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is not None and spec.origin and spec.origin.endswith(".py") and engine.is_project_file(spec.origin):
            spec.loader = ProjectLoader(engine, fullname, spec.origin)
        return spec

    def invalidate_caches(self) -> None:
        pass


def _package_of(globals: Mapping[str, Any]) -> str:
    package = globals.get("__package__")
    if package is None:
        name = str(globals.get("__name__", ""))
        package = name if "__path__" in globals else name.rpartition(".")[0]
    return str(package)


class ImportTracker:
    """Installs and removes the hooks; forwards every project import to the engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._finder = _ProjectFinder(engine)
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        engine = self._engine
        by_name = engine.graph.by_name
        record = engine.record_import

        def tracking_import(
            name: str,
            globals: Mapping[str, Any] | None = None,
            locals: Mapping[str, Any] | None = None,
            fromlist: Sequence[str] | None = (),
            level: int = 0,
        ) -> ModuleType:
            module = _original_import(name, globals, locals, fromlist or (), level)
            if globals is not None:
                importer = by_name.get(globals.get("__name__"))  # type: ignore[arg-type]
                if importer is None:
                    if level == 0 and name in by_name:
                        by_name[name].external = True
                else:
                    try:
                        absolute = importlib.util.resolve_name("." * level + name, _package_of(globals))
                    except (ImportError, ValueError):
                        return module
                    if fromlist:
                        targets = [absolute]
                        submodule_only = True
                        for item in fromlist:
                            if item != "*" and f"{absolute}.{item}" in by_name:
                                targets.append(f"{absolute}.{item}")
                            else:
                                submodule_only = False
                        if submodule_only:
                            targets.pop(0)
                    else:
                        parts = absolute.split(".")
                        targets = [".".join(parts[: i + 1]) for i in range(len(parts))]
                    record(importer, targets)
            return module

        def tracking_import_module(name: str, package: str | None = None) -> ModuleType:
            module = _original_import_module(name, package)
            caller = sys._getframe(1).f_globals
            absolute = importlib.util.resolve_name(name, package) if name.startswith(".") else name
            record(by_name.get(caller.get("__name__")), [absolute])  # type: ignore[arg-type]
            return module

        builtins.__import__ = tracking_import
        importlib.import_module = tracking_import_module
        pos = next((i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder), len(sys.meta_path))
        sys.meta_path.insert(pos, self._finder)
        self.installed = True

    def uninstall(self) -> None:
        if not self.installed:
            return
        builtins.__import__ = _original_import
        importlib.import_module = _original_import_module
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        self.installed = False


def import_untracked(name: str) -> ModuleType:
    """Import `name` without recording an edge; the engine uses it to re-execute modules."""
    return _original_import_module(name)
