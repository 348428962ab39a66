"""An entity project running in the dev worker: syncer, database, models, APIs, one ASGI app.

Start-up follows the syncer's order once: generate what is missing, bring the database
schema up to the entities, then autoload the generated types, the models and the APIs
(in that order) and register their routes. After that every batch of changes goes
through the syncer: generate, reload (which swaps the routes of re-executed modules at
its commit), then, as the batch's last step, autoload new modules, register their routes
and refresh the client's services; only then do the completed hooks see the report.
"""

from __future__ import annotations

import importlib
import linecache
import logging
import os
import sys
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from rich.console import Console
from rich.text import Text
from starlette.types import ASGIApp

from hotbed.app import database
from hotbed.app.api import resource_name
from hotbed.app.codegen.api_specs import api_specs_for
from hotbed.app.codegen.layout import module_name
from hotbed.app.codegen.typescript_services import ApiSpec
from hotbed.app.dispatcher import Dispatcher
from hotbed.app.entity import Entity
from hotbed.app.registry import ApiRegistry, RouteChanges, RouteConflict
from hotbed.app.schema import apply_additive
from hotbed.app.syncer import Syncer
from hotbed.config import ProjectConfig, load_config
from hotbed.dev.console import render_report
from hotbed.dev.report import SyncReport
from hotbed.exceptions import RouteConflictError
from hotbed.reload import hmr
from hotbed.reload.types import Change, ReloadError

__all__ = ["AUTOLOAD_SUFFIXES", "EntityProject"]

logger = logging.getLogger("hotbed.app.project")

# Autoloaded modules, in this order: generated types, then models, then APIs.
AUTOLOAD_SUFFIXES = ("_types.py", "_model.py", "_api.py")
_SKIP_DIRS = frozenset({".venv", "venv", "node_modules", ".hotbed", ".git", "__pycache__"})


def conflict_errors(conflicts: Iterable[RouteConflict]) -> list[ReloadError]:
    """Each conflict as two errors, one at each method's `def`, so an editor marks both."""
    errors = []
    for conflict in conflicts:
        message = f"route conflict: {conflict}; {conflict.kept.qualname} serves it, remove one of them"
        for route in (conflict.kept, conflict.refused):
            path, line, column = route.location()
            source = linecache.getline(path, line).strip() if line else ""
            errors.append(ReloadError(path, line, column, message, "import", source))
    return errors


