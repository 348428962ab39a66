"""Timestamps of a save on its way through the processes, to see where the editor path's time goes.

With `HOTBED_TRACE` naming a file, the language server, the supervisor and the worker each
append a line there as a save passes them: `<seconds> <pid> <hop>`. The seconds are
`time.perf_counter()`, the system's monotonic clock, which every process reads alike, so
the lines of three processes order into one timeline (`bench/bench_editor_path.py` splits
a save into its hops this way). Unset, a hop costs one comparison.

    HOTBED_TRACE=/tmp/hops.log hotbed dev main:app
"""

from __future__ import annotations

import os
import time

__all__ = [
    "BATCH_APPLIED",
    "BATCH_READ",
    "BATCH_STARTED",
    "HOPS",
    "LSP_SAVE_READ",
    "LSP_STATUS_SENT",
    "STATUS_SENT",
    "SYNC_READ",
    "SYNC_SENT",
    "hop",
]

LSP_SAVE_READ = "lsp: didSave read"  # the editor's notification parsed by the language server
SYNC_SENT = "client: sync sent"  # the changes about to be written to the control socket (by the language server)
SYNC_READ = "supervisor: sync read"  # ... read and parsed by the dev server
BATCH_READ = "worker: batch read"  # the batch taken off the pipe by the worker
BATCH_STARTED = "worker: batch started"  # ... once the requests in flight are answered
BATCH_APPLIED = "worker: batch applied"  # the new code serves from here on
STATUS_SENT = "supervisor: status sent"  # the batch's status about to be broadcast on the control socket
LSP_STATUS_SENT = "lsp: status sent"  # ... about to be forwarded to the editor
# The hops of one save, in the order it passes them.
HOPS = (LSP_SAVE_READ, SYNC_SENT, SYNC_READ, BATCH_READ, BATCH_STARTED, BATCH_APPLIED, STATUS_SENT, LSP_STATUS_SENT)

_path = os.environ.get("HOTBED_TRACE") or None
_fd: int | None = None


def hop(name: str) -> None:
    """Note that a save passed `name` (one of `HOPS`), when tracing."""
    global _fd
    if _path is None:
        return
    if _fd is None:
        _fd = os.open(_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.write(_fd, f"{time.perf_counter():.6f} {os.getpid()} {name}\n".encode())  # one write: lines never interleave
