"""The import hooks: who imports what, and loaders that never trust a stale `.pyc`.

Three hooks, installed together and removed together:
- `builtins.__import__` is wrapped to record an edge for every import statement a project
  module executes (top-level or inside a function, absolute or relative, cached or not);
- `importlib.import_module` is wrapped for imports with computed names;
- a meta-path finder, just before `PathFinder`, gives project modules `ProjectLoader`,
  which reports executions and keeps its own bytecode cache keyed on nanosecond mtimes
  so a stale `.pyc` is never run; another, first on the path while a reload runs,
  serves the reload transaction's precompiled code.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.machinery
import importlib.util
import io
import marshal
import os
import struct
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import CodeType, ModuleType
from typing import Any, Protocol

from hotbed.reload import reads
from hotbed.reload.graph import ModuleGraph, Node

__all__ = ["CodeCache", "ImportTracker", "ProjectLoader", "TrackerHost", "file_hash", "import_untracked", "load_code"]


class CodeCache(Protocol):
    """Where `load_code` keeps what it compiled: the engine, seen from below."""

    compiled: dict[str, tuple[bytes, CodeType]]
    fresh: dict[str, tuple[bytes, CodeType]]  # changed sources the batch being applied compiled already

    def bytecode_cache_path(self, path: str, rel: str | None = None) -> str: ...


class TrackerHost(CodeCache, Protocol):
    """What the import hooks report to: the engine implements it, this module never imports it."""

    graph: ModuleGraph
    executing: dict[str, int]

    def project_rel(self, path: str) -> str | None: ...
    def before_exec(self, name: str, path: str, digest: bytes | None, rel: str | None = None) -> Node: ...
    def after_exec(self, node: Node, *, ok: bool) -> None: ...
    def record_import(self, importer: Node | None, targets: Iterable[str]) -> None: ...
    def staged_code(self, fullname: str) -> tuple[str, Any, bool] | None: ...


_original_import = builtins.__import__
_original_import_module = importlib.import_module


def file_hash(data: bytes) -> bytes:
    """The content digest that tells a real change from a re-save (also kept in the bytecode cache)."""
    return importlib.util.source_hash(data)


# Bytecode cache header: magic number, source mtime in nanoseconds, source size, source digest.
_HEADER = struct.Struct("<4sQQ8s")
_MAGIC = importlib.util.MAGIC_NUMBER


def _write_cache(path: str, data: bytes) -> None:
    """Write through a temp file, as importlib does, so a concurrent reader never sees half."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(temp, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


# A source modified this recently may be modified again within the file system's timestamp
# granularity, keeping its mtime and size: its bytecode is not cached (git's "racy" rule).
_RACY_NS = 2_000_000_000


