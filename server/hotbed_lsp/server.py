"""`hotbed lsp`: saves in the editor drive the dev server; what happened comes back as diagnostics and status.

One thin handler per LSP method over a method of `HotbedLanguageServer`, which routes
each file to its project (`hotbed_lsp/project.py`: layout, control connection, status,
diagnostics, module graph), found by walking up from the file, so one editor window can
hold several projects, each with its own `hotbed dev`. When a project's dev server does
not run, the server still lints, reports `disconnected` naming the folder, and connects
as soon as one starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from hotbed import __version__
from hotbed.dev.control_server import STATUS_NOTIFICATION
from hotbed.dev.hops import LSP_SAVE_READ, LSP_STATUS_SENT, hop
from hotbed.dev.protocol import ChangeParams, Status, converter
from hotbed_lsp.boundary_imports import boundary_imports
from hotbed_lsp.diagnostics import BOUNDARY_IMPORT, ENTITY_ERROR, RESTART_CODES, SOURCE, diagnostic
from hotbed_lsp.entity_lint import entity_files, lint_entities
from hotbed_lsp.project import Project
from hotbed_lsp.stdio import serve_stdio
from hotbed_lsp.workspace import ProjectLayout, find_project_root, project_root_of

__all__ = ["COMMANDS", "PROGRESS_AFTER", "HotbedLanguageServer", "server", "start_server"]

RESTART_COMMAND = "hotbed.restart"
SYNC_COMMAND = "hotbed.sync"
DUMP_COMMAND = "hotbed.dump"
COMMANDS = (RESTART_COMMAND, SYNC_COMMAND, DUMP_COMMAND)
PROGRESS_AFTER = 0.5  # seconds a sync may take before the editor shows progress for it

T = TypeVar("T")


def _path(uri: str) -> str | None:
    path = to_fs_path(uri)
    return os.path.abspath(path) if path else None


def _uri(path: str) -> str:
    uri: str | None = from_fs_path(path)
    assert uri is not None
    return uri


class HotbedLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("hotbed", __version__)
        self.projects: dict[Path, Project] = {}
        self.default: Project | None = None  # the workspace's project: files of no other project, commands
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    def setup(self, params: lsp.InitializeParams) -> None:
        """The workspace's project: `initializationOptions.projectRoot`, else the one the workspace (else
        the cwd) belongs to, walking up to a running dev server's folder or a folder with hotbed settings.
        Files find their own project as they come (`project_for`)."""
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        explicit = options.get("projectRoot") or None
        folder = _path(params.workspace_folders[0].uri) if params.workspace_folders else None
        folder = folder or (_path(params.root_uri) if params.root_uri else None) or params.root_path or os.getcwd()
        root = Path(explicit).resolve() if explicit else find_project_root(folder)
        self.default = self.projects[root] = Project(ProjectLayout.load(root), self)

    def connect(self) -> None:
        """Start every known project's connection (the workspace's, at first)."""
        for project in self.projects.values():
            project.start()

    async def disconnect(self) -> None:
        await asyncio.gather(*(project.close() for project in self.projects.values()))

    def project_for(self, path: str) -> Project | None:
        """The project `path` belongs to, walking up from it; its connection starts the first time.
        A file of no project belongs to the workspace's (which ignores it unless it lies inside)."""
        root = project_root_of(path)
        if root is None:
            return self.default
        project = self.projects.get(root)
        if project is None:
            project = self.projects[root] = Project(ProjectLayout.load(root), self)
            project.start()
        return project

    # -- what projects tell the editor ---------------------------------------------------------

    def send_status(self, project: Project, status: Status) -> None:
        """`hotbed/status`, with the folder of the project it concerns (`root`)."""
        if status.state != "syncing":
            hop(LSP_STATUS_SENT)  # before the write: an editor that has the status finds the hop noted
        self.protocol.notify(STATUS_NOTIFICATION, {**converter.unstructure(status), "root": str(project.root)})

    def show_warning(self, message: str) -> None:
        self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, message))

    def publish(self) -> None:
        for project in self.projects.values():
            for path, found in project.diagnostics.changes().items():
                self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=_uri(path), diagnostics=found))

    def graph_refreshed(self) -> None:
        lenses = self.client_capabilities.workspace
        if lenses is not None and lenses.code_lens is not None and lenses.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    # -- linting -----------------------------------------------------------------------------

    def _text(self, path: Path) -> bytes:
        document = self.workspace.text_documents.get(_uri(str(path)))
        return document.source.encode() if document is not None else path.read_bytes()

    def lint(self, uri: str) -> None:
        """Boundary imports of a module, or every entity file when one of them is involved; then publish."""
        path = _path(uri)
        project = self.project_for(path) if path else None
        if path is None or project is None:
            return
        layout, diagnostics = project.layout, project.diagnostics
        if layout.is_module(path):
            source = self.workspace.get_text_document(uri).source
            found = boundary_imports(source, Path(path), layout.root, layout.boundaries, layout.import_roots)
            results = {path: [diagnostic(p, BOUNDARY_IMPORT, lsp.DiagnosticSeverity.Warning) for p in found]}
            diagnostics.set_lint(BOUNDARY_IMPORT, results, [path])
        elif layout.is_entity(path):
            files = entity_files(layout.root, layout.entities)
            problems = lint_entities(files, self._text)
            results = {p: [diagnostic(d, ENTITY_ERROR) for d in found] for p, found in problems.items()}
            diagnostics.set_lint(ENTITY_ERROR, results, [*problems, path])
        self.publish()

    # -- syncing -----------------------------------------------------------------------------

    def changes_for(self, paths: Sequence[str], event: str = "change") -> dict[Project, list[ChangeParams]]:
        """The changes each project's dev server should hear about: its sources and restart files."""
        grouped: dict[Project, list[ChangeParams]] = {}
        for path in paths:
            project = self.project_for(path)
            if project is not None and project.layout.syncs(path):
                grouped.setdefault(project, []).append(ChangeParams(path, event))  # type: ignore[arg-type]
        return grouped

    async def sync(self, grouped: dict[Project, list[ChangeParams]]) -> None:
        """Have each project's dev server apply its changes, side by side.

        One project (the usual case) syncs in this very task: the save's request is written to
        the dev server in the loop turn that read the save, not one or two turns later."""
        if len(grouped) == 1:
            ((project, changes),) = grouped.items()
            await project.sync(changes, self._with_progress)
            return
        await asyncio.gather(*(project.sync(changes, self._with_progress) for project, changes in grouped.items()))

    async def _with_progress(self, work: Awaitable[T], message: str) -> T:
        """Await `work` (in this task); if it takes longer than `PROGRESS_AFTER`, show work-done progress meanwhile."""
        window = self.client_capabilities.window
        if window is None or not window.work_done_progress:
            return await work
        progress = _Progress(self, message)
        timer = asyncio.get_running_loop().call_later(PROGRESS_AFTER, progress.show)
        try:
            return await work
        finally:
            timer.cancel()
            progress.hide()

    def spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the module graph (hover, code lens) -------------------------------------------------

    async def hover(self, uri: str) -> lsp.Hover | None:
        path = _path(uri)
        project = self.project_for(path) if path else None
        node = (await project.fresh_graph()).get(path) if project and path else None
        if project is None or node is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(lsp.MarkupKind.Markdown, project.graph.hover(node)))

    async def code_lenses(self, uri: str) -> list[lsp.CodeLens]:
        path = _path(uri)
        project = self.project_for(path) if path else None
        node = (await project.fresh_graph()).get(path) if project and path else None
        if project is None or node is None:
            return []
        title = project.graph.lens_title(node)
        # An empty command id: the lens is a label, as the Command type needs an id.
        return [lsp.CodeLens(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), command=lsp.Command(title, ""))]

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        restarts = [d for d in params.context.diagnostics if d.source == SOURCE and d.code in RESTART_CODES]
        if not restarts:
            return []
        # The restart goes to the dev server of the file the diagnostic is in.
        command = lsp.Command("Restart dev server", RESTART_COMMAND, arguments=[params.text_document.uri])
        return [
            lsp.CodeAction(
                "Restart dev server", kind=lsp.CodeActionKind.QuickFix, diagnostics=restarts, command=command
            )
        ]

    # -- commands ------------------------------------------------------------------------------

    def _connected_project(self, args: Sequence[Any]) -> Project | None:
        """The project a command is for: that of the file (URI or path) given first, else the workspace's;
        None, having said so, when no dev server serves it."""
        target = args[0] if args and isinstance(args[0], str) else None
        path = (_path(target) if target.startswith("file:") else os.path.abspath(target)) if target else None
        project = self.project_for(path) if path else self.default
        if project is not None and project.control.connected:
            return project
        root = project.root if project else "this project"
        self.show_warning(f"No hotbed dev server is running for {root}: start `hotbed dev` there.")
        return None

    async def restart_dev_server(self, args: Sequence[Any]) -> None:
        project = self._connected_project(args)
        if project is not None:
            await self._with_progress(project.control.restart(), "restarting the dev server")

    async def full_sync(self, args: Sequence[Any]) -> dict[str, Any] | None:
        project = self._connected_project(args)
        report = await project.sync([], self._with_progress) if project else None
        return None if report is None else dict(converter.unstructure(report))

    async def dump(self, args: Sequence[Any]) -> list[dict[str, Any]] | None:
        project = self._connected_project(args)
        if project is None:
            return None
        return [dict(converter.unstructure(node)) for node in await project.dump()]


