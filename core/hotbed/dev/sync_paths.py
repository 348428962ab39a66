"""Which paths a control client may name in `sync`: regular files inside the project.

The control channel's peer is the same user, but an editor plugin or a script can still
name anything; the dev server must neither read files outside the project (a symlink
resolved first) nor block on a FIFO, nor hash a device or a huge file. Everything is
decided from `stat`, before a byte is read.
"""

from __future__ import annotations

import os
import stat

from hotbed.reload.types import Change

__all__ = ["MAX_SYNC_BYTES", "refusal"]

MAX_SYNC_BYTES = 8 * 1024 * 1024  # a larger "source" is not one, and is not read whole


def refusal(root: str, change: Change) -> str | None:
    """Why `change` may not be synced, or None when it may."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(change.path)
    if os.path.commonpath([real_root, real]) != real_root:
        return f"outside the project root {real_root}" + (f" (it resolves to {real})" if real != change.path else "")
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return None  # a deletion: nothing to read
    except OSError as exc:
        return f"cannot stat it: {exc.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_size > MAX_SYNC_BYTES:
        return f"larger than {MAX_SYNC_BYTES // (1024 * 1024)} MB ({info.st_size} bytes)"
    return None
