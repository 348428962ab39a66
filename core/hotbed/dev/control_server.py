"""The control channel's server: JSON-RPC 2.0 on a Unix socket in the project's `.hotbed/`.

`hotbed dev` answers `sync`, `dump`, `restart` and `status` here and tells every
connected client about each change of state (`hotbed/status`). The supervisor owns it,
so it outlives worker restarts. The framing, dispatch and error replies are pygls'
`JsonRPCProtocol`; the typed envelopes below make pygls structure the params and results
with hotbed's camelCase converter, so nothing on this channel is a loose dict.

Only the user who runs the dev server may talk to it: the folder is 0700, the socket
0600, and each connection's peer uid (`SO_PEERCRED`) is checked before a byte is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import stat
import struct
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError
from lsprotocol.types import ResponseError
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcParseError
from pygls.io_ import run_async
from pygls.protocol import JsonRPCProtocol

from hotbed.config import STATE_DIR
from hotbed.dev.protocol import DumpNode, Report, Status, SyncParams, converter
from hotbed.dev.sync_paths import refusal
from hotbed.exceptions import ConfigError
from hotbed.reload.types import Change

__all__ = [
    "CONTROL_SOCKET",
    "DUMP",
    "RESTART",
    "STATUS",
    "STATUS_NOTIFICATION",
    "SYNC",
    "ControlHandler",
    "ControlProtocol",
    "ControlServer",
    "Empty",
    "control_socket_path",
]

logger = logging.getLogger("hotbed.dev.control_server")

CONTROL_SOCKET = "control.sock"
SYNC = "sync"
DUMP = "dump"
RESTART = "restart"
STATUS = "status"
STATUS_NOTIFICATION = "hotbed/status"
_VERSION = "2.0"
_UNIX_PATH_MAX = 107  # sun_path is 108 bytes, NUL included
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # far above any real request; a larger one closes the connection

R = TypeVar("R")


def control_socket_path(root: str | os.PathLike[str]) -> Path:
    """Where the dev server for the project at `root` listens."""
    return Path(root).resolve() / STATE_DIR / CONTROL_SOCKET


# -- typed envelopes: what pygls structures each message into --------------------------------


@attrs.define(frozen=True)
class Empty:
    """The `{}` params of `dump`, `restart`, `status` and the `{}` result of `restart`."""


@attrs.define
class _SyncRequest:
    id: int | str
    params: SyncParams = attrs.field(factory=SyncParams)
    method: str = SYNC
    jsonrpc: str = _VERSION


@attrs.define
class _EmptyRequest:
    id: int | str
    method: str
    params: Empty | None = attrs.field(factory=Empty)
    jsonrpc: str = _VERSION


@attrs.define
class _StatusNotification:
    method: str
    params: Status
    jsonrpc: str = _VERSION


@attrs.define
class _Response(Generic[R]):
    id: int | str
    result: R
    jsonrpc: str = _VERSION


_MESSAGES: dict[str, type[Any]] = {
    SYNC: _SyncRequest,
    DUMP: _EmptyRequest,
    RESTART: _EmptyRequest,
    STATUS: _EmptyRequest,
    STATUS_NOTIFICATION: _StatusNotification,
}
_RESULTS: dict[str, type[Any]] = {
    SYNC: _Response[Report],
    DUMP: _Response[list[DumpNode]],
    RESTART: _Response[Empty | None],
    STATUS: _Response[Status],
}


class ControlProtocol(JsonRPCProtocol):
    """pygls' JSON-RPC protocol, told the types of the control channel's messages."""

    def get_message_type(self, method: str) -> type[Any] | None:
        return _MESSAGES.get(method)

    def get_result_type(self, method: str) -> type[Any] | None:
        return _RESULTS.get(method)

    def structure_message(self, data: Any) -> Any:
        """pygls' structuring, with the request's id and the offending field kept for the reply."""
        try:
            return super().structure_message(data)
        except JsonRpcInvalidParams as exc:
            cause = exc.__cause__
            where = "; ".join(cattrs.transform_error(cause)) if isinstance(cause, ClassValidationError) else str(exc)
            raise _Unanswered(data.get("id"), JsonRpcInvalidParams.CODE, f"invalid params: {where}") from exc

    def answer_failure(self, exc: Exception) -> None:
        """Reply to a message pygls could not handle: every request gets an answer."""
        if isinstance(exc, _Unanswered):
            msg_id, code, message = exc.msg_id, exc.code, exc.message
        elif isinstance(exc, ValueError):  # json.JSONDecodeError, or a body that is not UTF-8
            msg_id, code, message = None, JsonRpcParseError.CODE, f"parse error: {exc}"
        else:
            return
        self._send_response(msg_id, error=ResponseError(code=code, message=message))  # type: ignore[arg-type]


class _Unanswered(Exception):
    """A request pygls would drop silently, with what its error reply needs."""

    def __init__(self, msg_id: int | str | None, code: int, message: str) -> None:
        super().__init__(message)
        self.msg_id, self.code, self.message = msg_id, code, message


class _BoundedReader:
    """The connection's reader, refusing a message longer than `MAX_MESSAGE_BYTES`."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    async def readline(self) -> bytes:
        return await self._reader.readline()

    async def readexactly(self, n: int) -> bytes:
        if n > MAX_MESSAGE_BYTES:
            raise _Oversized(f"a message of {n} bytes is over the limit of {MAX_MESSAGE_BYTES}")
        return await self._reader.readexactly(n)


