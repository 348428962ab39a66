"""One reload as a transaction: compile all, execute fresh modules, commit or roll back.

Modules of the plan are taken out of `sys.modules` and imported again through the normal
import system, which finds their precompiled code through the engine. A module that
imports another module of the plan therefore gets its new version, executed on the spot,
exactly as during the first import: dependencies first, a cycle once and in its order.
"""

from __future__ import annotations

import importlib
import linecache
import os
import sys
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType, FrameType, ModuleType
from typing import Any, Protocol

from hotbed.reload import integrations
from hotbed.reload.graph import ModuleGraph, Node
from hotbed.reload.integrations import Also, Replaced, Undo
from hotbed.reload.tracker import CodeCache, import_untracked, load_code
from hotbed.reload.types import CommitHook, ReloadError, RestartReason
from hotbed.reload.watchdog import execution_deadline

__all__ = ["Outcome", "Transaction", "TransactionHost"]


class TransactionHost(CodeCache, Protocol):
    """What a transaction needs from the engine that runs it; the engine never is imported here."""

    graph: ModuleGraph
    commit_hooks: list[CommitHook]
    execution_timeout: float | None

    def is_project_file(self, path: str) -> bool: ...


_MISSING: Any = object()
# hotbed itself (the engine, and the framework code a module runs at import) is never interrupted.
_OWN_CODE = (os.path.dirname(os.path.dirname(__file__)) + os.sep, "<frozen importlib")


def _interruptible(frame: FrameType) -> bool:
    """Anything but the engine and the import system may be interrupted mid-way."""
    return not frame.f_code.co_filename.startswith(_OWN_CODE)


@dataclass(frozen=True, slots=True)
class Outcome:
    executed: tuple[str, ...] = ()
    pruned: tuple[str, ...] = ()
    restart: tuple[RestartReason, ...] = ()
    errors: tuple[ReloadError, ...] = ()
    committed: bool = False
    rerun: tuple[Node, ...] = ()  # rolled back to run again with this wider plan (see `add_importers_of`)


class _Widened(BaseException):
    """`hot.invalidate()` added a module this transaction's modules already imported in its old
    version (an import cycle): they hold a stale reference, so the whole plan runs again.
    A BaseException, so that module code catching `Exception` around the call lets it pass."""


@dataclass(slots=True)
class _Saved:
    static_deps: set[Node]
    data: dict[str, Any]  # the keys as the old version left them: what its dispose gets
    contents: list[tuple[Any, Any]]  # every container in `hot.data` and its contents, for a rollback


