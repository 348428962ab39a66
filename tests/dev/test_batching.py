from __future__ import annotations

import asyncio

import pytest

from hotbed.dev.batching import ChangeQueue
from hotbed.reload.types import Change


class Recorder:
    """A batch handler that records batches and can be held open to let changes pile up."""

    def __init__(self) -> None:
        self.batches: list[tuple[Change, ...]] = []
        self.running = 0
        self.overlapped = False
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()

    async def __call__(self, batch: tuple[Change, ...]) -> int:
        self.overlapped |= self.running > 0
        self.running += 1
        self.entered.set()
        try:
            await self.gate.wait()
            self.batches.append(batch)
            return len(self.batches)
        finally:
            self.running -= 1


async def test_a_burst_becomes_one_batch_with_each_path_once() -> None:
    handler = Recorder()
    queue = ChangeQueue(handler)
    first = queue.submit([Change("/p/a.py"), Change("/p/b.py")])
    second = queue.submit([Change("/p/a.py")])
    assert await first == await second == 1
    assert handler.batches == [(Change("/p/a.py"), Change("/p/b.py"))]


async def test_changes_during_a_batch_wait_for_the_next_one() -> None:
    handler = Recorder()
    handler.gate.clear()
    queue = ChangeQueue(handler)
    first = queue.submit([Change("/p/a.py")])
    await handler.entered.wait()
    later = [queue.submit([Change("/p/b.py")]), queue.submit([Change("/p/c.py")])]
    assert queue.busy
    handler.gate.set()
    assert await first == 1
    assert [await f for f in later] == [2, 2]
    assert handler.batches == [(Change("/p/a.py"),), (Change("/p/b.py"), Change("/p/c.py"))]
    assert not handler.overlapped
    await queue.join()
    assert not queue.busy


@pytest.mark.parametrize(
    ("first", "second", "merged"),
    [("add", "change", "add"), ("unlink", "add", "change"), ("change", "unlink", "unlink")],
)
async def test_events_for_one_path_merge(first: str, second: str, merged: str) -> None:
    handler = Recorder()
    queue = ChangeQueue(handler)
    queue.submit([Change("/p/a.py", first)])  # type: ignore[arg-type]
    await queue.submit([Change("/p/a.py", second)])  # type: ignore[arg-type]
    assert handler.batches == [(Change("/p/a.py", merged),)]  # type: ignore[arg-type]


async def test_a_failing_batch_fails_its_futures_and_the_queue_goes_on() -> None:
    calls: list[tuple[Change, ...]] = []

    async def handler(batch: tuple[Change, ...]) -> str:
        calls.append(batch)
        if len(calls) == 1:
            raise ValueError("broken batch")
        return "ok"

    queue = ChangeQueue(handler)
    with pytest.raises(ValueError, match="broken batch"):
        await queue.submit([Change("/p/a.py")])
    assert await queue.submit([Change("/p/b.py")]) == "ok"


async def test_coalesce_window_gathers_a_slower_burst() -> None:
    handler = Recorder()
    queue = ChangeQueue(handler, coalesce=0.05)
    first = queue.submit([Change("/p/a.py")])
    await asyncio.sleep(0)
    second = queue.submit([Change("/p/b.py")])
    assert await first == await second == 1


async def test_close_lets_the_running_batch_finish_and_refuses_more() -> None:
    handler = Recorder()
    handler.gate.clear()
    queue = ChangeQueue(handler)
    running = queue.submit([Change("/p/a.py")])
    await handler.entered.wait()
    dropped = queue.submit([Change("/p/b.py")])
    closing = asyncio.ensure_future(queue.aclose(timeout=10))
    await asyncio.sleep(0)
    handler.gate.set()
    await closing
    assert await running == 1
    assert dropped.cancelled()
    assert handler.batches == [(Change("/p/a.py"),)]
    with pytest.raises(RuntimeError, match="closed"):
        queue.submit([Change("/p/c.py")])
