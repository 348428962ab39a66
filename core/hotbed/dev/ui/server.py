"""The dev UI's server: a second uvicorn server on the supervisor's event loop, on its own loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

import uvicorn

from hotbed.dev.protocol import DumpNode, Report, Status
from hotbed.dev.ui.timeline import Timeline
from hotbed.reload.types import Change

__all__ = ["DevUi", "EditorFactory", "EntityEditor", "UiSource"]


class UiSource(Protocol):
    """What the UI reads from the supervisor (the control channel's handler has all of it)."""

    def status(self) -> Status: ...

    async def dump(self) -> list[DumpNode]: ...

    async def sync(self, changes: Sequence[Change]) -> Report: ...


class EntityEditor(Protocol):
    """Reads and writes `*.entity.json` files; the framework implements it (`hotbed.app.entity_editor`)."""

    def entities(self) -> dict[str, str]:
        """Entity id -> absolute path of its file."""
        ...

    def read(self, entity_id: str) -> dict[str, Any]: ...

    def save(self, entity_id: str, document: dict[str, Any]) -> tuple[str | None, list[dict[str, str]]]:
        """Validate and write atomically; (path written, []) or (None, [{"field", "message"}])."""
        ...

    def create(self, entity_id: str) -> tuple[str | None, list[dict[str, str]]]: ...


# project root -> editor, or None when the project has no entities; the command line passes the framework's.
EditorFactory = Callable[[str], "EntityEditor | None"]


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the supervisor owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class DevUi:
    """Serve the UI for `source` on `sock` until `stop()`; `timeline.record` gets every status broadcast."""

    def __init__(self, source: UiSource, sock: socket.socket, editor: EntityEditor | None = None) -> None:
        from hotbed.dev.ui.app import build_app

        self.sock = sock
        self.timeline = Timeline()
        self.app = build_app(source, self.timeline, editor)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return (f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}") + "/_hotbed/"

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._server.serve(sockets=[self.sock]))

    async def stop(self) -> None:
        if self._task is None:
            return
        self.timeline.close()  # event streams end only when told
        self._server.should_exit = True
        done, _ = await asyncio.wait({self._task}, timeout=3)
        if not done:
            self._server.force_exit = True
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 2)
        self._task = None
