"""Atomic file writes: a reader (or the import system) sees the old bytes or the new, never half.

The temp file lives in the destination folder so `os.replace` is a rename on one file
system. Its name starts with `.` and ends with `TEMP_SUFFIX`, so watchers can skip it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "is_temp_file", "write_atomic", "write_new"]

TEMP_SUFFIX = ".hotbed-tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once: os.umask can only be read by setting it, which is not thread-safe later on.
_FILE_MODE = 0o666 & ~_umask()


def is_temp_file(path: str | os.PathLike[str]) -> bool:
    """True for the temp files `write_atomic` creates (feed them to no one)."""
    name = os.path.basename(os.fspath(path))
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def _write_temp(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, _FILE_MODE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace `path` with `data` in one step, creating parent folders as needed."""
    target = Path(path)
    temp = _write_temp(target, data)
    try:
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_new(path: str | os.PathLike[str], data: bytes) -> bool:
    """Create `path` with `data` only if it does not exist; False when it already did.

    `os.link` refuses to overwrite, so a file created meanwhile (by a person) survives.
    """
    target = Path(path)
    if target.exists():
        return False
    temp = _write_temp(target, data)
    try:
        os.link(temp, target)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return True
