"""The pipe between the supervisor and its worker: typed messages over a multiprocessing Connection.

    supervisor -> worker   ApplyBatch(changes), DumpRequest()
    worker -> supervisor   WorkerReady(pid), BatchApplied(report), DumpResult(nodes), FilesRead(reads)

Both ends read on their event loop (`add_reader`), so neither blocks a thread on the pipe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from hotbed.dev.protocol import DumpNode
from hotbed.dev.report import SyncReport
from hotbed.reload.types import Change

__all__ = [
    "ApplyBatch",
    "BatchApplied",
    "DumpRequest",
    "DumpResult",
    "FilesRead",
    "Message",
    "PipeReader",
    "WorkerReady",
]


@dataclass(frozen=True, slots=True)
class ApplyBatch:
    """Apply these changes as one reload transaction and answer with `BatchApplied`."""

    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class WorkerReady:
    """The worker imported the app, ran its lifespan startup and accepts connections."""

    pid: int
    reads: tuple[str, ...] = ()  # data files the project read so far (`hmr.read_files`): watch them too


@dataclass(frozen=True, slots=True)
class BatchApplied:
    """What the batch did: for a plain app the report only carries the engine's `ReloadResult`."""

    report: SyncReport
    reads: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FilesRead:
    """The project read a file it had not read before, between two batches (a request did)."""

    reads: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DumpRequest:
    """Describe the module graph (for the control channel's `dump`); answered with `DumpResult`."""


@dataclass(frozen=True, slots=True)
class DumpResult:
    nodes: tuple[DumpNode, ...]


Message = ApplyBatch | WorkerReady | BatchApplied | FilesRead | DumpRequest | DumpResult


class PipeReader:
    """Call `on_message` for each message arriving on `conn`, and `on_closed` once at EOF."""

    def __init__(
        self,
        conn: Connection,
        on_message: Callable[[Message], None],
        on_closed: Callable[[], None],
    ) -> None:
        self._conn = conn
        self._on_message = on_message
        self._on_closed = on_closed
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._conn.fileno(), self._readable)

    def stop(self) -> None:
        if self._loop is not None and not self._conn.closed:
            self._loop.remove_reader(self._conn.fileno())
        self._loop = None

    def _readable(self) -> None:
        try:
            while self._loop is not None and self._conn.poll():
                message = self._conn.recv()
                self._on_message(message)
        except (EOFError, OSError):
            if self._loop is None:
                return
            self.stop()
            self._on_closed()
