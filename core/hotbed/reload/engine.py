"""The engine: owns the module graph and the import hooks, plans and runs reloads.

It runs past 400 lines on purpose: planning a batch and its two ways of applying it
(patching in place, re-executing as a transaction) share the lock, the graph and the
compiled code, and splitting them would hand that state around instead; the facts about
files (which are the project's, per folder) are asked by every import and keep caches the
reloads read too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from types import CodeType
from typing import Any

from hotbed.exceptions import EngineStateError, RestartRequired
from hotbed.reload.globs import GlobSet
from hotbed.reload.graph import ModuleGraph, Node
from hotbed.reload.hot import HotContext, set_context_source
from hotbed.reload.import_calls import STARTUP, ImportCalls
from hotbed.reload.import_calls import available as import_calls_observable
from hotbed.reload.patcher import Patch, changed_functions, plan_patch
from hotbed.reload.reads import LIBRARY_PREFIXES as _LIBRARY_PREFIXES
from hotbed.reload.reads import FileReads
from hotbed.reload.tracker import ImportTracker, file_hash
from hotbed.reload.transaction import Outcome, Transaction
from hotbed.reload.types import Change, CommitHook, ReloadError, ReloadResult, RestartReason

__all__ = ["DEFAULT_BOUNDARIES", "DEFAULT_RESTART", "CommitHook", "Engine", "current"]

logger = logging.getLogger("hotbed.reload.engine")

DEFAULT_BOUNDARIES = ("**/*.py",)
DEFAULT_RESTART = (".env", "pyproject.toml", "hotbed.toml")
# Folders under a project root that never hold project modules.
_EXCLUDED_DIRS = frozenset({".venv", "venv", "site-packages", "dist-packages", "node_modules", ".hotbed", ".git"})

# What `Engine._folder_kind` says of a folder that holds no project modules, or resolves out of the root.
_NOT_PROJECT = "\0not a project folder"
_LINKED_OUT = "\0links out of the project"

_current: Engine | None = None

EXECUTION_TIMEOUT = 30.0
_RERUNS = 3  # a plan widened by `hot.invalidate()` in a cycle runs again, at most this often


def current() -> Engine | None:
    """The running engine, or None when HMR is off."""
    return _current


class Engine:
    def __init__(self, root: str | os.PathLike[str], boundaries: Sequence[str], restart: Sequence[str]) -> None:
        self.root = Path(root).resolve()
        # Paths are compared as strings (no syscalls on the import path): the resolved root
        # and the root as given both count, so a symlinked checkout works either way.
        self._root_prefixes = tuple({str(self.root) + os.sep, os.path.abspath(root) + os.sep})
        self._bytecode_folder = os.path.join(self.root, ".hotbed", "bytecode", "")
        self._bytecode_suffix = f".{sys.implementation.cache_tag}.pyc"
        self.boundaries = GlobSet(boundaries)
        self.restart = GlobSet(restart)
        self.graph = ModuleGraph()
        self.tracker = ImportTracker(self)
        self.lock = threading.RLock()
        self.executing: dict[str, int] = {}
        # path -> (source digest, code) of what reloads compiled or loaded: see `load_code`.
        self.compiled: dict[str, tuple[bytes, CodeType]] = {}
        # The same for the changed sources of the batch being applied, compiled once for its
        # startup check, its patch and its transaction alike; emptied when the batch ends.
        self.fresh: dict[str, tuple[bytes, CodeType]] = {}
        self.transaction: Transaction | None = None
        self.commit_hooks: list[CommitHook] = []
        # Which project functions ran while modules executed: those are re-executed, not patched.
        self.import_calls = ImportCalls(self.is_project_file, self.compiled)
        # Which data files the project read, and when: their changes reload or restart too.
        self.reads = FileReads(self._is_data_file, self._executing_module, self.is_project_file)
        self._starting_up = False
        # Changes of batches that rolled back, retried with every batch until one commits.
        self.pending: dict[str, Change] = {}
        # Seconds a reload may spend executing modules before it is rolled back (None: no limit).
        self.execution_timeout: float | None = EXECUTION_TIMEOUT
        self._project_files: dict[str, bool] = {}
        # Per folder, decided once: its root-relative path with a trailing `/` when it holds project
        # modules, else `_NOT_PROJECT` or `_LINKED_OUT` (a folder resolving outside the root).
        self._folders: dict[str, str] = {}
        self._listings: dict[str, tuple[set[str], set[str]]] = {}  # folder -> (its files, its links)
        self._relative_paths: dict[str, str | None] = {}  # every import asks three times; answer once
        # Calls on every module's execution, bound once; nothing to call where nothing observes (3.11).
        self._calls_started = self.import_calls.started if import_calls_observable() else None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        global _current
        if _current is not None and _current is not self:
            raise EngineStateError(f"an engine is already running for {_current.root}")
        self.tracker.install()
        self.reads.start()
        _current = self
        set_context_source(self.context_for)

    def stop(self) -> None:
        global _current
        self.tracker.uninstall()
        self.import_calls.close()
        self.reads.stop()
        if _current is self:
            _current = None
            set_context_source(None)

    # -- facts about files ---------------------------------------------------------------

    def _under_root(self, path: str) -> str | None:
        """The root-relative posix path of `path`, or None when it lies outside the root."""
        try:
            return self._relative_paths[path]
        except KeyError:
            pass
        absolute = os.path.abspath(path)
        rel = None
        for prefix in self._root_prefixes:
            if absolute.startswith(prefix):
                rel = absolute[len(prefix) :]
                rel = rel if os.sep == "/" else rel.replace(os.sep, "/")
                break
        if absolute == path:  # a relative path's answer depends on the working directory
            self._relative_paths[path] = rel
        return rel

    def is_project_file(self, path: str) -> bool:
        known = self._project_files.get(path)
        if known is None:
            known = self.project_rel(path) is not None
        return known

    def project_rel(self, path: str) -> str | None:
        """The root-relative path of a project module file, None for any other file.

        Decided per folder (under the root, in no tool or library folder, not resolving
        outside the root), then per file only whether it is itself a link out: the import
        of every module asks, and a path's own `abspath` and `realpath` cost more than the
        rest of its hook."""
        if self._project_files.get(path) is False:
            return None  # decided (a link out of the root warned about once)
        folder, _, name = path.rpartition(os.sep)
        rel_folder = self._folders.get(folder)
        if rel_folder is None:
            rel_folder = self._folder_kind(folder)
        if rel_folder is _NOT_PROJECT:
            self._project_files[path] = False
            return None
        if rel_folder is _LINKED_OUT or self._links_out(folder, name, path):
            self._project_files[path] = self._linked_out(path)
            return None
        self._project_files[path] = True
        rel = rel_folder + name
        if folder in self._folders:  # an absolute folder: the answer holds whatever the working directory
            self._relative_paths[path] = rel
        return rel

    def _folder_kind(self, folder: str) -> str:
        """The root-relative path (ending in `/`, or empty for the root) of a folder holding
        project modules; `_NOT_PROJECT` or `_LINKED_OUT` otherwise. Kept for absolute folders."""
        absolute = os.path.abspath(folder or os.curdir)
        inside = absolute + os.sep  # as the prefixes end
        rel = next((inside[len(p) :].replace(os.sep, "/") for p in self._root_prefixes if inside.startswith(p)), None)
        kind: str
        if rel is None or not _EXCLUDED_DIRS.isdisjoint(rel.split("/")) or inside.startswith(_LIBRARY_PREFIXES):
            kind = _NOT_PROJECT
        elif not (os.path.realpath(absolute) + os.sep).startswith(self._root_prefixes):
            kind = _LINKED_OUT
        else:
            kind = rel
        if absolute == folder:  # a relative folder's answer depends on the working directory
            self._folders[folder] = kind
        return kind

    def _links_out(self, folder: str, name: str, path: str) -> bool:
        """Whether a file of a project folder is itself a symlink out of the root. One listing per
        folder says which of its files are links (a file new since: listed again)."""
        listing = self._listings.get(folder)
        if listing is None or name not in listing[0]:
            try:
                with os.scandir(folder or os.curdir) as entries:
                    found = [(entry.name, entry.is_symlink()) for entry in entries]
            except OSError:
                found = []
            listing = self._listings[folder] = ({n for n, _ in found}, {n for n, link in found if link})
        return name in listing[1] and self._under_root(os.path.realpath(path)) is None

    def _is_data_file(self, path: str) -> bool:
        """A file of the project's own (not in a tool or virtualenv folder), or a `.env` beside it."""
        rel = self._under_root(path)
        if rel is None:
            return os.path.basename(path).startswith(".env") and os.path.dirname(path) == str(self.root.parent)
        return _EXCLUDED_DIRS.isdisjoint(rel.split("/")[:-1]) and not rel.endswith(".entity.json")

    def _executing_module(self) -> str | None:
        return next(reversed(self.executing), STARTUP if self._starting_up else None)

    @contextlib.contextmanager
    def starting_up(self) -> Iterator[None]:
        """Bracket the app's startup (its lifespan): what runs and what is read then is recorded,
        and a change to it restarts the worker, since only a new startup renews its results."""
        self._starting_up = True
        try:
            with self.import_calls.starting_up():
                yield
        finally:
            self._starting_up = False

    def _linked_out(self, path: str) -> bool:
        """A project module that is a symlink out of the project: never tracked, and said once."""
        logger.warning("not tracking %s: it is a symlink to %s, outside the project", path, os.path.realpath(path))
        return False

    def bytecode_cache_path(self, path: str, rel: str | None = None) -> str:
        """Where hotbed caches a project file's bytecode (`rel`: its root-relative path, when known)."""
        rel = rel or self._under_root(path) or os.path.abspath(path).lstrip(os.sep)
        return f"{self._bytecode_folder}{rel}{self._bytecode_suffix}"

    def relative(self, path: str) -> str:
        rel = self._under_root(path)
        return Path(path).as_posix() if rel is None else rel

    # -- hooks called by the tracker and the loader --------------------------------------

    def before_exec(self, name: str, path: str, digest: bytes | None, rel: str | None = None) -> Node:
        node = self.graph.by_name.get(name)
        transaction = self.transaction
        if node is None or node.path != path:
            if node is not None:
                self.graph.remove(node)
            rel = rel or self.relative(path)
            # Numbered in start order (`add`): re-executing in it replays the first import.
            node = self.graph.add(Node(name, path, rel, self.boundaries.matches(rel), digest or b""))
            if transaction is not None:
                transaction.new_nodes.append(node)
        else:
            self.reads.forget(name)  # what its old version read, it reads again or not
            if transaction is not None:
                transaction.before_reexec(node)
            else:
                self.graph.clear_static_deps(node)
        node.pending_context = None
        self.executing[name] = self.executing.get(name, 0) + 1
        if self._calls_started is not None:
            self._calls_started(name)
        return node

    def after_exec(self, node: Node, *, ok: bool) -> None:
        if self._calls_started is not None:
            self.import_calls.finished()
        depth = self.executing.get(node.name, 1) - 1
        if depth:
            self.executing[node.name] = depth
        else:
            self.executing.pop(node.name, None)
        if self.transaction is not None:
            if ok:
                self.transaction.after_exec(node)
            return
        if ok:
            node.version += 1
            node.context, node.pending_context = node.pending_context, None
        elif node.version == 0:
            self.graph.remove(node)

    def record_import(self, importer: Node | None, targets: Iterable[str]) -> None:
        by_name = self.graph.by_name
        if importer is None:
            for target in targets:
                if target in by_name:
                    by_name[target].external = True
            return
        static = importer.name in self.executing
        for target in targets:
            imported = by_name.get(target)
            if imported is not None:
                self.graph.add_edge(importer, imported, static)

    def staged_code(self, fullname: str) -> tuple[str, Any, bool] | None:
        transaction = self.transaction
        if transaction is None:
            return None
        return transaction.staged(fullname)

    def context_for(self, name: str) -> HotContext | None:
        node = self.graph.by_name.get(name)
        if node is None:
            return None
        if name in self.executing:
            if node.pending_context is None:
                node.pending_context = HotContext(node, partial(self.invalidate_node, node))
            return node.pending_context
        if node.context is None:
            node.context = HotContext(node, partial(self.invalidate_node, node))
        return node.context

    # -- planning --------------------------------------------------------------------------

    def _restart_reason(self, path: str) -> RestartReason | None:
        rel = self._under_root(path)
        if rel is not None and self.restart.matches(rel):
            return RestartReason("restart-glob", path, path, f"{rel} changed (a restart file)")
        return None

    def _new_code(self, path: str, content: bytes, digest: bytes) -> CodeType:
        """A changed source compiled, once per batch (raises SyntaxError or ValueError)."""
        known = self.fresh.get(path)
        if known is None or known[0] != digest:
            known = self.fresh[path] = (digest, compile(content, path, "exec", dont_inherit=True))
        return known[1]

    def _ran_at_startup(self, node: Node, content: bytes, digest: bytes) -> list[RestartReason]:
        """A restart when a function whose body changed ran while the app started up."""
        ran = self.import_calls.ran_at_startup(node.path)
        known = self.compiled.get(node.path)
        if not ran or known is None:
            return []
        try:
            new = self._new_code(node.path, content, digest)
        except (SyntaxError, ValueError):
            return []  # the reload reports it
        names = sorted(ran.intersection(changed_functions(known[1], new)))
        if not names:
            return []
        message = f"{names[0]} in {node.rel} ran while the app started up; a new worker runs its new body"
        return [RestartReason("startup", node.path, node.path, message)]

    def _read_file_changed(self, path: str) -> list[Node] | RestartReason:
        """The modules that read a changed data file while executing, or a restart when the
        project's code read it at run time; nothing when no code read it."""
        if STARTUP in self.reads.at_import.get(path, ()):
            message = f"{self.relative(path)} changed (read while the app started up; a new worker reads it again)"
            return RestartReason("startup", path, path, message)
        if path in self.reads.at_run_time:
            message = f"{self.relative(path)} changed (the app read it while serving; a new worker reads it again)"
            return RestartReason("read-at-run-time", path, path, message)
        by_name = self.graph.by_name
        return [by_name[name] for name in sorted(self.reads.at_import.get(path, ())) if name in by_name]

    def invalidate_file(self, path: str, event: str = "change") -> list[str]:
        """The absolute paths a change to `path` re-executes, changed file first.

        Raises RestartRequired when the change cannot be hot-applied.
        """
        path = os.path.abspath(path)
        with self.lock:
            reason = self._restart_reason(path)
            if reason is not None:
                raise RestartRequired([reason])
            paths: dict[str, None] = {}
            for node in self.graph.at(path):
                order, reasons = self.graph.propagate(node, include_start=event != "unlink")
                if reasons:
                    raise RestartRequired(reasons)
                paths.update(dict.fromkeys(n.path for n in order))
            return list(paths)

    # -- reloading -------------------------------------------------------------------------

    def reload(self, changes: Iterable[Change]) -> ReloadResult:
        """Apply a batch, with the changes of batches that rolled back since the last commit.

        A rename saved one file at a time rolls back until its last file is saved (the
        importers still use the old name); the earlier files' changes stay pending and
        are applied together with it.
        """
        batch = list(changes)
        given = {os.path.abspath(c.path) for c in batch}
        result = self._reload_batch([*batch, *(c for p, c in self.pending.items() if p not in given)])
        with self.lock:
            if result.committed:
                self.pending.clear()
            elif result.errors:
                self.pending.update((os.path.abspath(c.path), c) for c in batch)
        return result

    def _reload_batch(self, changes: Iterable[Change]) -> ReloadResult:
        started = time.perf_counter()
        with self.lock:
            try:
                return self._apply_batch(changes, started)
            finally:
                self.fresh.clear()  # what the batch compiled is current now, or thrown away

    def _apply_batch(self, changes: Iterable[Change], started: float) -> ReloadResult:
        """The batch, under the lock `_reload_batch` holds."""
        if self.transaction is not None:
            raise EngineStateError("reload() called while a reload is running")
        changed: list[Node] = []
        removed: list[Node] = []
        readers: list[Node] = []  # modules that read a changed data file while executing
        data: list[str] = []
        reasons: list[RestartReason] = []
        hashes: dict[Node, bytes] = {}
        contents: dict[Node, bytes] = {}
        seen: set[str] = set()
        for change in changes:
            path = os.path.abspath(change.path)
            if path in seen:
                continue
            seen.add(path)
            reason = self._restart_reason(path)
            if reason is not None:
                reasons.append(reason)
                continue
            nodes = self.graph.at(path)
            if not nodes:
                read = self._read_file_changed(path)
                if isinstance(read, RestartReason):
                    reasons.append(read)
                elif read:
                    readers.extend(read)
                    data.append(path)
                continue
            try:
                content = Path(path).read_bytes()
            except FileNotFoundError:
                removed.extend(nodes)
                continue
            digest = file_hash(content)
            for node in nodes:
                if digest != node.source_hash:
                    changed.append(node)
                    hashes[node] = digest
                    contents[node] = content
                    reasons.extend(self._ran_at_startup(node, content, digest))
        if changed and not removed and not reasons and not readers:
            # Bodies only: patched in place, before any importer is even looked at.
            patched = self._patch(changed, contents, hashes, started)
            if patched is not None:
                return patched
        plan: dict[Node, None] = {}
        for node in changed:
            order, why = self.graph.propagate(node)
            plan.update(dict.fromkeys(order))
            reasons.extend(why)
        for node in removed:
            order, why = self.graph.propagate(node, include_start=False)
            plan.update(dict.fromkeys(order))
            reasons.extend(why)
        for node in readers:
            order, why = self.graph.propagate(node)
            plan.update(dict.fromkeys(order))
            reasons.extend(why)
        changed_paths = tuple(dict.fromkeys([*(n.path for n in (*changed, *removed)), *data]))
        if reasons:
            not_modules = ("restart-glob", "read-at-run-time", "startup")
            changed_paths = tuple(dict.fromkeys([*changed_paths, *(r.path for r in reasons if r.kind in not_modules)]))
            return ReloadResult(
                changed=changed_paths,
                restart=tuple(dict.fromkeys(reasons)),
                duration=time.perf_counter() - started,
                root=str(self.root),
            )
        if not plan and not removed:
            return ReloadResult(duration=time.perf_counter() - started, root=str(self.root))
        return self._run(list(plan), removed, changed_paths, started)

    def _patch(
        self, changed: list[Node], contents: dict[Node, bytes], hashes: dict[Node, bytes], started: float
    ) -> ReloadResult | None:
        """Apply a batch in place when every changed module changed only inside function bodies.

        All the batch's modules or none: one that needs re-executing sends the whole batch there.
        """
        patches: list[tuple[Node, Patch]] = []
        for node in changed:
            known = self.compiled.get(node.path)
            if known is None or not node.boundary or (node.context is not None and node.context.declined):
                return None  # a restart or a re-execution decides, as for any other change
            try:
                new_code = self._new_code(node.path, contents[node], hashes[node])
            except (SyntaxError, ValueError):
                return None  # the transaction reports it, located
            module = sys.modules.get(node.name)
            patch = plan_patch(node.path, known[1], new_code, module, partial(self.import_calls.ran, node.path, module))
            if patch is None:
                return None
            patches.append((node, patch))
        applied: list[Patch] = []
        try:
            for _, patch in patches:
                patch.apply()
                applied.append(patch)
        except Exception:
            logger.exception("patching in place failed; re-executing instead")
            for patch in reversed(applied):
                patch.revert()
            return None
        for node, patch in patches:
            node.source_hash = hashes[node]
            node.version += 1
            self.compiled[node.path] = (hashes[node], patch.new_code)
        return ReloadResult(
            changed=tuple(dict.fromkeys(n.path for n in changed)),
            patched=tuple(dict.fromkeys(n.path for n in changed)),
            patched_functions=sum(p.functions for _, p in patches),
            committed=True,
            duration=time.perf_counter() - started,
            root=str(self.root),
        )

    def invalidate_node(self, node: Node) -> None:
        """`hot.invalidate()`: inside a reload, widen it; during a first import, nothing (no importer
        holds an old version yet); otherwise, reload the importers now."""
        with self.lock:
            if self.transaction is not None:
                self.transaction.add_importers_of(node)
                return
            if self.executing:
                return
            order, reasons = self.graph.propagate(node, include_start=False)
            if reasons:
                raise RestartRequired(reasons)
            if order:
                result = self._run(order, [], (node.path,), time.perf_counter())
                # No reload report carries this one to a console: the rollback must not go unnoticed.
                for error in result.errors:
                    logger.warning(
                        "hot.invalidate() in %s: %s:%d: %s",
                        node.rel,
                        self.relative(error.path),
                        error.line,
                        error.message,
                    )

    def _run(self, plan: list[Node], removed: list[Node], changed: tuple[str, ...], started: float) -> ReloadResult:
        read_at_import = self.reads.snapshot()
        for _ in range(_RERUNS):
            transaction = Transaction(self, plan, removed)
            self.transaction = transaction
            try:
                with self.tracker.staging():
                    outcome = transaction.run()
            finally:
                self.transaction = None
            if not outcome.committed:
                self.reads.restore(read_at_import)
            if not outcome.rerun:
                break
            plan = list(outcome.rerun)  # `hot.invalidate()` in an import cycle: all of it again
        else:
            message = f"hot.invalidate() kept widening the reload ({_RERUNS} times); nothing was applied"
            outcome = Outcome(errors=(ReloadError(plan[0].path, 0, 0, message),))
        logger.debug("reload of %d modules: %s", len(plan), outcome)
        return ReloadResult(
            changed=changed,
            reexecuted=outcome.executed,
            pruned=outcome.pruned,
            restart=outcome.restart,
            errors=outcome.errors,
            committed=outcome.committed,
            duration=time.perf_counter() - started,
            root=str(self.root),
        )

    # -- inspection ------------------------------------------------------------------------

    def dump(self) -> list[dict[str, Any]]:
        with self.lock:
            rows = []
            for node in sorted(self.graph, key=lambda n: n.rel):
                _, reasons = self.graph.propagate(node)
                rows.append(
                    {
                        "path": node.rel,
                        "node_path": node.path,
                        "boundary": node.boundary,
                        "reloadable": not reasons,
                        "version": node.version,
                        "dependencies": sorted(d.rel for d in node.dependencies),
                        "dependents": sorted(d.rel for d in node.dependents),
                    }
                )
            return rows