class EntityProject:
    """The worker side of an entity project. `asgi` serves the registered APIs."""

    def __init__(self, config: ProjectConfig, *, hot: bool = True, console: Console | None = None) -> None:
        self.config = config
        self.hot = hot
        self.console = console or Console(stderr=True, soft_wrap=True, highlight=False)
        self.registry = ApiRegistry(config.api_prefix)
        self.dispatcher = Dispatcher(self.registry, title=config.root.name)
        self.asgi: ASGIApp = self.dispatcher
        self.syncer = Syncer(config, api_source=self._api_specs, before_reload=self._apply_schema)
        self._autoloaded: set[str] = set()
        self._refused: set[str] = set()  # symlinks out of the project, warned about once
        self._tables: frozenset[str] | None = None  # declared at the last schema check of this process

    @classmethod
    def start(cls, root: str | os.PathLike[str], *, hot: bool = True) -> EntityProject:
        project = cls(load_config(root), hot=hot)
        project.boot()
        return project

    # -- start-up ----------------------------------------------------------------------

    def boot(self) -> None:
        config = self.config
        source = str(config.source_path)
        if source not in sys.path:
            sys.path.insert(0, source)
        if self.hot:
            engine = hmr.init(config.root, boundaries=config.boundaries, restart=config.restart)
            if engine is not None:
                engine.commit_hooks.append(self.registry.prepare)
        database.connect(config)
        report = self.syncer.sync()
        if report.errors:
            self.console.print(render_report(report))
        entities, _ = self.syncer.entities()
        schema = self._apply_schema(entities)
        for line in schema:
            self.console.print(f"🧱 {line}")
        # A module that fails to import is reported and the others are served; every batch tries it again.
        _, conflicts = self.registry.register(self._autoload(report_failures=True))
        for error in conflict_errors(conflicts):
            self.console.print(f"[bold red]✗ {error}[/]")
        self.syncer.refresh_services(e.id for e in entities)
        self.syncer.after_reload = self._load_new  # from now on every batch ends by loading new modules
        for route in self.registry:
            self.console.print(f"  [cyan]{route.http_method:6}[/] {route.path}")

    def _autoload(self, *, report_failures: bool = False) -> list[ModuleType]:
        """Import the types, model and API modules not imported yet (new files included).

        A module that fails to import is logged (and, at start-up, printed with the line that
        failed) and tried again next batch, and the others still load: their routes must not
        wait for its fix (a removed entity's model and API, which import its deleted types,
        must not stop the project from starting).
        """
        self._autoloaded &= set(sys.modules)  # a deleted module is loaded again if it comes back
        found: dict[str, list[Path]] = {suffix: [] for suffix in AUTOLOAD_SUFFIXES}
        for folder, dirs, files in os.walk(self.config.source_path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                for suffix in AUTOLOAD_SUFFIXES:
                    if name.endswith(suffix):
                        found[suffix].append(Path(folder, name))
        loaded = []
        root = os.path.join(os.path.realpath(self.config.root), "")
        for suffix in AUTOLOAD_SUFFIXES:
            for path in found[suffix]:
                name = module_name(path, self.config)
                if name in self._autoloaded:
                    continue
                real = os.path.realpath(path)
                if not real.startswith(root):
                    # A link out of the project runs code the project does not hold: never on our own.
                    if name not in self._refused:
                        self._refused.add(name)
                        logger.warning("not autoloading %s: it is a symlink to %s, outside the project", path, real)
                        self.console.print(
                            f"[yellow]⚠ not autoloading {path}: a symlink to {real}, outside the project[/]"
                        )
                    continue
                try:
                    # It may be in sys.modules already, imported by a module loaded before it.
                    module = importlib.import_module(name)
                except Exception as exc:
                    if report_failures:
                        self.console.print(Text(f"✗ not serving {self._failed_at(path, exc)}", style="bold red"))
                    else:
                        logger.warning("could not load %s: %s", name, exc)
                    continue
                loaded.append(module)
                self._autoloaded.add(name)
        return loaded

    def _failed_at(self, path: Path, exc: BaseException) -> str:
        """`file:line: Error: message`, at the deepest frame inside the project."""
        where = os.path.relpath(path, self.config.root)
        root = os.path.join(str(self.config.root), "")
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename.startswith(root):
                where = f"{os.path.relpath(frame.filename, self.config.root)}:{frame.lineno}"
        module = os.path.relpath(path, self.config.root)
        return f"{module}: it failed to import ({where}: {type(exc).__name__}: {exc}); the next save retries it"

    # -- hooks the syncer calls ----------------------------------------------------------

    def _apply_schema(self, entities: Sequence[Entity]) -> list[str]:
        report = apply_additive(database.connect(self.config), entities)
        if self._tables is not None:
            report = report.forgetting(self._tables)
        self._tables = report.tables
        return report.lines()

    def _api_specs(self, entity: Entity) -> Sequence[ApiSpec] | None:
        routes = [r for r in self.registry if resource_name(r.owner) == entity.name]
        return api_specs_for(entity, routes) if len(self.registry) else None

    # -- batches -----------------------------------------------------------------------

    def apply(self, changes: tuple[Change, ...]) -> SyncReport:
        """One batch through the syncer's pipeline (which ends with `_load_new`)."""
        return self.syncer.sync(changes)

    def apis(self) -> Mapping[str, Sequence[tuple[str, str]]]:
        """The registered routes, with their handlers, by the absolute path of the module registering them."""
        apis: dict[str, list[tuple[str, str]]] = {}
        for route in self.registry:
            file = getattr(sys.modules.get(route.module), "__file__", None)
            if file:
                apis.setdefault(os.path.abspath(file), []).append((str(route), f"{route.owner}.{route.name}"))
        return apis

    def _load_new(self, report: SyncReport) -> SyncReport:
        """The batch's last step: new modules, their routes, the client's services, the final report."""
        # A committed reload swapped its modules' routes at the commit (the registry is a commit hook).
        swapped = self.registry.last_changes if report.reload.committed else RouteChanges()
        fresh = self._autoload()
        added, conflicts = self.registry.register(fresh) if fresh else (RouteChanges(), [])
        report = self._locate_conflicts(report, conflicts)
        resources = {resource_name(r.owner) for r in (*swapped.registered, *added.registered, *swapped.removed)}
        generated = self.syncer.refresh_services(self._entity_ids(resources)) if resources else []
        return replace(
            report,
            generated=report.generated + tuple(generated),
            apis=tuple(str(r) for r in (*swapped.registered, *added.registered)),
            api_counts=tuple(self._api_counts(report.reload.reexecuted)),
        )

    def _locate_conflicts(self, report: SyncReport, conflicts: list[RouteConflict]) -> SyncReport:
        """Route conflicts as errors at both methods: those that rolled the reload back (its
        error names neither file) and those of newly loaded modules."""
        refused, self.registry.refused = self.registry.refused, []
        errors = [e for e in report.reload.errors if not e.message.startswith(f"{RouteConflictError.__name__}:")]
        if len(errors) < len(report.reload.errors):
            conflicts = [*refused, *conflicts]
        if not conflicts:
            return report
        located = conflict_errors(conflicts)
        return replace(report, reload=replace(report.reload, errors=(*errors, *located)))

    def _entity_ids(self, resources: set[str]) -> set[str]:
        """The entities whose client services serve these route resources (`user` -> `User`)."""
        entities, _ = self.syncer.entities()
        return {e.id for e in entities if e.name in resources}

    def _api_counts(self, paths: Iterable[str]) -> Iterable[tuple[str, int]]:
        counts: dict[str, int] = {}
        for route in self.registry:
            counts[route.module] = counts.get(route.module, 0) + 1
        for path in paths:
            name = module_name(Path(path), self.config)
            if counts.get(name):
                yield os.path.relpath(path, self.config.root), counts[name]
