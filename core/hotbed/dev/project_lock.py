"""One dev server per project: an advisory lock on `.hotbed/dev.lock`.

Two dev servers on one project would sync, generate and migrate the same files and
database at once. The lock is `fcntl.flock` on an open file, which the kernel drops when
the process that holds it exits however it exits, so a crash never leaves a stale lock
behind. The file holds the owner's pid and URL, for the message a second server prints.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from hotbed.config import STATE_DIR
from hotbed.exceptions import ConfigError

__all__ = ["LOCK_FILE", "ProjectLock"]

LOCK_FILE = "dev.lock"


class ProjectLock:
    """Hold the project's dev-server lock from `acquire` until `release` (or the process ends)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.path = Path(root) / STATE_DIR / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock; raises ConfigError naming the running server when another holds it."""
        self.path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 4096, 0).decode("utf-8", "replace").split()
            os.close(fd)
            pid, url = [*owner, "?", "?"][:2]
            raise ConfigError(
                f"another hotbed dev is already running for this project (pid {pid}, {url}); stop it first"
            ) from None
        self._fd = fd
        self.describe("starting")

    def describe(self, url: str) -> None:
        """Record who holds the lock, for the next server that tries to take it."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()} {url}\n".encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor drops the flock
            self._fd = None
