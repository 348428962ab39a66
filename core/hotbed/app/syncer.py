"""The syncer: one batch of file changes in, generated code and a reload out, in that order.

    checksums -> plan -> code generation -> hmr.reload -> after-reload step -> report -> "completed" hooks

Code generation finishes before any module is re-executed, so a reload never sees a
half-generated project. Batches are serialised; a broken entity writes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from hotbed import __version__
from hotbed.app.atomic import is_temp_file, write_atomic, write_new
from hotbed.app.checksums import Checksums, diff_checksums, file_sha1, load_checksums, save_checksums
from hotbed.app.codegen import (
    ApiSource,
    GeneratedFile,
    ProjectEntities,
    generate_entity,
    generate_shared,
    inputs_of,
)
from hotbed.app.codegen.base import HEADER
from hotbed.app.codegen.layout import outputs_for
from hotbed.app.entity import Entity, EntityDiagnostic, check_project, parse_entity
from hotbed.app.graceful import DEFAULT_GRACE, deferred_signals
from hotbed.app.orphans import importers_of
from hotbed.app.sources import find_entity_files
from hotbed.config import ProjectConfig, load_config
from hotbed.dev.console import render_report
from hotbed.dev.report import SyncReport
from hotbed.exceptions import EntityError
from hotbed.reload import hmr
from hotbed.reload.types import Change, ReloadResult

__all__ = ["SyncReport", "Syncer", "run_sync"]

logger = logging.getLogger("hotbed.app.syncer")

ReloadFn = Callable[[Sequence[Change]], ReloadResult]
CompletedHook = Callable[[SyncReport], None]
# Runs after generation and before the reload when entities changed (the dev server
# brings the database schema up to the entities there); returns lines for the report.
BeforeReloadHook = Callable[[Sequence[Entity]], Sequence[str]]
# Runs inside the batch after its reload and before the completed hooks (the dev server
# autoloads new modules and registers their APIs there); returns the batch's final report.
AfterReloadHook = Callable[[SyncReport], SyncReport]


class Syncer:
    """Keeps a project's generated code in step with its entity files.

    Args:
        config: the project's configuration.
        api_source: registered APIs per entity for the service modules (the API registry);
            None generates the standard set from the entity alone.
        reload: applies changed modules; default `hmr.reload` (inert when no engine runs).
        before_reload: called with every entity when entities changed, after generation.
        after_reload: called with the report after the reload, still inside the batch; the
            report it returns is the one the completed hooks and the caller get.
        grace: how long SIGINT/SIGTERM wait for a running batch, in seconds.
    """

    def __init__(
        self,
        config: ProjectConfig,
        *,
        api_source: ApiSource | None = None,
        reload: ReloadFn = hmr.reload,
        before_reload: BeforeReloadHook | None = None,
        after_reload: AfterReloadHook | None = None,
        grace: float = DEFAULT_GRACE,
    ) -> None:
        self.config = config
        self.api_source = api_source
        self.before_reload = before_reload
        self.after_reload = after_reload
        self.grace = grace
        self._reload = reload
        # Reentrant: the after-reload step may refresh services while its batch holds the lock.
        self._batch_lock = threading.RLock()
        self._running = False
        self._queue_lock = threading.Lock()
        self._pending: list[Change] = []
        self._pending_future: Future[SyncReport] | None = None
        self._hooks: list[CompletedHook] = []
        self._parsed: dict[str, Entity] = {}
        self._written: dict[str, str] = {}
        settings = (__version__, config.source_root, config.frontend_dir, config.api_prefix, config.entities)
        self._generator = hashlib.sha1(repr(settings).encode(), usedforsecurity=False).hexdigest()

    # -- events ------------------------------------------------------------------------

    def on_completed(self, hook: CompletedHook) -> Callable[[], None]:
        """Call `hook(report)` after every batch ("hmr completed"); returns an unsubscribe function."""
        self._hooks.append(hook)
        return lambda: self._hooks.remove(hook)

    # -- feedback filter ---------------------------------------------------------------

    def is_own_write(self, path: str | os.PathLike[str]) -> bool:
        """True while `path` still holds exactly the bytes this syncer last wrote to it."""
        path = os.path.abspath(path)
        if is_temp_file(path):
            return True
        expected = self._written.get(path)
        if expected is None:
            return False
        try:
            current = file_sha1(Path(path).read_bytes())
        except OSError:
            current = ""
        if current == expected:
            return True
        self._written.pop(path, None)
        return False

    def filter_own_writes(self, changes: Iterable[Change]) -> list[Change]:
        """Drop the events caused by the syncer's own writes, so they are not fed back in."""
        return [c for c in changes if not self.is_own_write(c.path)]

    # -- batches -----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while a batch runs."""
        return self._running

    def pending(self) -> int:
        """How many changes wait for the next batch."""
        with self._queue_lock:
            return len(self._pending)

    def drain(self, timeout: float = DEFAULT_GRACE) -> bool:
        """Wait until no batch runs; False if one still runs after `timeout` seconds."""
        if not self._batch_lock.acquire(timeout=timeout):
            return False
        self._batch_lock.release()
        return True

    def submit(self, changes: Iterable[Change], window: float = 0.05) -> SyncReport:
        """Queue changes from any thread; those arriving within `window`, or while a batch runs, form one batch.

        Every caller whose changes went into a batch gets that batch's report.
        """
        with self._queue_lock:
            self._pending.extend(changes)
            future = self._pending_future
            leader = future is None
            if future is None:
                future = self._pending_future = Future()
        if not leader:
            return future.result()
        time.sleep(window)
        with self._batch_lock:
            with self._queue_lock:
                batch, self._pending, self._pending_future = self._pending, [], None
            try:
                future.set_result(self._run(batch, force=False))
            except BaseException as exc:
                future.set_exception(exc)
                raise
        return future.result()

    def sync(self, changes: Iterable[Change] = (), *, force: bool = False) -> SyncReport:
        """Run one batch now (after any running one): regenerate what changed, reload, report.

        Args:
            changes: file events of this batch; entity files are found by checksum anyway,
                other files (hand-written modules) are passed on to the reload.
            force: regenerate every entity even if checksums say nothing changed.
        """
        with self._batch_lock:
            return self._run(list(changes), force=force)

    def _run(self, changes: list[Change], *, force: bool) -> SyncReport:
        with deferred_signals(self.grace, "a sync batch"):
            self._running = True
            try:
                report = self._batch(changes, force)
                if self.after_reload is not None:
                    started = time.perf_counter()
                    report = self.after_reload(report)
                    # What a person waits for includes the new routes: the step counts in the duration.
                    report = replace(report, duration=report.duration + time.perf_counter() - started)
            finally:
                self._running = False
            for hook in list(self._hooks):
                try:
                    hook(report)
                except Exception:
                    logger.exception("a sync completion hook failed")
            return report

    # -- the pipeline ------------------------------------------------------------------

    def _batch(self, changes: list[Change], force: bool) -> SyncReport:
        started = time.perf_counter()
        changes = [c for c in self.filter_own_writes(changes) if not c.path.endswith(".entity.json")]
        config = self.config
        sources = {rel: path.read_bytes() for rel, path in find_entity_files(config).items()}
        current = {rel: file_sha1(data) for rel, data in sources.items()}
        stored = load_checksums(config.checksums_path)
        full = force or stored is None or stored.generator != self._generator
        old_files = {} if stored is None else dict(stored.files)
        old_outputs = {} if stored is None else dict(stored.outputs)
        diff = diff_checksums({} if full else old_files, current)
        # Unchanged sources whose generated files are gone (an added source has no outputs yet anyway).
        unchanged = [rel for rel in current if rel in old_files and rel not in diff.changed]
        missing = [rel for rel in unchanged if not full and self._missing(old_outputs, rel)]
        if diff.empty and not missing and not full:
            return self._finish(started, changes, SyncReport(changes=tuple(changes), forced=force))

        entities, errors = self._parse(sources, current)
        if errors:
            return self._finish(started, changes, SyncReport(changes=tuple(changes), errors=tuple(errors)))
        project = ProjectEntities(config, {e.id: e for e in entities.values()})
        touched = {entities[rel].id for rel in (*diff.added, *diff.changed, *missing)}
        if full:
            touched = set(project.by_id)
        else:
            touched |= {e.id for e in entities.values() if inputs_of(e, project) & touched}
        outputs: dict[str, tuple[str, ...]] = {rel: old_outputs.get(rel, ()) for rel in entities}
        files: list[GeneratedFile] = generate_shared(project)
        for rel, entity in entities.items():
            if entity.id in touched:
                generated = generate_entity(entity, project, self.api_source)
                outputs[rel] = tuple(sorted(project.relative(f.path) for f in generated if f.kind == "generated"))
                files += generated
        generated_paths, scaffolded = self._write(files)
        deleted = self._delete_stale(old_outputs, outputs, set(diff.removed) | set(old_files) - set(current))
        save_checksums(config.checksums_path, Checksums(self._generator, current, outputs))
        schema = tuple(self.before_reload(list(entities.values()))) if self.before_reload is not None else ()
        reload_changes = [
            *(
                Change(str(config.root / rel), "change")
                for rel in (*generated_paths, *scaffolded)
                if rel.endswith(".py")
            ),
            *(Change(str(config.root / rel), "unlink") for rel in deleted if rel.endswith(".py")),
        ]
        report = SyncReport(
            changes=tuple(changes),
            changed=tuple(sorted((*diff.added, *diff.changed, *missing))),
            removed=diff.removed,
            entities=tuple(sorted(touched)),
            generated=tuple(generated_paths),
            scaffolded=tuple(scaffolded),
            deleted=tuple(deleted),
            orphaned=tuple(importers_of(config, deleted)),
            forced=force,
            schema=schema,
        )
        return self._finish(started, [*reload_changes, *changes], report)

    # -- for the dev server --------------------------------------------------------------

    def entities(self) -> tuple[list[Entity], list[EntityDiagnostic]]:
        """Every entity of the project as it is on disk now (parsed once per content)."""
        sources = {rel: path.read_bytes() for rel, path in find_entity_files(self.config).items()}
        entities, errors = self._parse(sources, {rel: file_sha1(data) for rel, data in sources.items()})
        return list(entities.values()), errors

    def refresh_services(self, entity_ids: Iterable[str]) -> list[str]:
        """Rewrite the TypeScript services of these entities from the current `api_source`.

        Registered APIs are not an input the checksums see, so the dev server calls this
        when a reload changed the routes of a model.
        """
        wanted = set(entity_ids)
        with self._batch_lock:
            entities, errors = self.entities()
            if errors or not wanted:
                return []
            project = ProjectEntities(self.config, {e.id: e for e in entities})
            files = [
                item
                for entity in entities
                if entity.id in wanted
                for item in generate_entity(entity, project, self.api_source)
                if item.path == outputs_for(entity, self.config).service_ts
            ]
            return self._write(files)[0]

    def _finish(self, started: float, to_reload: list[Change], report: SyncReport) -> SyncReport:
        reload = self._reload(to_reload) if to_reload else ReloadResult()
        return replace(report, reload=reload, duration=time.perf_counter() - started)

    def _missing(self, outputs: dict[str, tuple[str, ...]], rel: str) -> bool:
        expected = outputs.get(rel)
        return not expected or not all((self.config.root / out).exists() for out in expected)

    def _parse(
        self, sources: dict[str, bytes], sha1s: dict[str, str]
    ) -> tuple[dict[str, Entity], list[EntityDiagnostic]]:
        entities: dict[str, Entity] = {}
        errors: list[EntityDiagnostic] = []
        for rel, data in sources.items():
            cached = self._parsed.get(rel)
            if cached is not None and cached.sha1 == sha1s[rel]:
                entities[rel] = cached
                continue
            try:
                entities[rel] = self._parsed[rel] = parse_entity(self.config.root / rel, data, sha1s[rel])
            except EntityError as exc:
                errors.extend(exc.diagnostics)
        for rel in set(self._parsed) - set(sources):
            del self._parsed[rel]
        if not errors:
            errors = check_project(list(entities.values()))
        return entities, errors

    def _write(self, files: list[GeneratedFile]) -> tuple[list[str], list[str]]:
        generated: list[str] = []
        scaffolded: list[str] = []
        for item in files:
            rel = os.path.relpath(item.path, self.config.root).replace(os.sep, "/")
            if item.kind == "scaffold":
                if write_new(item.path, item.content):
                    scaffolded.append(rel)
                    self._written[str(item.path)] = file_sha1(item.content)
                continue
            try:
                unchanged = item.path.read_bytes() == item.content
            except OSError:
                unchanged = False
            if not unchanged:
                write_atomic(item.path, item.content)
                generated.append(rel)
                self._written[str(item.path)] = file_sha1(item.content)
        return generated, scaffolded

    def _delete_stale(
        self, old: dict[str, tuple[str, ...]], new: dict[str, tuple[str, ...]], removed_sources: set[str]
    ) -> list[str]:
        """Generated files no source produces any more (an entity deleted or renamed)."""
        keep = {out for outs in new.values() for out in outs}
        stale = sorted({out for rel, outs in old.items() for out in outs if out not in keep})
        deleted = []
        for rel in stale:
            path = self.config.root / rel
            try:
                head = path.read_bytes()[:200]
            except OSError:
                continue
            if HEADER.encode() in head:  # only ever delete a file hotbed generated
                path.unlink()
                self._written.pop(str(path), None)
                deleted.append(rel)
        return deleted


def run_sync(project: str = ".", force: bool = False) -> int:
    """`hotbed sync`: one full sync of the project, printed; exit code 1 on entity errors."""
    console = Console()
    config = load_config(project)
    syncer = Syncer(config)
    syncer.on_completed(lambda report: console.print(render_report(report)))
    # Signals are deferred from the first line on: whoever saw the batch start may stop it.
    with deferred_signals(syncer.grace, "a sync batch"):
        console.print(f"[bold]hotbed sync[/] {config.root}", highlight=False)
        report = syncer.sync(force=force)
    return 1 if report.errors else 0
