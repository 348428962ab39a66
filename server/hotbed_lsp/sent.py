"""What this editor already sent to the dev server, by content, so one save is applied once.

Editors report a save twice: `didSave`, then (VS Code's file watcher, ~300 ms later) a
`didChangeWatchedFiles` for the same write. Both would become a batch; the second would
re-report a broken save's error and flip the status back to syncing. A change whose bytes
on disk are the ones last sent for that path is therefore dropped; a deletion, or bytes
that differ, always go through.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from hotbed.dev.protocol import ChangeParams

__all__ = ["SentContent"]

# Larger files are hashed by their stat signature only: hashing them whole costs more than a resend.
_HASHED_BYTES = 8 * 1024 * 1024


def _signature(path: str) -> bytes | None:
    try:
        st = os.stat(path)
        if st.st_size > _HASHED_BYTES:
            return f"{st.st_size}:{st.st_mtime_ns}".encode()
        with open(path, "rb") as file:
            return hashlib.sha1(file.read()).digest()
    except OSError:
        return None


class SentContent:
    """Per path, the signature of the content the dev server last heard about from this editor."""

    def __init__(self) -> None:
        self._sent: dict[str, bytes] = {}

    def unsent(self, changes: Sequence[ChangeParams]) -> list[ChangeParams]:
        """The changes worth sending, recorded as sent; repeats of the last content are dropped."""
        fresh: list[ChangeParams] = []
        for change in changes:
            if change.event == "unlink":
                self._sent.pop(change.path, None)
                fresh.append(change)
                continue
            signature = _signature(change.path)
            if signature is not None and self._sent.get(change.path) == signature:
                continue
            if signature is not None:
                self._sent[change.path] = signature
            fresh.append(change)
        return fresh

    def drop(self, changes: Sequence[ChangeParams]) -> None:
        """These never arrived (no dev server, a failed request): the next save sends them again."""
        for change in changes:
            self._sent.pop(change.path, None)

    def forget(self) -> None:
        """A new dev server read every file itself: nothing it has is known any more."""
        self._sent.clear()
