"""The filesystem fallback change source: watchfiles on the project, tuned for latency.

watchfiles groups the events of one save (editors write, rename, chmod) and of a burst
of saves into one set; `step` is how long it waits for the next event, so it is kept
short. Each path is then checked against the SHA-1 of the content last seen, so a save
that changes nothing (a touch, a formatter that was already happy) is not a change.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import stat
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from pathlib import Path

from watchfiles import Change as FsChange
from watchfiles import DefaultFilter, awatch

from hotbed.dev.sync_paths import MAX_SYNC_BYTES
from hotbed.reload.globs import GlobSet
from hotbed.reload.types import Change, ChangeEvent

__all__ = ["DEBOUNCE_MS", "STEP_MS", "Checksums", "SourceFilter", "watch_changes"]

logger = logging.getLogger("hotbed.dev.watcher")

STEP_MS = 5  # wait this long for one more event of the same save
DEBOUNCE_MS = 300  # and never hold a burst longer than this

_IGNORED_DIRS = (*DefaultFilter.ignore_dirs, ".hotbed", "venv", "site-packages", "dist-packages", "build", "dist")


class SourceFilter(DefaultFilter):
    """Python sources and restart-glob files under `root`, outside tool and virtualenv folders."""

    def __init__(
        self, root: str | os.PathLike[str], restart: GlobSet, extra: Callable[[], Collection[str]] = tuple
    ) -> None:
        super().__init__(ignore_dirs=_IGNORED_DIRS)
        self._prefix = str(Path(root).resolve()) + os.sep
        self._restart = restart
        self._extra = extra  # data files the app read (a config, a template): changes to them count

    def __call__(self, change: FsChange, path: str) -> bool:
        return self.wanted(path) and super().__call__(change, path)

    def wanted(self, path: str) -> bool:
        if path.endswith((".py", ".entity.json")):  # modules, and the entities code is generated from
            return True
        if path in self._extra():
            return True
        return path.startswith(self._prefix) and self._restart.matches(Path(path[len(self._prefix) :]).as_posix())


def _digest(path: str) -> bytes | None:
    """The content's SHA-1, or None when there is no regular file of at most `MAX_SYNC_BYTES` there.

    Opened without blocking and judged by `fstat` before a byte is read: a `.py` that is a
    FIFO would block the supervisor's event loop, one linked to `/dev/zero` grow it without end.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as exc:
        logger.debug("cannot read %s: %s", path, exc)
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SYNC_BYTES:
            logger.debug("not reading %s: not a regular file of at most %d bytes", path, MAX_SYNC_BYTES)
            return None
        try:
            return hashlib.sha1(f.read(MAX_SYNC_BYTES + 1), usedforsecurity=False).digest()
        except OSError as exc:
            logger.debug("cannot read %s: %s", path, exc)
            return None


class Checksums:
    """The content last seen for each watched file; turns raw events into real changes."""

    def __init__(self) -> None:
        self._seen: dict[str, bytes] = {}
        self._gone: set[str] = set()  # deletions already reported

    def seed(self, paths: Iterable[str]) -> None:
        for path in paths:
            digest = _digest(path)
            if digest is not None:
                self._seen[path] = digest

    def __len__(self) -> int:
        return len(self._seen)

    def update(self, path: str, raw: set[FsChange]) -> Change | None:
        """The change to report for `path` after events `raw`, or None when its content is as before."""
        digest = _digest(path)
        known = self._seen.get(path)
        if digest is None:
            if path in self._gone or (known is None and FsChange.deleted not in raw):
                return None  # reported already, or created and removed within one burst
            self._seen.pop(path, None)
            self._gone.add(path)
            return Change(path, "unlink")
        self._gone.discard(path)
        if digest == known:
            return None
        self._seen[path] = digest
        event: ChangeEvent = "add" if known is None and FsChange.added in raw else "change"
        return Change(path, event)

    def note(self, change: Change) -> None:
        """Take in a change that reached the dev server another way (from the editor), so the
        watcher's own event for the same save is not a second change."""
        self.update(change.path, _RAW[change.event])


_RAW: dict[ChangeEvent, set[FsChange]] = {
    "add": {FsChange.added},
    "change": {FsChange.modified},
    "unlink": {FsChange.deleted},
}


def _walk(root: str, source_filter: SourceFilter) -> Iterable[str]:
    ignored = set(source_filter.ignore_dirs)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in ignored]
        for name in files:
            path = os.path.join(folder, name)
            if source_filter.wanted(path):
                yield path


async def watch_changes(
    root: str | os.PathLike[str],
    restart: GlobSet,
    stop_event: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    checksums: Checksums | None = None,
    extra: Callable[[], Collection[str]] = tuple,
    step: int = STEP_MS,
    debounce: int = DEBOUNCE_MS,
) -> AsyncIterator[list[Change]]:
    """Yield one list of real changes per burst of saves under `root`, until `stop_event` is set.

    Args:
        root: the project folder, watched recursively.
        restart: restart globs; those files are watched although they are not modules.
        stop_event: set it to end the iteration.
        ready: set once the watch is in place (no event after that is missed).
        checksums: the content last seen per file, shared with whoever else feeds the
            dev server changes (see `Checksums.note`); a new one by default.
        extra: the other files to watch, asked at each event (the data files the app read).
        step: milliseconds to wait for another event before yielding a burst.
        debounce: the longest a burst is held, in milliseconds.

    Yields:
        Lists of `Change`, absolute paths, each path once, content-identical saves dropped.
    """
    root = str(Path(root).resolve())
    source_filter = SourceFilter(root, restart, extra)
    checksums = Checksums() if checksums is None else checksums
    checksums.seed(await asyncio.to_thread(lambda: list(_walk(root, source_filter))))
    # A `.env` beside the project (a template's, one folder above the backend) is watched as a
    # file; it counts once the app has read it (`extra`), like any other data file.
    beside = [str(p) for p in Path(root).parent.glob(".env*") if p.is_file()]
    checksums.seed(beside)
    logger.debug("watching %s (%d files)", root, len(checksums))
    if ready is not None:
        # No await between here and awatch creating its notifier: a task woken by `ready`
        # cannot run before the watch exists.
        ready.set()
    async for raw in awatch(
        root, *beside, watch_filter=source_filter, step=step, debounce=debounce, stop_event=stop_event, recursive=True
    ):
        by_path: dict[str, set[FsChange]] = {}
        for kind, path in raw:
            by_path.setdefault(path, set()).add(kind)
        changes = [c for path, kinds in sorted(by_path.items()) if (c := checksums.update(path, kinds)) is not None]
        if changes:
            yield changes