class Transaction:
    def __init__(self, engine: TransactionHost, plan: list[Node], removed: list[Node]) -> None:
        self.engine = engine
        self.order = sorted(plan, key=lambda n: n.seq)
        self.removed = removed
        self.code: dict[str, tuple[str, CodeType, bool]] = {}
        self.hashes: dict[Node, bytes] = {}
        self.new_nodes: list[Node] = []
        self.executed: list[Node] = []
        self.saved: dict[Node, _Saved] = {}
        self.old_modules: dict[str, ModuleType | None] = {}
        self.parent_attrs: list[tuple[ModuleType, str, Any]] = []
        self.restart: list[RestartReason] = []
        self.undos: list[Undo] = []

    # -- called back by the engine while modules execute -----------------------------------

    def staged(self, fullname: str) -> tuple[str, CodeType, bool] | None:
        return self.code.get(fullname)

    def before_reexec(self, node: Node) -> None:
        if node not in self.saved:
            # `hot.data` and its containers stay the same objects across versions (a dispose may
            # leave something in them for the new version); a rollback puts their contents back.
            deps = self.engine.graph.clear_static_deps(node)
            self.saved[node] = _Saved(deps, dict(node.data), _contents(node.data))
        else:
            self.engine.graph.clear_static_deps(node)

    def after_exec(self, node: Node) -> None:
        self.executed.append(node)
        new = sys.modules.get(node.name)
        old = self.old_modules.get(node.name)
        if old is not None and new is not None and hasattr(old, "__path__"):
            # A re-executed package keeps the submodules its __init__ does not import itself.
            prefix = node.name + "."
            for attr, value in vars(old).items():
                if isinstance(value, ModuleType) and value.__name__ == prefix + attr and not hasattr(new, attr):
                    setattr(new, attr, sys.modules.get(value.__name__, value))

    def add_importers_of(self, node: Node) -> None:
        order, reasons = self.engine.graph.propagate(node, include_start=False)
        self.restart.extend(reasons)
        added = [importer for importer in order if importer not in self.order]
        ran = [*self.executed, node]
        if any(importer in n.static_deps for importer in added for n in ran):
            raise _Widened(tuple(sorted({*self.order, *added}, key=lambda n: n.seq)))
        for importer in added:
            self._compile(importer)
            self._take_out(importer)
            self.order.append(importer)

    # -- the transaction ------------------------------------------------------------------

    def _compile(self, node: Node) -> None:
        # Importers whose source did not change come from the bytecode cache; changed files are compiled.
        code, self.hashes[node] = load_code(self.engine, node.path, verify=True)
        self.code[node.name] = (node.path, code, node.path.endswith("__init__.py"))

    def _take_out(self, node: Node) -> None:
        """Remove a module from sys.modules and from its parent, remembering both."""
        name = node.name
        if name in self.old_modules:
            return
        old = self.old_modules[name] = sys.modules.pop(name, None)
        if old is not None:
            # Integrations take what the old version registered out of objects that outlive it.
            for integration in integrations.active():
                undo = integration.take_out(name, old)
                if undo is not None:
                    self.undos.append(undo)
        parent_name, _, child = name.rpartition(".")
        if parent_name:
            parent = self.old_modules.get(parent_name) or sys.modules.get(parent_name)
            if parent is not None:
                self.parent_attrs.append((parent, child, getattr(parent, child, _MISSING)))
                if hasattr(parent, child):
                    delattr(parent, child)

    def _widen(self) -> None:
        """Add the modules integrations say must run again with the planned ones, and their importers."""
        planned = set(self.order)
        i = 0
        while i < len(self.order):
            node = self.order[i]
            i += 1
            old = sys.modules.get(node.name)
            if old is None:
                continue
            for integration in integrations.active():
                also: Also | None = getattr(integration, "also", None)
                for name in also(node.name, old) if also is not None else ():
                    other = self.engine.graph.by_name.get(name)
                    if other is None or other in planned:
                        continue
                    order, reasons = self.engine.graph.propagate(other)
                    self.restart.extend(reasons)
                    for added in order:
                        if added not in planned:
                            planned.add(added)
                            self.order.append(added)
        self.order.sort(key=lambda n: n.seq)

    def run(self) -> Outcome:
        self._widen()
        broken: list[tuple[Node, SyntaxError]] = []
        try:
            for node in self.order:
                try:
                    self._compile(node)
                except SyntaxError as error:
                    broken.append((node, error))
            # One whose importers all drop it is left out: imported after all, the import system
            # compiles it and raises.
            blocking = next((failed for bad, failed in broken if not self._dropped_by_importers(bad)), None)
            if blocking is not None:
                raise blocking
        except SyntaxError as exc:
            return Outcome(errors=(_syntax_error(exc),))
        except OSError as exc:
            return Outcome(errors=(ReloadError(str(exc.filename or ""), 0, 0, f"cannot read: {exc.strerror}"),))

        # New files may sit in folders whose listing the path finders cached before they existed.
        importlib.invalidate_caches()
        modules_before = set(sys.modules)
        try:
            for node in (*self.order, *self.removed):
                self._take_out(node)
            with execution_deadline(self.engine.execution_timeout, _interruptible):
                i = 0
                while i < len(self.order):
                    node = self.order[i]
                    i += 1
                    if node.name not in sys.modules and not self._no_longer_imported(node):
                        import_untracked(node.name)
            self.restart.extend(self._integration_restarts())
            if self.restart:
                self._rollback(modules_before)
                return Outcome(restart=tuple(self.restart))
            # Commit hooks prepare their swap (the API registry scans the new modules) while
            # a failure can still roll everything back, and apply it at the commit.
            modules = [sys.modules[n.name] for n in self.executed if n.name in sys.modules]
            removed = [n.name for n in self.removed]
            appliers = [hook(modules, removed) for hook in self.engine.commit_hooks]
        except KeyboardInterrupt:
            self._rollback(modules_before)
            raise
        except _Widened as widened:
            self._rollback(modules_before)
            return Outcome(rerun=widened.args[0])
        except BaseException as exc:
            self._rollback(modules_before)
            return Outcome(errors=(_located_error(exc, self.engine),))
        return self._commit(appliers)

    def _dropped_by_importers(self, node: Node) -> bool:
        """Every importer runs again and its new code never names the module: a cold start of the
        new files would not compile it, so its syntax error stops nothing (it is pruned)."""
        if node.version == 0 or node.external or not node.dependents:
            return False
        name = node.name.rpartition(".")[2]
        return all(
            importer.name in self.code and not _may_import(self.code[importer.name][1], name)
            for importer in node.dependents
        )

    def _no_longer_imported(self, node: Node) -> bool:
        """Its importers' new versions ran without importing it: pruned at the commit, never run again.

        Its importers come first in the plan's order (they started its first import), so by
        now each has re-executed; what it would do (even fail) no longer concerns the app.
        """
        return node.version > 0 and not node.external and not node.dependents and node in self._saved_deps()

    def _saved_deps(self) -> set[Node]:
        return {dep for saved in self.saved.values() for dep in saved.static_deps}

    def _replaced(self) -> list[Replaced]:
        nodes = {n.name: n for n in (*self.executed, *self.removed)}
        return [
            Replaced(
                name,
                old,
                sys.modules.get(name) if name in nodes and nodes[name] in self.executed else None,
                nodes[name].data if name in nodes else {},
            )
            for name, old in self.old_modules.items()
        ]

    def _integration_restarts(self) -> list[RestartReason]:
        replaced = self._replaced()
        reasons = []
        for integration in integrations.active():
            for name, message in integration.restart(replaced):
                node = self.engine.graph.by_name.get(name) or self.order[0]
                reasons.append(RestartReason("integration", node.path, node.path, message))
        return reasons

    def _rollback(self, modules_before: set[str]) -> None:
        engine = self.engine
        for undo in reversed(self.undos):
            undo()
        self.undos.clear()
        for name in set(sys.modules) - modules_before:
            module = sys.modules.get(name)
            file = getattr(module, "__file__", None)
            if name in self.old_modules or (file and engine.is_project_file(file)):
                del sys.modules[name]
        for name, old in self.old_modules.items():
            if old is not None:
                sys.modules[name] = old
        for parent, child, value in reversed(self.parent_attrs):
            if value is _MISSING:
                if hasattr(parent, child):
                    delattr(parent, child)
            else:
                setattr(parent, child, value)
        for node in self.new_nodes:
            engine.graph.remove(node)
            parent_name, _, child = node.name.rpartition(".")
            parent = sys.modules.get(parent_name) if parent_name else None
            if node.name not in sys.modules and parent is not None and hasattr(parent, child):
                delattr(parent, child)
        for node, saved in self.saved.items():
            engine.graph.restore_static_deps(node, saved.static_deps)
            for container, contents in saved.contents:
                _put_back(container, contents)
        for node in (*self.saved, *self.new_nodes):
            node.pending_context = None

    def _commit(self, appliers: list[Callable[[], object] | None]) -> Outcome:
        engine = self.engine
        graph = engine.graph
        errors: list[ReloadError] = []
        replaced: list[tuple[Node, Any, dict[str, Any]]] = []
        for node in self.executed:
            if node in self.saved:
                replaced.append((node, node.context, self.saved[node].data))
                node.source_hash = self.hashes.get(node, node.source_hash)
            node.version += 1
            node.context, node.pending_context = node.pending_context, None
        for apply in appliers:
            if apply is not None:
                apply()
        versions = self._replaced()
        for integration in integrations.active():
            try:
                integration.commit(versions)
            except Exception as exc:
                errors.append(_located_error(exc, engine, kind="dispose", fallback=self.order[0].path))

        pruned: list[Node] = []
        for node in self.removed:
            self._prune(node, errors)
            pruned.append(node)
        # Modules that only the re-executed versions' predecessors imported are now orphans.
        candidates = [dep for saved in self.saved.values() for dep in saved.static_deps]
        while candidates:
            dep = candidates.pop()
            if dep.name in graph.by_name and not dep.dependents and not dep.external and dep not in self.executed:
                candidates.extend(dep.dependencies)
                self._prune(dep, errors)
                pruned.append(dep)

        for node, context, data in replaced:
            for callback in context.dispose_callbacks if context is not None else ():
                try:
                    callback(data)
                except Exception as exc:
                    errors.append(_located_error(exc, engine, kind="dispose", fallback=node.path))
        return Outcome(
            executed=tuple(n.path for n in self.executed),
            pruned=tuple(n.path for n in pruned),
            errors=tuple(errors),
            committed=True,
        )

    def _prune(self, node: Node, errors: list[ReloadError]) -> None:
        module = sys.modules.get(node.name)
        if module is not None and getattr(module, "__file__", None) == node.path:
            del sys.modules[node.name]
        parent_name, _, child = node.name.rpartition(".")
        parent = sys.modules.get(parent_name) if parent_name else None
        if parent is not None and getattr(parent, child, None) is module and hasattr(parent, child):
            delattr(parent, child)
        self.engine.graph.remove(node)
        self.engine.compiled.pop(node.path, None)
        # A removed module's version is replaced by nothing: its dispose runs first, then prune.
        context = node.context
        for kind, callbacks in (
            (("dispose", context.dispose_callbacks), ("prune", context.prune_callbacks)) if context else ()
        ):
            for callback in callbacks:
                try:
                    callback(node.data)
                except Exception as exc:
                    errors.append(_located_error(exc, self.engine, kind=kind, fallback=node.path))


