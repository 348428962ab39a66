"""The change queue: every change source (watcher, language server) feeds `submit`.

A burst of submissions becomes one batch, batches run one at a time, and changes that
arrive while a batch runs wait for the next one. Running batches strictly in order is
what keeps a reload from ever seeing half of another reload's files.

    queue = ChangeQueue(apply_batch)
    result = await queue.submit([Change("/project/app/routes.py")])
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from hotbed.reload.types import Change

__all__ = ["BatchHandler", "ChangeQueue"]

logger = logging.getLogger("hotbed.dev.batching")

R = TypeVar("R")
BatchHandler = Callable[[tuple[Change, ...]], Awaitable[R]]


def _merge(earlier: Change, later: Change) -> Change:
    """One change per path per batch: the file's last state wins, but an add stays an add."""
    if earlier.event == "add" and later.event == "change":
        return earlier
    if earlier.event == "unlink" and later.event == "add":
        return Change(later.path, "change")
    return later


def _retrieve(future: asyncio.Future[R]) -> None:
    # A caller may fire and forget; reading the exception keeps asyncio from logging it again.
    if not future.cancelled():
        future.exception()


class ChangeQueue(Generic[R]):
    """Coalesce submitted changes into batches and hand them to `handler`, one at a time.

    Args:
        handler: called with each batch (paths unique, in submission order); its return
            value resolves the futures of every `submit` that fed the batch.
        coalesce: seconds to wait after the first change of an idle queue for the rest
            of its burst; 0 still gathers everything submitted in the same loop turn.
    """

    def __init__(self, handler: BatchHandler[R], *, coalesce: float = 0.0) -> None:
        self._handler = handler
        self._coalesce = coalesce
        self._pending: dict[str, Change] = {}
        self._waiters: list[asyncio.Future[R]] = []
        self._runner: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def busy(self) -> bool:
        """True while a batch runs or changes wait for one."""
        return self._runner is not None and not self._runner.done()

    def submit(self, changes: Iterable[Change]) -> asyncio.Future[R]:
        """Queue `changes`; the future resolves with the result of the batch that applies them."""
        if self._closed:
            raise RuntimeError("the change queue is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        future.add_done_callback(_retrieve)
        for change in changes:
            known = self._pending.get(change.path)
            self._pending[change.path] = change if known is None else _merge(known, change)
        self._waiters.append(future)
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run(), name="hotbed-change-queue")
        return future

    async def join(self) -> None:
        """Wait until every submitted change has been applied."""
        while self._runner is not None and not self._runner.done():
            await asyncio.shield(self._runner)

    async def aclose(self, timeout: float = 20.0) -> None:
        """Refuse new changes, let the running batch finish (bounded), drop the rest."""
        self._closed = True
        runner = self._runner
        if runner is None or runner.done():
            return
        self._pending.clear()
        try:
            await asyncio.wait_for(asyncio.shield(runner), timeout)
        except TimeoutError:
            logger.warning("a change batch was still running after %.0f s; abandoning it", timeout)
            runner.cancel()
        for waiter in self._waiters:
            waiter.cancel()
        self._waiters.clear()

    async def _run(self) -> None:
        if self._coalesce > 0:
            await asyncio.sleep(self._coalesce)
        # Without a window this task's first step is the turn after the first submission: what
        # was submitted in that turn is gathered already, and the batch goes at once.
        while self._pending:
            batch = tuple(self._pending.values())
            waiters, self._waiters = self._waiters, []
            self._pending = {}
            try:
                result = await self._handler(batch)
            except Exception as exc:
                logger.exception("applying a change batch failed")
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
                continue
            except asyncio.CancelledError:
                for waiter in waiters:
                    waiter.cancel()
                raise
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(result)
        for waiter in self._waiters:  # submitted with no changes
            if not waiter.done():
                waiter.cancel()
        self._waiters.clear()
