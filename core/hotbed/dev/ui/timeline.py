"""The reload timeline: every status the supervisor broadcasts with a report, kept and streamed to pages."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from typing import Any

from hotbed.dev.protocol import Status, converter

__all__ = ["Timeline"]


class Timeline:
    """The last `size` batches, and a queue per open page (server-sent events)."""

    def __init__(self, size: int = 200) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()

    def record(self, status: Status) -> None:
        """Called for every status broadcast; a batch's end (a report, not `syncing`) becomes an entry."""
        if status.report is None or status.state == "syncing":
            return
        entry = {"at": time.strftime("%H:%M:%S"), "state": status.state, "message": status.message}
        entry["report"] = converter.unstructure(status.report)
        if self.entries and self.entries[-1]["report"] == entry["report"]:
            return  # the same report re-broadcast (a state restored): not a new batch
        self.entries.append(entry)
        for queue in self._subscribers:
            queue.put_nowait(entry)

    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._subscribers.discard(queue)

    def close(self) -> None:
        """End every open stream (the server is stopping): a stream ends on None."""
        for queue in self._subscribers:
            queue.put_nowait(None)

    @staticmethod
    def event(entry: dict[str, Any]) -> str:
        return f"data: {json.dumps(entry)}\n\n"
