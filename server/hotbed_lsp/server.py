"""`hotbed lsp`: saves in the editor drive the dev server; what happened comes back as diagnostics and status.

One thin handler per LSP method; the state (project layout, control connection, last
status, diagnostics, the module graph for hovers) and the logic live on
`HotbedLanguageServer`. The dev server is reached over its control socket; when none
runs, the server still lints, reports `disconnected` and connects as soon as one starts.
The server's state and its handlers stay in this one module (a few lines past 400): each
handler is three lines over a method of `HotbedLanguageServer`.
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
from hotbed.dev.control_client import ControlClient, ControlError, NotConnected
from hotbed.dev.control_server import STATUS_NOTIFICATION
from hotbed.dev.protocol import ChangeParams, Report, Status, converter
from hotbed_lsp.boundary_imports import boundary_imports
from hotbed_lsp.diagnostics import BOUNDARY_IMPORT, ENTITY_ERROR, RESTART_CODES, SOURCE, Diagnostics, diagnostic
from hotbed_lsp.entity_lint import entity_files, lint_entities
from hotbed_lsp.hovers import ModuleGraph
from hotbed_lsp.sent import SentContent
from hotbed_lsp.stdio import serve_stdio
from hotbed_lsp.workspace import ProjectLayout, find_project_root

__all__ = ["COMMANDS", "PROGRESS_AFTER", "HotbedLanguageServer", "server", "start_server"]

logger = logging.getLogger("hotbed_lsp.server")

RESTART_COMMAND = "hotbed.restart"
SYNC_COMMAND = "hotbed.sync"
DUMP_COMMAND = "hotbed.dump"
COMMANDS = (RESTART_COMMAND, SYNC_COMMAND, DUMP_COMMAND)
PROGRESS_AFTER = 0.5  # seconds a sync may take before the editor shows progress for it
GRAPH_REFRESH_DELAY = 0.3  # seconds after a reload before the module graph is fetched again

T = TypeVar("T")


def _path(uri: str) -> str | None:
    path = to_fs_path(uri)
    return os.path.abspath(path) if path else None


def _uri(path: str) -> str:
    uri: str | None = from_fs_path(path)
    assert uri is not None
    return uri


def _matched(status: Status, previous: Report | None) -> list[str]:
    """The files an `ok` batch that changed nothing found identical to the running code, when the status tells.

    Such a batch keeps the state it found, except that it clears an `error` whose files
    now match the running code (docs/protocol.md): `ok` with a report that changed nothing,
    right after an error's report, says that error's files run as they are on disk.
    """
    report = status.report
    if status.state != "ok" or report is None or previous is None or not previous.errors:
        return []
    if report.changed or report.reexecuted or report.errors or report.restart:
        return []
    return [*previous.changed, *(e.path for e in previous.errors)]


class HotbedLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("hotbed", __version__)
        self.layout: ProjectLayout | None = None
        self.control: ControlClient | None = None
        self.state = Status("disconnected", "not connected to a dev server yet")
        self.diagnostics = Diagnostics()
        self.sent = SentContent()
        self.graph = ModuleGraph()
        self._fresh_connection = True
        self._last_report: Report | None = None  # of the dev server's last status
        self._graph_task: asyncio.Task[None] | None = None
        self._graph_timer: asyncio.TimerHandle | None = None
        self._graph_stale = False
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    def setup(self, params: lsp.InitializeParams) -> None:
        """Find the project: `initializationOptions.projectRoot`, else the one the workspace (else the
        cwd) belongs to, walking up to a running dev server's folder or a folder with hotbed settings."""
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        explicit = options.get("projectRoot") or None
        folder = _path(params.workspace_folders[0].uri) if params.workspace_folders else None
        folder = folder or (_path(params.root_uri) if params.root_uri else None) or params.root_path or os.getcwd()
        self.layout = ProjectLayout.load(explicit or find_project_root(folder))

    def connect(self) -> None:
        """Say `disconnected` until the dev server answers; keep connecting in the background."""
        assert self.layout is not None
        self._send_status(self.state)
        self.control = ControlClient(self.layout.root, on_status=self.on_status, on_disconnect=self.on_disconnect)
        self.control.start()

    async def disconnect(self) -> None:
        if self._graph_timer is not None:
            self._graph_timer.cancel()
        if self.control is not None:
            await self.control.close()

    # -- status from the dev server ------------------------------------------------------------

    def on_status(self, status: Status) -> None:
        report = status.report
        if self._fresh_connection and status.state in ("ok", "idle"):
            # A dev server that just started imported every file from disk: earlier results are moot.
            self.diagnostics.clear_restarts()
            self.diagnostics.clear_reload_errors()
        self._fresh_connection = False
        previous, self._last_report = self._last_report, report
        if report is not None and status.state != "syncing":
            self.diagnostics.apply_report(report, sent=_matched(status, previous))
        if status.state in ("ok", "idle") and (report is None or not report.restart):
            self.diagnostics.clear_restarts()
        if status.state == "error" and report is None and status != self.state:
            self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, f"hotbed dev: {status.message}"))
        self._send_status(status)
        self.publish()
        if status.state in ("ok", "error", "restart-required"):
            self.refresh_graph()

    def on_disconnect(self) -> None:
        self._fresh_connection = True
        self.sent.forget()
        self._last_report = None
        self.graph = ModuleGraph()
        assert self.layout is not None
        self._send_status(Status("disconnected", f"no hotbed dev running for {self.layout.root}"))

    def _send_status(self, status: Status) -> None:
        self.state = status
        self.protocol.notify(STATUS_NOTIFICATION, converter.unstructure(status))

    # -- linting -----------------------------------------------------------------------------

    def _text(self, path: Path) -> bytes:
        document = self.workspace.text_documents.get(_uri(str(path)))
        return document.source.encode() if document is not None else path.read_bytes()

    def lint(self, uri: str) -> None:
        """Boundary imports of a module, or every entity file when one of them is involved; then publish."""
        path = _path(uri)
        layout = self.layout
        if path is None or layout is None:
            return
        if layout.is_module(path):
            source = self.workspace.get_text_document(uri).source
            found = boundary_imports(source, Path(path), layout.root, layout.boundaries, layout.import_roots)
            results = {path: [diagnostic(p, BOUNDARY_IMPORT, lsp.DiagnosticSeverity.Warning) for p in found]}
            self.diagnostics.set_lint(BOUNDARY_IMPORT, results, [path])
        elif layout.is_entity(path):
            files = entity_files(layout.root, layout.entities)
            problems = lint_entities(files, self._text)
            results = {p: [diagnostic(d, ENTITY_ERROR) for d in found] for p, found in problems.items()}
            self.diagnostics.set_lint(ENTITY_ERROR, results, [*problems, path])
        self.publish()

    def publish(self) -> None:
        for path, found in self.diagnostics.changes().items():
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=_uri(path), diagnostics=found))

    # -- syncing -----------------------------------------------------------------------------

    def changes_for(self, paths: Sequence[str], event: str = "change") -> list[ChangeParams]:
        """The paths the dev server should hear about: in this project, sources or restart files."""
        layout = self.layout
        if layout is None:
            return []
        return [ChangeParams(p, event) for p in paths if layout.syncs(p)]  # type: ignore[arg-type]

    async def sync(self, changes: list[ChangeParams]) -> Report | None:
        """Have the dev server apply `changes` (none: a full sync) and take in its report."""
        control = self.control
        if control is None or not control.connected:
            return None
        if changes:
            changes = self.sent.unsent(changes)
            if not changes:
                return None  # this content was sent already (a save the editor reports twice)
        try:
            report = await self._with_progress(control.sync(changes), "applying your changes")
        except (NotConnected, ControlError) as exc:
            logger.info("sync failed: %s", exc)
            self.sent.drop(changes)
            return None
        # The batch's status came first and brought its restart; a restart the batch caused has
        # already happened by now, so only what `sent` adds is new here.
        self.diagnostics.apply_report(report, sent=[c.path for c in changes], everything=not changes, restarts=False)
        self.publish()
        return report

    async def _with_progress(self, work: Awaitable[T], message: str) -> T:
        """Await `work`; if it takes longer than `PROGRESS_AFTER`, show work-done progress meanwhile."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=PROGRESS_AFTER)
        window = self.client_capabilities.window
        if done or window is None or not window.work_done_progress:
            return await task
        token = str(uuid.uuid4())
        try:
            await self.work_done_progress.create_async(token)
        except Exception:  # the client refused a progress token: just wait
            return await task
        self.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title="hotbed", message=message))
        try:
            return await task
        finally:
            self.work_done_progress.end(token, lsp.WorkDoneProgressEnd())

    def spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the module graph (hover, code lens) -------------------------------------------------

    def refresh_graph(self) -> None:
        """Fetch the dev server's graph again, once saves settle (`GRAPH_REFRESH_DELAY`).

        Only hovers and code lenses read it, and `fresh_graph` fetches at once for them;
        fetching right after every reload would make the worker walk its graph while it
        serves the first requests of the new code, which is what the person waits for.
        """
        self._graph_stale = True
        if self._graph_timer is None:
            self._graph_timer = asyncio.get_running_loop().call_later(GRAPH_REFRESH_DELAY, self._start_fetch)

    def _start_fetch(self) -> None:
        self._graph_timer = None
        if self._graph_task is None or self._graph_task.done():
            self._graph_task = asyncio.ensure_future(self._fetch_graph())

    async def _fetch_graph(self) -> None:
        while self._graph_stale and self.control is not None:
            self._graph_stale = False
            try:
                self.graph = ModuleGraph(await self.control.dump())
            except (NotConnected, ControlError):
                return
        lenses = self.client_capabilities.workspace
        if lenses is not None and lenses.code_lens is not None and lenses.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    async def fresh_graph(self) -> ModuleGraph:
        """The graph, fetched now if a refresh is still waiting for saves to settle."""
        if self._graph_timer is not None:
            self._graph_timer.cancel()
            self._start_fetch()
        task = self._graph_task
        if task is not None and not task.done():
            await asyncio.shield(task)
        return self.graph

    def hover(self, uri: str) -> lsp.Hover | None:
        node = self.graph.get(_path(uri) or "")
        if node is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(lsp.MarkupKind.Markdown, self.graph.hover(node)))

    def code_lenses(self, uri: str) -> list[lsp.CodeLens]:
        node = self.graph.get(_path(uri) or "")
        if node is None:
            return []
        title = self.graph.lens_title(node)
        # An empty command id: the lens is a label, as the Command type needs an id.
        return [lsp.CodeLens(range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)), command=lsp.Command(title, ""))]

    def code_actions(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        restarts = [d for d in params.context.diagnostics if d.source == SOURCE and d.code in RESTART_CODES]
        if not restarts:
            return []
        command = lsp.Command("Restart dev server", RESTART_COMMAND)
        return [
            lsp.CodeAction(
                "Restart dev server", kind=lsp.CodeActionKind.QuickFix, diagnostics=restarts, command=command
            )
        ]

    # -- commands ------------------------------------------------------------------------------

    def _require_control(self) -> ControlClient | None:
        if self.control is not None and self.control.connected:
            return self.control
        root = self.layout.root if self.layout else "this project"
        self.window_show_message(
            lsp.ShowMessageParams(
                lsp.MessageType.Warning, f"No hotbed dev server is running for {root}: start `hotbed dev` there."
            )
        )
        return None

    async def restart_dev_server(self) -> None:
        control = self._require_control()
        if control is not None:
            await self._with_progress(control.restart(), "restarting the dev server")

    async def full_sync(self) -> dict[str, Any] | None:
        if self._require_control() is None:
            return None
        report = await self.sync([])
        return None if report is None else dict(converter.unstructure(report))

    async def dump(self) -> list[dict[str, Any]] | None:
        control = self._require_control()
        if control is None:
            return None
        nodes = await control.dump()
        self.graph = ModuleGraph(nodes)
        return [dict(converter.unstructure(node)) for node in nodes]


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
    changes = [c for e in params.changes if (p := _path(e.uri)) for c in ls.changes_for([p], events[e.type])]
    if changes:
        await ls.sync(changes)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def hover(ls: HotbedLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    await ls.fresh_graph()
    return ls.hover(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
async def code_lens(ls: HotbedLanguageServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens]:
    await ls.fresh_graph()
    return ls.code_lenses(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_action(ls: HotbedLanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    return ls.code_actions(params)


@server.command(RESTART_COMMAND)
async def restart_command(ls: HotbedLanguageServer, *args: Any) -> None:
    await ls.restart_dev_server()


@server.command(SYNC_COMMAND)
async def sync_command(ls: HotbedLanguageServer, *args: Any) -> dict[str, Any] | None:
    return await ls.full_sync()


@server.command(DUMP_COMMAND)
async def dump_command(ls: HotbedLanguageServer, *args: Any) -> list[dict[str, Any]] | None:
    return await ls.dump()


def start_server() -> None:
    """Serve the editor over stdio until it exits."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s hotbed_lsp: %(message)s")
    serve_stdio(server)
