"""A deadline for module execution during a reload, so an endless loop rolls back.

A reload runs on the thread that serves requests; a module that never finishes
executing (`while True:` left in by mistake) would leave the server answering nothing.
The deadline is a SIGALRM timer: when it fires inside code the caller allows to be
interrupted (project code, libraries), `ExecutionTimeout` is raised there and the
transaction rolls back like after any exception at import. When it fires inside the
engine's own bookkeeping, it waits a moment and tries again, so the engine is never
left half-way through an update. Only the main thread can take signals; elsewhere, and
on platforms without SIGALRM, there is no deadline.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["ExecutionTimeout", "execution_deadline"]

_RETRY = 0.01  # seconds until the next try when the timer fired in the engine's own code
_AGAIN = 1.0  # and after raising, in case a bare `except:` in the loop swallowed it


class ExecutionTimeout(BaseException):
    """Module execution ran past its deadline.

    An interruption, like KeyboardInterrupt: an `except Exception` in the loop does not
    swallow it.
    """


@contextmanager
def execution_deadline(seconds: float | None, interruptible: Callable[[FrameType], bool]) -> Iterator[None]:
    """Raise `ExecutionTimeout` in the running code once `seconds` have passed in the block.

    Args:
        seconds: the deadline; None or 0 for none.
        interruptible: whether the frame the timer fired in may raise.
    """
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    pending, _ = signal.getitimer(signal.ITIMER_REAL)  # someone else's alarm (a test timeout, say)
    if pending and pending <= seconds:
        yield  # it comes first anyway
        return

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if frame is not None and interruptible(frame):
            signal.setitimer(signal.ITIMER_REAL, _AGAIN)
            raise ExecutionTimeout(f"module execution ran for more than {seconds:g} s (an endless loop?)")
        signal.setitimer(signal.ITIMER_REAL, _RETRY)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if pending:  # put the other alarm back, as if ours had never been there
            signal.setitimer(signal.ITIMER_REAL, max(pending - (time.monotonic() - started), 0.001))