def load_code(engine: CodeCache, path: str, *, verify: bool = False, cache: str = "") -> tuple[CodeType, bytes]:
    """A project file's code and source digest, from hotbed's bytecode cache when it is fresh.

    Python's `.pyc` header keeps whole seconds, so two saves within one second with the
    same size can run stale bytecode; this cache, under `.hotbed/bytecode/`, keys on
    nanoseconds and stores the source digest, so a fresh entry spares reading the source
    at all. `verify` trusts the digest alone, never the mtime: a reload reads every
    source anyway and must not run stale code whatever the clock did; what it finds is
    kept in memory (`Engine.compiled`), so a module re-executed again is neither read
    from the cache nor compiled, even where bytecode is not written at all. Python's own
    `__pycache__` is left alone for plain runs. `cache`: the cache file, when the caller knows it.
    """
    st = os.stat(path)  # before reading, so the cached mtime is never newer than the bytes
    source = digest = None
    if verify:
        with io.open_code(path) as file:
            source = file.read()
        digest = file_hash(source)
        known = engine.compiled.get(path)
        if known is not None and known[0] == digest:
            return known[1], digest
    cache = cache or engine.bytecode_cache_path(path)
    try:
        with io.open_code(cache) as file:
            data = file.read()
    except OSError:
        data = b""
    if len(data) > _HEADER.size:
        magic, mtime_ns, size, cached_digest = _HEADER.unpack_from(data)
        fresh = cached_digest == digest if verify else mtime_ns == st.st_mtime_ns and size == st.st_size
        known = engine.compiled.get(path)
        if magic == _MAGIC and fresh and known is not None and known[0] == cached_digest:
            return known[1], cached_digest  # the file imported under a second name: one code for both
        if magic == _MAGIC and fresh:
            code = marshal.loads(memoryview(data)[_HEADER.size :])
            if isinstance(code, CodeType):
                # Kept at every load, first imports too: the patcher compares a change with it.
                engine.compiled[path] = (cached_digest, code)
                return code, cached_digest
    if source is None:
        with io.open_code(path) as file:
            source = file.read()
    digest = file_hash(source)
    known = engine.compiled.get(path)
    if known is not None and known[0] == digest:
        return known[1], digest
    fresh = engine.fresh.get(path)
    code = fresh[1] if fresh is not None and fresh[0] == digest else compile(source, path, "exec", dont_inherit=True)
    engine.compiled[path] = (digest, code)
    if not sys.dont_write_bytecode and time.time_ns() - st.st_mtime_ns > _RACY_NS:
        with contextlib.suppress(OSError):  # a read-only checkout still runs, uncached
            _write_cache(cache, _HEADER.pack(_MAGIC, st.st_mtime_ns, st.st_size, digest) + marshal.dumps(code))
    return code, digest


class ProjectLoader(importlib.machinery.SourceFileLoader):
    """Loads a project module, caches its bytecode, reports its execution to the engine."""

    def __init__(
        self,
        engine: TrackerHost,
        fullname: str,
        path: str,
        code: CodeType | None = None,
        rel: str | None = None,
        cache: str = "",
    ) -> None:
        # `FileLoader.__init__`'s two attributes, set here: one loader is made per imported module.
        self.name = fullname
        self.path = path
        self._engine = engine
        self._code = code
        self._rel = rel  # root-relative path, when the finder knows it
        self._cache = cache  # bytecode cache file, likewise
        self.digest: bytes | None = None

    def get_code(self, fullname: str) -> CodeType:
        if self._code is not None:
            return self._code
        code, self.digest = load_code(self._engine, self.path, cache=self._cache)
        return code

    def get_data(self, path: str) -> bytes:
        """A data file of the package read through its loader (`pkgutil.get_data`) is a read like
        `open()`'s; the import system reads sources through `get_code`, not here."""
        reads.loader_read(path)
        return super().get_data(path)

    def exec_module(self, module: ModuleType) -> None:
        code = self._code
        if code is None:
            code, self.digest = load_code(self._engine, self.path, cache=self._cache)
        self._code = None
        engine = self._engine
        node = engine.before_exec(module.__name__, self.path, self.digest, self._rel)
        try:
            exec(code, module.__dict__)
        except BaseException:
            engine.after_exec(node, ok=False)
            raise
        engine.after_exec(node, ok=True)


class _Finder:
    """A meta-path finder working for `engine` (not `importlib.abc`'s: importing it costs more)."""

    def __init__(self, engine: TrackerHost) -> None:
        self._engine = engine

    def invalidate_caches(self) -> None:
        pass


