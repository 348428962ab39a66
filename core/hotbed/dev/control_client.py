"""The control channel's client: typed calls to a dev server, and a connection that comes back.

`ControlClient` keeps one connection to the dev server of a project: it polls the socket
path until a server answers (with a short back-off, so starting `hotbed dev` after the
editor is noticed within a second), reports each status the server broadcasts, and
starts polling again when the server goes away.

    client = ControlClient(root, on_status=print)
    client.start()
    report = await client.sync([ChangeParams("/project/app/routes.py")])
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcException
from pygls.io_ import run_async

from hotbed.dev.control_server import (
    DUMP,
    RESTART,
    STATUS,
    STATUS_NOTIFICATION,
    SYNC,
    ControlProtocol,
    Empty,
    control_socket_path,
    new_protocol,
)
from hotbed.dev.hops import SYNC_SENT, hop
from hotbed.dev.protocol import ChangeParams, DumpNode, Report, Status, SyncParams

__all__ = ["BACKOFF", "ControlClient", "ControlError", "NotConnected"]

logger = logging.getLogger("hotbed.dev.control_client")

BACKOFF = (0.05, 0.1, 0.2, 0.4, 0.8)  # seconds between polls of the socket path; the last repeats

T = TypeVar("T")


class NotConnected(ConnectionError):
    """No dev server answers on the control socket (or it went away during the call)."""


class ControlError(RuntimeError):
    """The dev server answered a request with an error."""


class _Connection:
    """One open connection: the pygls protocol, its reader task, a future that resolves at EOF."""

    def __init__(self, protocol: ControlProtocol, writer: asyncio.StreamWriter, task: asyncio.Task[None]) -> None:
        self.protocol = protocol
        self.writer = writer
        self.task = task

    async def call(self, method: str, params: Any) -> Any:
        if method == SYNC:
            hop(SYNC_SENT)  # pygls writes it as it makes the request, right below
        request = self.protocol.send_request_async(method, params)
        done, _ = await asyncio.wait({request, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if request not in done:
            request.cancel()
            raise NotConnected("the dev server closed the control connection")
        try:
            return request.result()
        except JsonRpcException as exc:
            raise ControlError(str(exc)) from exc


class ControlClient:
    """Stay connected to the dev server of the project at `root`.

    Args:
        root: the project folder.
        on_status: called with every status the server sends, and with the server's
            status right after each (re)connection.
        on_disconnect: called when an established connection ends.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        on_status: Callable[[Status], None] | None = None,
        on_disconnect: Callable[[], None] | None = None,
    ) -> None:
        self.path = control_socket_path(root)
        self._on_status = on_status or (lambda status: None)
        self._on_disconnect = on_disconnect or (lambda: None)
        self._connection: _Connection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.task.done()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background, and again whenever the connection is lost."""
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._maintain(), name="hotbed-control-client")

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        await self._drop()

    async def connect(self) -> None:
        """Open one connection now; raises NotConnected when no server answers."""
        try:
            reader, writer = await asyncio.open_unix_connection(str(self.path))
        except OSError as exc:
            raise NotConnected(f"no dev server on {self.path}: {exc.strerror or exc}") from exc
        protocol = new_protocol()
        on_status = self._on_status

        def status_notification(params: Status) -> None:
            on_status(params)

        protocol.fm.feature(STATUS_NOTIFICATION)(status_notification)
        protocol.set_writer(writer)  # StreamWriter.write fits pygls' Writer
        task = asyncio.get_running_loop().create_task(self._read(reader, protocol), name="hotbed-control-reader")
        self._connection = _Connection(protocol, writer, task)
        self._connected.set()

    async def _read(self, reader: asyncio.StreamReader, protocol: ControlProtocol) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await run_async(threading.Event(), reader, protocol, logger)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._connected.clear()
        if connection is None:
            return
        connection.writer.close()
        connection.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await connection.task
        with contextlib.suppress(ConnectionError):
            await connection.writer.wait_closed()

    async def _maintain(self) -> None:
        attempt = 0
        while True:
            try:
                await self.connect()
                status = await self.status()
            except NotConnected:
                await self._drop()
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                attempt += 1
                continue
            attempt = 0
            self._on_status(status)
            assert self._connection is not None
            await asyncio.wait({self._connection.task})
            await self._drop()
            self._on_disconnect()

    # -- typed calls -----------------------------------------------------------------------

    async def _call(self, method: str, params: Any, result: type[T]) -> T:
        connection = self._connection
        if connection is None or connection.task.done():
            raise NotConnected(f"no dev server on {self.path}")
        value: T = await connection.call(method, params)
        return value

    async def sync(self, changes: Sequence[ChangeParams]) -> Report:
        """Apply `changes` in the dev server (none: every project source) and return its report."""
        return await self._call(SYNC, SyncParams(list(changes)), Report)

    async def dump(self) -> list[DumpNode]:
        nodes: list[DumpNode] = await self._call(DUMP, Empty(), list)
        return nodes

    async def restart(self) -> None:
        """Return once the dev server's new worker serves."""
        await self._call(RESTART, Empty(), Empty)

    async def status(self) -> Status:
        return await self._call(STATUS, Empty(), Status)
