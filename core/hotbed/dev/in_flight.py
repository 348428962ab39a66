"""The requests in flight around a batch: answered before it runs, and before it is reported.

A batch runs on the event-loop thread, so while it runs no request moves. A request in
flight when the batch arrives started on the old code and answers with it either way;
answered first, its answer does not wait for the batch, and it never runs partly on the
old modules and partly on the new ones (a sync endpoint's thread runs beside the loop).
The requests that arrive during the batch are the new code's first answers, the ones the
person who saved is waiting for; they go before the batch's report, which wakes the
supervisor, then the language server and the editor, and those would take the CPU the
answers need. Once the answers are written, the worker yields the CPU once, so that the
clients they woke read them before the batch (or the report) keeps it busy.

Only a request that has not begun its response counts: a streamed response or a websocket
holds nothing up, and every wait is bounded (`IN_FLIGHT_WAIT`). The requests are uvicorn's
h11 request cycles, one per connection (the dev server's protocol, `handover.py`).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from typing import Any

from uvicorn.server import ServerState

__all__ = ["IN_FLIGHT_WAIT", "answered", "unanswered"]

IN_FLIGHT_WAIT = 0.02  # seconds, at most, a batch or its report waits for the requests in flight


def unanswered(connections: Iterable[Any]) -> list[Any]:
    """The request cycles of `connections` that have not begun their response."""
    found = []
    for connection in connections:
        cycle = getattr(connection, "cycle", None)  # a websocket connection has none
        if cycle is not None and not (cycle.response_started or cycle.disconnected):
            found.append(cycle)
    return found


def _pending(cycle: Any) -> bool:
    return not (cycle.response_complete or cycle.disconnected)


async def answered(state: ServerState, *, turns: int = 0, timeout: float = IN_FLIGHT_WAIT) -> bool:
    """Return once the requests in flight now are answered, or after `timeout` seconds; whether any were.

    `turns` loop turns go first: the bytes of a request that arrived while the loop was
    busy are read in the next turn, and its response cycle starts then.
    """
    for _ in range(turns):
        await asyncio.sleep(0)
    waiting = unanswered(state.connections)
    had = bool(waiting)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while waiting and state.tasks:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await asyncio.wait(set(state.tasks), timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        waiting = [cycle for cycle in waiting if _pending(cycle)]
    if had:
        # Their clients were woken by the answers, often on this CPU (Linux wakes a reader where
        # its writer runs); yielding lets them read before the batch holds the CPU for milliseconds.
        os.sched_yield()
    return had
