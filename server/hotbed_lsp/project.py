"""One project the language server serves: its layout, its dev server's connection, and what came from it.

An editor window may hold several projects (a folder above `examples/a` and
`examples/b`, each served by its own `hotbed dev`). Each file belongs to the project
found by walking up from it (`workspace.project_root_of`), and each project keeps its
own connection, status, diagnostics, sent contents and module graph, so a save in one
never reaches the other's dev server and one's restart never clears the other's errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hotbed.dev.control_client import ControlClient, ControlError, NotConnected
from hotbed.dev.protocol import ChangeParams, Report, Status
from hotbed_lsp.diagnostics import Diagnostics
from hotbed_lsp.hovers import ModuleGraph
from hotbed_lsp.sent import SentContent
from hotbed_lsp.workspace import ProjectLayout

__all__ = ["GRAPH_REFRESH_DELAY", "Project", "ProjectHost"]

logger = logging.getLogger("hotbed_lsp.project")

GRAPH_REFRESH_DELAY = 0.3  # seconds after a reload before the module graph is fetched again
# Seconds a save waits for a connection that is being made (a project first seen with this very
# save, a dev server that just started): its socket is there, the connection is a moment away
# (a socket a crashed dev server left behind costs a save this long, and nothing is sent). On a
# loaded machine (an editor, a browser and two dev servers on two cores) making the connection
# took more than 2 s, and the save was lost: the wait is long, since dropping a save is worse.
CONNECT_WAIT = 10.0

T = TypeVar("T")


class ProjectHost(Protocol):
    """What a project needs from the language server: the editor's side of each event."""

    def send_status(self, project: Project, status: Status) -> None: ...

    def show_warning(self, message: str) -> None: ...

    def publish(self) -> None: ...

    def graph_refreshed(self) -> None: ...


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


class Project:
    """A project folder and the dev server serving it (or the one it waits for)."""

    def __init__(self, layout: ProjectLayout, host: ProjectHost) -> None:
        self.layout = layout
        self.host = host
        self.control = ControlClient(layout.root, on_status=self.on_status, on_disconnect=self.on_disconnect)
        self.state = Status("disconnected", self._waiting())
        self.diagnostics = Diagnostics()
        self.sent = SentContent()
        self.graph = ModuleGraph()
        self._fresh_connection = True
        self._last_report: Report | None = None  # of the dev server's last status
        self._graph_task: asyncio.Task[None] | None = None
        self._graph_timer: asyncio.TimerHandle | None = None
        self._graph_stale = False

    @property
    def root(self) -> Path:
        return self.layout.root

    def _waiting(self) -> str:
        return f"no hotbed dev running for {self.root}: start `hotbed dev` there"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Say `disconnected` (naming the folder) until the dev server answers; keep connecting meanwhile."""
        self.host.send_status(self, self.state)
        self.control.start()

    async def close(self) -> None:
        if self._graph_timer is not None:
            self._graph_timer.cancel()
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
            self.host.show_warning(f"hotbed dev: {status.message}")
        self._set(status)
        self.host.publish()
        if status.state in ("ok", "error", "restart-required"):
            self.refresh_graph()

    def on_disconnect(self) -> None:
        self._fresh_connection = True
        self.sent.forget()
        self._last_report = None
        self.graph = ModuleGraph()
        self._set(Status("disconnected", self._waiting()))

    def _set(self, status: Status) -> None:
        self.state = status
        self.host.send_status(self, status)

    # -- syncing -----------------------------------------------------------------------------

    async def sync(
        self, changes: list[ChangeParams], progress: Callable[[Awaitable[Report], str], Awaitable[Report]]
    ) -> Report | None:
        """Have the dev server apply `changes` (none: a full sync) and take in its report."""
        control = self.control
        if not control.connected:
            if not control.path.exists():
                return None
            try:
                await control.wait_connected(CONNECT_WAIT)
            except TimeoutError:
                return None
        if changes:
            changes = self.sent.unsent(changes)
            if not changes:
                return None  # this content was sent already (a save the editor reports twice)
        try:
            report = await progress(control.sync(changes), "applying your changes")
        except (NotConnected, ControlError) as exc:
            logger.info("sync failed: %s", exc)
            self.sent.drop(changes)
            return None
        # The batch's status came first and brought its restart; a restart the batch caused has
        # already happened by now, so only what `sent` adds is new here.
        self.diagnostics.apply_report(report, sent=[c.path for c in changes], everything=not changes, restarts=False)
        self.host.publish()
        return report

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
        while self._graph_stale:
            self._graph_stale = False
            try:
                self.graph = ModuleGraph(await self.control.dump())
            except (NotConnected, ControlError):
                return
        self.host.graph_refreshed()

    async def fresh_graph(self) -> ModuleGraph:
        """The graph, fetched now if a refresh is still waiting for saves to settle."""
        if self._graph_timer is not None:
            self._graph_timer.cancel()
            self._start_fetch()
        task = self._graph_task
        if task is not None and not task.done():
            await asyncio.shield(task)
        return self.graph

    async def dump(self) -> list[Any]:
        nodes = await self.control.dump()
        self.graph = ModuleGraph(nodes)
        return nodes
