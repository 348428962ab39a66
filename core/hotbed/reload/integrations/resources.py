"""Engines and HTTP clients a re-executed module created at top level, closed once orphaned.

`engine = create_engine(...)` at the top of a module opens a pool each time the module
runs; the old version's engine keeps its connections (an open database file for SQLite)
until the process ends. At the commit, an engine or client held by an old module's
globals is disposed unless the new version of that module holds the same object or the
module keeps it in `hot.data` (which is how a module opts out: the object outlives reloads).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Sequence
from typing import Any

from hotbed.reload.integrations.registry import Replaced, Undo

__all__ = ["EngineDisposal", "HttpClientDisposal"]

_closing: set[asyncio.Task[None]] = set()


def _orphans(replaced: Sequence[Replaced], kind: type | tuple[type, ...]) -> list[Any]:
    kept: set[int] = set()
    candidates: dict[int, Any] = {}
    for item in replaced:
        if item.new is not None:
            kept.update(id(v) for v in vars(item.new).values())
        kept.update(id(v) for v in item.data.values())
        if item.old is not None:
            candidates.update((id(v), v) for v in vars(item.old).values() if isinstance(v, kind))
    return [v for k, v in candidates.items() if k not in kept]


class EngineDisposal:
    def take_out(self, name: str, old: Any) -> Undo | None:
        return None

    def restart(self, replaced: Sequence[Replaced]) -> list[tuple[str, str]]:
        return []

    def commit(self, replaced: Sequence[Replaced]) -> None:
        from sqlalchemy.engine import Engine

        kinds: tuple[type, ...] = (Engine,)
        if "sqlalchemy.ext.asyncio" in sys.modules:
            from sqlalchemy.ext.asyncio import AsyncEngine

            kinds += (AsyncEngine,)
        for engine in _orphans(replaced, kinds):
            sync = getattr(engine, "sync_engine", engine)  # an AsyncEngine's pool is its sync engine's
            sync.dispose(close=True)


class HttpClientDisposal:
    def take_out(self, name: str, old: Any) -> Undo | None:
        return None

    def restart(self, replaced: Sequence[Replaced]) -> list[tuple[str, str]]:
        return []

    def commit(self, replaced: Sequence[Replaced]) -> None:
        import httpx

        for client in _orphans(replaced, (httpx.Client, httpx.AsyncClient)):
            if isinstance(client, httpx.Client):
                client.close()
                continue
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                with contextlib.suppress(Exception):
                    asyncio.run(client.aclose())
            else:
                task = loop.create_task(client.aclose())
                _closing.add(task)  # the loop keeps only a weak reference to its tasks
                task.add_done_callback(_closing.discard)