class _StagedFinder(_Finder):
    """First on `sys.meta_path` during a reload: hands out the transaction's compiled modules.

    Being first spares every re-executed module a walk past the other finders; it is on
    the path only while a reload runs, so plain imports never pay for it.
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        engine = self._engine
        staged = engine.staged_code(fullname)
        if staged is None:
            return None
        file, code, is_package = staged
        spec = importlib.machinery.ModuleSpec(
            fullname, ProjectLoader(engine, fullname, file, code), origin=file, is_package=is_package
        )
        spec.has_location = True
        spec.cached = engine.bytecode_cache_path(file)
        if is_package:
            spec.submodule_search_locations = [os.path.dirname(file)]
        return spec


class _ProjectFinder(_Finder):
    """Finds modules like `PathFinder` does, then swaps in `ProjectLoader` for project files."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None:
            return None
        origin = spec.origin
        if origin and origin.endswith(".py"):
            engine = self._engine
            rel = engine.project_rel(origin)
            if rel is not None:
                # `__cached__` names hotbed's cache, where the bytecode really is; also far cheaper to compute.
                spec.cached = cache = engine.bytecode_cache_path(origin, rel)
                spec.loader = ProjectLoader(engine, fullname, origin, None, rel, cache)
        return spec


def _package_of(globals: Mapping[str, Any]) -> str:
    package = globals.get("__package__")
    if package is None:
        name = str(globals.get("__name__", ""))
        package = name if "__path__" in globals else name.rpartition(".")[0]
    return str(package)


class ImportTracker:
    """Installs and removes the hooks; forwards every project import to the engine."""

    def __init__(self, engine: TrackerHost) -> None:
        self._engine = engine
        self._finder = _ProjectFinder(engine)
        self._staged_finder = _StagedFinder(engine)
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        engine = self._engine
        by_name = engine.graph.by_name
        executing = engine.executing
        record = engine.record_import

        # Runs for every import statement in the process, so it stays flat and cheap: no
        # helper calls on the common paths, `importlib.util.resolve_name` done inline.
        def tracking_import(
            name: str,
            globals: Mapping[str, Any] | None = None,
            locals: Mapping[str, Any] | None = None,
            fromlist: Sequence[str] | None = (),
            level: int = 0,
        ) -> ModuleType:
            module = _original_import(name, globals, locals, fromlist, level)
            if globals is None:
                return module
            importer = by_name.get(globals.get("__name__"))  # type: ignore[arg-type]
            if importer is None:
                if level == 0:
                    imported = by_name.get(name)
                    if imported is not None:
                        imported.external = True
                return module
            if level:
                package = globals.get("__package__") or _package_of(globals)
                if level > 1:
                    bits = package.rsplit(".", level - 1)
                    if len(bits) < level:
                        return module  # beyond the top-level package: the import above has raised
                    package = bits[0]
                name = f"{package}.{name}" if name else package
            deps = importer.static_deps if importer.name in executing else importer.runtime_deps
            if fromlist:
                binds_package = False
                if "*" in fromlist:
                    # `from pkg import *` imports the submodules `pkg.__all__` names as well.
                    fromlist = [*fromlist, *getattr(module, "__all__", ())]
                for item in fromlist:
                    submodule = by_name.get(f"{name}.{item}") if item != "*" else None
                    if submodule is None:
                        binds_package = True
                    elif submodule is not importer:
                        deps.add(submodule)
                        submodule.dependents.add(importer)
                if binds_package:
                    imported = by_name.get(name)
                    if imported is not None and imported is not importer:
                        deps.add(imported)
                        imported.dependents.add(importer)
            else:
                # `import a.b.c` binds `a` and reaches `c` through `a.b`: it depends on all three.
                while True:
                    imported = by_name.get(name)
                    if imported is not None and imported is not importer:
                        deps.add(imported)
                        imported.dependents.add(importer)
                    name, dot, _ = name.rpartition(".")
                    if not dot:
                        break
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
        for finder in (self._staged_finder, self._finder):
            if finder in sys.meta_path:
                sys.meta_path.remove(finder)
        self.installed = False

    @contextlib.contextmanager
    def staging(self) -> Iterator[None]:
        """Serve a transaction's compiled modules ahead of every other finder."""
        sys.meta_path.insert(0, self._staged_finder)
        try:
            yield
        finally:
            if self._staged_finder in sys.meta_path:
                sys.meta_path.remove(self._staged_finder)


def import_untracked(name: str) -> ModuleType:
    """Import `name` without recording an edge; the engine uses it to re-execute modules."""
    return _original_import_module(name)
