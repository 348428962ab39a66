"""The supervisor's handle on one worker process: start, ask for a reload, notice death, stop.

The worker runs in a `spawn` context, so it is a fresh interpreter that imports the app
from scratch (a restart really forgets the old code). Its exit is noticed through the
process sentinel on the event loop, not by a thread blocked in `join`.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess

from hotbed.dev.pipe import (
    ApplyBatch,
    BatchApplied,
    DumpRequest,
    DumpResult,
    FilesRead,
    Message,
    PipeReader,
    WorkerReady,
)
from hotbed.dev.protocol import DumpNode
from hotbed.dev.report import SyncReport
from hotbed.dev.worker import WorkerSpec, run_worker
from hotbed.reload.types import Change

__all__ = ["WorkerGone", "WorkerProcess", "describe_exit"]


class WorkerGone(Exception):
    """The worker exited before it could answer."""


def describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class WorkerProcess:
    """One spawned worker and the supervisor's end of its pipe.

    Args:
        spec: what to serve.
        sock: the listening socket, shared with every worker.
        on_exit: called once on the event loop when the process has exited.
    """

    def __init__(self, spec: WorkerSpec, sock: socket.socket, on_exit: Callable[[WorkerProcess], None]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=run_worker, args=(spec, sock, child), name="hotbed-worker", daemon=False
        )
        self._on_exit = on_exit
        self._loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = self._loop.create_future()
        self.exited: asyncio.Future[int | None] = self._loop.create_future()
        self.retiring = False
        self.started_at = time.monotonic()
        self.ready_at = self.started_at
        self.reads: tuple[str, ...] = ()  # the data files its project read (the watcher watches them)
        self._pending: asyncio.Future[SyncReport] | None = None
        self._dumps: list[asyncio.Future[tuple[DumpNode, ...]]] = []  # answered in order
        self._reader = PipeReader(self._conn, self._on_message, lambda: None)
        for future in (self.ready, self.exited):
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.process.start()
        child.close()
        self._reader.start()
        self._loop.add_reader(self.process.sentinel, self._on_sentinel)

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    @property
    def alive(self) -> bool:
        return not self.exited.done()

    def _on_message(self, message: Message) -> None:
        if isinstance(message, (WorkerReady, BatchApplied, FilesRead)):
            self.reads = message.reads
        if isinstance(message, WorkerReady) and not self.ready.done():
            self.ready_at = time.monotonic()
            self.ready.set_result(None)
        elif isinstance(message, BatchApplied) and self._pending is not None and not self._pending.done():
            self._pending.set_result(message.report)
        elif isinstance(message, DumpResult) and self._dumps:
            waiter = self._dumps.pop(0)
            if not waiter.done():
                waiter.set_result(message.nodes)

    def _on_sentinel(self) -> None:
        self._loop.remove_reader(self.process.sentinel)
        self.process.join(1.0)  # the sentinel closes as the process exits; reaping follows at once
        self._reader.stop()
        gone = WorkerGone(f"worker {self.pid} exited ({describe_exit(self.process.exitcode)})")
        for future in (self.ready, self._pending, *self._dumps):
            if future is not None and not future.done():
                future.set_exception(gone)
        self._conn.close()
        self.exited.set_result(self.process.exitcode)
        self._on_exit(self)

    def submit(self, changes: tuple[Change, ...]) -> asyncio.Future[SyncReport]:
        """Send `changes` to the worker now; the future fails with WorkerGone if it dies first."""
        assert self._pending is None, "one batch at a time"
        if not self.alive:
            raise WorkerGone(f"worker {self.pid} has exited")
        try:
            self._conn.send(ApplyBatch(changes))
        except OSError as exc:
            raise WorkerGone(f"worker {self.pid} is not listening: {exc}") from exc
        pending: asyncio.Future[SyncReport] = self._loop.create_future()
        pending.add_done_callback(lambda f: f.cancelled() or f.exception())  # a supervisor may stop waiting
        self._pending = pending
        pending.add_done_callback(lambda _: setattr(self, "_pending", None))
        return pending

    async def dump(self) -> tuple[DumpNode, ...]:
        """The worker's module graph; raises WorkerGone if it dies first."""
        if not self.alive:
            raise WorkerGone(f"worker {self.pid} has exited")
        waiter: asyncio.Future[tuple[DumpNode, ...]] = self._loop.create_future()
        self._dumps.append(waiter)
        try:
            self._conn.send(DumpRequest())
        except OSError as exc:
            self._dumps.remove(waiter)
            raise WorkerGone(f"worker {self.pid} is not listening: {exc}") from exc
        return await waiter

    async def stop(self, timeout: float) -> None:
        """SIGINT (uvicorn finishes requests in flight), then SIGKILL after `timeout` seconds."""
        self.retiring = True
        for sig in (signal.SIGINT, signal.SIGKILL):
            if not self.alive:
                return
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
            try:
                await asyncio.wait_for(asyncio.shield(self.exited), timeout)
                return
            except TimeoutError:
                continue