class _Oversized(Exception):
    """A client announced a message too large to read; the connection is closed after the reply."""


class _Endpoint:
    """The owner pygls' protocol reports handler failures to (a full JsonRPCServer is not needed)."""

    thread_pool = None

    def report_server_error(self, error: Exception, source: Any) -> None:
        logger.error("control channel: %s: %s", getattr(source, "__name__", source), error)

    _report_server_error = report_server_error


def new_protocol() -> ControlProtocol:
    """A protocol for one end of one control connection."""
    return ControlProtocol(_Endpoint(), converter)  # type: ignore[arg-type]


# -- the server ------------------------------------------------------------------------------


class ControlHandler(Protocol):
    """What the dev server does for the control channel; the supervisor implements it."""

    async def sync(self, changes: Sequence[Change]) -> Report:
        """Apply `changes` as one batch (no changes: every project source) and report it."""
        ...

    async def dump(self) -> list[DumpNode]: ...

    async def restart(self) -> None:
        """Return once a fresh worker serves."""
        ...

    def status(self) -> Status: ...


def _peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def _prepare_folder(folder: Path) -> None:
    """The state folder, ours and private (0700); refuse one another user owns."""
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid():
        raise ConfigError(f"{folder} belongs to another user (uid {info.st_uid}); refusing to listen there")
    if stat.S_IMODE(info.st_mode) != 0o700:
        folder.chmod(0o700)


def _remove_stale(path: Path) -> None:
    """Delete a socket file left by a dead server; refuse to steal one a live server answers on."""
    if not path.exists() and not path.is_symlink():
        return
    if not stat.S_ISSOCK(path.lstat().st_mode):
        raise ConfigError(f"{path} exists and is not a socket; remove it")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        path.unlink(missing_ok=True)
        return
    finally:
        probe.close()
    raise ConfigError(f"another hotbed dev is already running for this project (it listens on {path})")


class ControlServer:
    """Serve the control channel for the project at `root` with `handler`.

    Args:
        root: the project folder; the socket is `<root>/.hotbed/control.sock`.
        handler: answers the requests.
    """

    def __init__(self, root: str | os.PathLike[str], handler: ControlHandler) -> None:
        self.path = control_socket_path(root)
        self.root = Path(root).resolve()
        self.handler = handler
        self._server: asyncio.Server | None = None
        self._connections: dict[ControlProtocol, asyncio.StreamWriter] = {}
        self._inode: int | None = None

    async def start(self) -> None:
        """Listen; raises ConfigError when the socket cannot be ours."""
        if len(os.fsencode(self.path)) > _UNIX_PATH_MAX:
            raise ConfigError(f"the control socket path is too long for a Unix socket: {self.path}")
        _prepare_folder(self.path.parent)
        _remove_stale(self.path)
        self._server = await asyncio.start_unix_server(self._serve_connection, path=str(self.path))
        self.path.chmod(0o600)
        self._inode = self.path.stat().st_ino
        logger.debug("control channel on %s", self.path)

    async def close(self) -> None:
        """Stop listening, drop every client, remove the socket file (if it is still ours)."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._connections.values()):
            writer.close()
        await self._server.wait_closed()
        self._server = None
        with contextlib.suppress(FileNotFoundError):
            if self.path.stat().st_ino == self._inode:
                self.path.unlink()

    def broadcast(self, status: Status) -> None:
        """Send `hotbed/status` to every connected client."""
        for protocol in list(self._connections):
            try:
                protocol.notify(STATUS_NOTIFICATION, status)
            except OSError:
                logger.debug("a control client went away during a broadcast")

    @property
    def clients(self) -> int:
        return len(self._connections)

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock: socket.socket = writer.get_extra_info("socket")
        uid = _peer_uid(sock)
        if uid != os.getuid():
            logger.warning("control channel: refused a connection from uid %d", uid)
            writer.close()
            return
        protocol = self._protocol()
        protocol.set_writer(writer)  # StreamWriter.write fits pygls' Writer
        self._connections[protocol] = writer
        try:
            await run_async(
                threading.Event(),
                _BoundedReader(reader),
                protocol,
                logger,
                lambda exc, _: protocol.answer_failure(exc),
            )
        except _Oversized as exc:
            logger.warning("control channel: %s; closing the connection", exc)
            protocol._send_response(None, error=ResponseError(code=-32600, message=str(exc)))  # type: ignore[arg-type]
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away mid-message
        finally:
            self._connections.pop(protocol, None)
            writer.close()

    def _protocol(self) -> ControlProtocol:
        protocol = new_protocol()
        handler = self.handler

        async def sync(params: SyncParams) -> Report:
            changes = [change.to_change() for change in params.changes]
            for change in changes:
                why = refusal(str(self.root), change)
                if why is not None:
                    raise JsonRpcInvalidParams(f"sync: {change.path}: {why}")
            return await handler.sync(changes)

        async def dump(params: Empty | None) -> list[DumpNode]:
            return await handler.dump()

        async def restart(params: Empty | None) -> Empty:
            await handler.restart()
            return Empty()

        def status(params: Empty | None) -> Status:
            return handler.status()

        for method, function in ((SYNC, sync), (DUMP, dump), (RESTART, restart), (STATUS, status)):
            protocol.fm.feature(method)(function)
        return protocol