def _contents(value: Any, seen: set[int] | None = None) -> list[tuple[Any, Any]]:
    """Each dict, list, set and deque reachable through containers (tuples and frozensets too),
    subclasses included (a `defaultdict`, an `OrderedDict`, a `Counter`), with a shallow copy of
    what it holds: what a failed version appended to any of them is taken out again."""
    seen = set() if seen is None else seen
    if not isinstance(value, (dict, list, set, deque, tuple, frozenset)) or id(value) in seen:
        return []
    seen.add(id(value))
    items = list(value.values()) if isinstance(value, dict) else list(value)
    found: list[tuple[Any, Any]] = []
    if not isinstance(value, (tuple, frozenset)):  # immutable: only what they hold can change
        found.append((value, dict(value) if isinstance(value, dict) else items))
    for item in items:
        found.extend(_contents(item, seen))
    return found


def _may_import(code: CodeType, name: str) -> bool:
    """Whether `code`, or code nested in it, names `name`: in an import statement, an attribute or
    a string (`importlib.import_module("pkg.name")`); the safe side is yes."""
    return name in code.co_names or any(
        (isinstance(const, str) and name in const) or (isinstance(const, CodeType) and _may_import(const, name))
        for const in code.co_consts
    )


def _put_back(container: Any, contents: Any) -> None:
    if isinstance(container, list):
        container[:] = contents
    elif isinstance(container, deque):
        container.clear()
        container.extend(contents)
    else:
        container.clear()
        container.update(contents)


def _syntax_error(exc: SyntaxError) -> ReloadError:
    path = exc.filename or ""
    line = exc.lineno or 0
    source = (exc.text or linecache.getline(path, line)).rstrip("\n")
    return ReloadError(path, line, exc.offset or 0, f"SyntaxError: {exc.msg}", "syntax", source.strip())


def _located_error(
    exc: BaseException, engine: TransactionHost, kind: Any = "import", fallback: str = ""
) -> ReloadError:
    """Point at the deepest frame of project code, where a developer would look first."""
    if isinstance(exc, SyntaxError):
        return _syntax_error(exc)
    path, line, column = fallback, 0, 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if engine.is_project_file(frame.filename):
            path, line, column = frame.filename, frame.lineno or 0, (frame.colno or 0) + 1
    source = linecache.getline(path, line).strip() if line else ""
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ReloadError(path, line, column, message, kind, source)
