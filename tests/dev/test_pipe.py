from __future__ import annotations

import asyncio
import multiprocessing

from hotbed.dev.pipe import ApplyBatch, BatchApplied, Message, PipeReader, WorkerReady
from hotbed.dev.report import SyncReport
from hotbed.reload.types import Change, ReloadResult


async def test_messages_arrive_in_order_and_eof_is_reported() -> None:
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    received: list[Message] = []
    closed = asyncio.Event()
    reader = PipeReader(ours, received.append, closed.set)
    reader.start()
    sent: list[Message] = [
        WorkerReady(pid=42),
        ApplyBatch((Change("/p/a.py"),)),
        BatchApplied(SyncReport(reload=ReloadResult(changed=("/p/a.py",), committed=True))),
    ]
    for message in sent:
        theirs.send(message)
    theirs.close()
    await asyncio.wait_for(closed.wait(), 10)
    assert received == sent
    ours.close()