class _Progress:
    """Work-done progress for a wait that outlasted `PROGRESS_AFTER`: begun once the client
    accepts a token, ended when the wait ends (at once, if it ended while the client answered)."""

    def __init__(self, host: HotbedLanguageServer, message: str) -> None:
        self._host = host
        self._message = message
        self._token: str | None = None
        self._over = False

    def show(self) -> None:
        self._host.spawn(self._begin())

    async def _begin(self) -> None:
        token = str(uuid.uuid4())
        try:
            await self._host.work_done_progress.create_async(token)
        except Exception:  # the client refused a progress token: nothing to show
            return
        progress = self._host.work_done_progress
        progress.begin(token, lsp.WorkDoneProgressBegin(title="hotbed", message=self._message))
        self._token = token
        if self._over:
            self.hide()

    def hide(self) -> None:
        self._over = True
        token, self._token = self._token, None
        if token is not None:
            self._host.work_done_progress.end(token, lsp.WorkDoneProgressEnd())


server = HotbedLanguageServer()


@server.feature(lsp.INITIALIZE)
def initialize(ls: HotbedLanguageServer, params: lsp.InitializeParams) -> None:
    ls.setup(params)


@server.feature(lsp.INITIALIZED)
def initialized(ls: HotbedLanguageServer, params: lsp.InitializedParams) -> None:
    ls.connect()


