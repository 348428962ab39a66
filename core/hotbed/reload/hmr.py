"""The public face of the reload engine.

    from hotbed.reload import hmr
    hmr.init("/path/to/project")            # before importing the app
    import app.main
    result = hmr.reload([Change("/path/to/project/app/models.py")])

With `HOT=no` in the environment, `init` installs nothing and every other call is inert.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hotbed.reload import engine as _engine
from hotbed.reload.engine import DEFAULT_BOUNDARIES, DEFAULT_RESTART, Engine
from hotbed.reload.types import Change, ChangeEvent, ReloadResult

__all__ = [
    "dump",
    "enabled",
    "hot_disabled",
    "init",
    "invalidate_file",
    "on_new_read",
    "read_files",
    "reload",
    "shutdown",
    "starting_up",
]

logger = logging.getLogger("hotbed.reload.hmr")


def hot_disabled() -> bool:
    """True when the environment turns HMR off (`HOT=no`, `0`, `false` or `off`)."""
    return os.environ.get("HOT", "").strip().lower() in {"no", "0", "false", "off"}


def _timeout_from_env() -> float:
    raw = os.environ.get("HOTBED_EXECUTION_TIMEOUT", "").strip()
    try:
        return float(raw) if raw else _engine.EXECUTION_TIMEOUT
    except ValueError:
        default = _engine.EXECUTION_TIMEOUT
        logger.warning("HOTBED_EXECUTION_TIMEOUT=%r is not a number of seconds; using %g", raw, default)
        return _engine.EXECUTION_TIMEOUT


def init(
    root_directory: str | os.PathLike[str],
    boundaries: Sequence[str] | None = None,
    restart: Sequence[str] | None = None,
    execution_timeout: float | None = None,
) -> Engine | None:
    """Install import tracking for the project at `root_directory`.

    Args:
        root_directory: the project root; only modules under it become graph nodes.
        boundaries: globs (relative to the root) of modules that may be hot-reloaded;
            default every `.py` file of the project.
        restart: globs of files whose change needs a restart; default `.env`,
            `pyproject.toml`, `hotbed.toml`.
        execution_timeout: seconds a reload may spend executing modules; past it (an
            endless loop at import) the reload rolls back. Default `HOTBED_EXECUTION_TIMEOUT`
            from the environment, else 30; 0 for no limit.

    Returns:
        The engine, or None when `HOT=no`. A second call returns the running engine.
    """
    if hot_disabled():
        return None
    running = _engine.current()
    if running is not None:
        if str(running.root) != os.path.realpath(root_directory):
            logger.warning("hotbed is already tracking %s; ignoring init(%s)", running.root, root_directory)
        return running
    engine = Engine(
        root_directory,
        DEFAULT_BOUNDARIES if boundaries is None else boundaries,
        DEFAULT_RESTART if restart is None else restart,
    )
    engine.execution_timeout = (execution_timeout if execution_timeout is not None else _timeout_from_env()) or None
    engine.start()
    return engine


def enabled() -> bool:
    return _engine.current() is not None


def shutdown() -> None:
    """Remove the import hooks and forget the graph (modules stay imported)."""
    running = _engine.current()
    if running is not None:
        running.stop()


def invalidate_file(path: str | os.PathLike[str], event: ChangeEvent = "change") -> list[str]:
    """Absolute paths that a change to `path` re-executes, the changed file first.

    Raises:
        RestartRequired: the change cannot be hot-applied; `.reasons` says why and names
            the file responsible.
    """
    running = _engine.current()
    return [] if running is None else running.invalidate_file(os.fspath(path), event)


def reload(changes: Iterable[Change | str]) -> ReloadResult:
    """Apply a batch of file changes as one transaction and report what happened."""
    running = _engine.current()
    batch = [c if isinstance(c, Change) else Change(os.path.abspath(c)) for c in changes]
    return ReloadResult() if running is None else running.reload(batch)


def read_files() -> tuple[str, ...]:
    """The data files (not modules) the project's code has read: a watcher must watch them too."""
    running = _engine.current()
    return () if running is None else running.reads.paths()


def on_new_read(callback: Callable[[], None] | None) -> None:
    """Have `callback()` called when the project reads a file it had not read before (from the
    thread that read it, so it should only hand over), to watch it at once; None stops it."""
    running = _engine.current()
    if running is not None:
        running.reads.on_new = callback


def starting_up() -> contextlib.AbstractContextManager[None]:
    """Bracket the app's startup (the lifespan): a later change to what ran or was read then
    restarts the worker instead of patching or re-executing (see `Engine.starting_up`)."""
    running = _engine.current()
    return contextlib.nullcontext() if running is None else running.starting_up()


def dump() -> list[dict[str, Any]]:
    """One dict per module node: path, node_path, boundary, reloadable, version, dependencies, dependents."""
    running = _engine.current()
    return [] if running is None else running.dump()
