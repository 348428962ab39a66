"""Let a batch of file writes finish when SIGINT or SIGTERM arrives, within a bound.

Inside `deferred_signals()` the signals are only recorded. On leaving, the previous
handlers come back and a recorded signal is raised again, so the process stops the way
it would have, just after the batch instead of in the middle of it. If the batch
outlives the bound, the process exits anyway (`128 + signal`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

__all__ = ["DEFAULT_GRACE", "DeferredSignals", "deferred_signals"]

logger = logging.getLogger("hotbed.app.graceful")

DEFAULT_GRACE = 20.0
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass(slots=True)
class DeferredSignals:
    received: int | None = None
    active: bool = False


@contextmanager
def deferred_signals(grace: float = DEFAULT_GRACE, what: str = "the sync") -> Iterator[DeferredSignals]:
    """Defer SIGINT/SIGTERM for up to `grace` seconds; a no-op off the main thread."""
    state = DeferredSignals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    watchdog: list[threading.Timer] = []

    def record(signum: int, frame: FrameType | None) -> None:
        if state.received is None:
            state.received = signum
            logger.warning(
                "%s received during %s; finishing it first (at most %.0f s)", signal.Signals(signum).name, what, grace
            )
            timer = threading.Timer(grace, os._exit, args=(128 + signum,))
            timer.daemon = True
            timer.start()
            watchdog.append(timer)

    previous = {sig: signal.signal(sig, record) for sig in _SIGNALS}
    state.active = True
    try:
        yield state
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for timer in watchdog:
            timer.cancel()
        if state.received is not None:
            signal.raise_signal(state.received)