@server.feature(lsp.SHUTDOWN)
async def shutdown(ls: HotbedLanguageServer, params: None) -> None:
    await ls.disconnect()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: HotbedLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.lint(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: HotbedLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    hop(LSP_SAVE_READ)
    path = _path(params.text_document.uri)
    changes = ls.changes_for([path] if path else [])
    if changes:
        await ls.sync(changes)  # before linting: the new response is what the person waits for
    ls.lint(params.text_document.uri)


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: HotbedLanguageServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    events = {
        lsp.FileChangeType.Created: "add",
        lsp.FileChangeType.Changed: "change",
        lsp.FileChangeType.Deleted: "unlink",
    }
    grouped: dict[Project, list[ChangeParams]] = {}
    for event in params.changes:
        if path := _path(event.uri):
            for project, changes in ls.changes_for([path], events[event.type]).items():
                grouped.setdefault(project, []).extend(changes)
    if grouped:
        await ls.sync(grouped)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def hover(ls: HotbedLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return await ls.hover(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: HotbedLanguageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    return await ls.code_lenses(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_action(ls: HotbedLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    return ls.code_actions(params)


@server.command(RESTART_COMMAND)
async def restart_command(ls: HotbedLanguageServer, *args: Any) -> None:
    await ls.restart_dev_server(args)


@server.command(SYNC_COMMAND)
async def sync_command(ls: HotbedLanguageServer, *args: Any) -> dict[str, Any] | None:
    return await ls.full_sync(args)


@server.command(DUMP_COMMAND)
async def dump_command(ls: HotbedLanguageServer, *args: Any) -> list[dict[str, Any]] | None:
    return await ls.dump(args)


def start_server() -> None:
    """Serve the editor over stdio until it exits."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s hotbed_lsp: %(message)s")
    serve_stdio(server)
