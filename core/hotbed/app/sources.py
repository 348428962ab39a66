"""Finding the entity files of a project: a walk of the folders the entity glob can match.

Only regular files inside the project, of at most `MAX_SYNC_BYTES`, are entity files: every
batch reads them all, and a FIFO would block the worker, a link to `/dev/zero` grow it,
a link out of the project feed it a file the project does not hold. Each is judged by
`stat` before a byte is read, and named in a warning once.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from hotbed.config import STATE_DIR, ProjectConfig
from hotbed.dev.sync_paths import MAX_SYNC_BYTES
from hotbed.reload.globs import GlobSet

logger = logging.getLogger("hotbed.app.sources")
_warned: set[str] = set()

__all__ = ["find_entity_files"]

_SKIP = frozenset({".git", STATE_DIR, ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"})


def _literal_prefix(pattern: str) -> str:
    """The folders at the start of `pattern` that hold no wildcard: the walk starts there."""
    parts = pattern.removeprefix("./").split("/")
    if len(parts) == 1:
        return ""
    literal = []
    for part in parts[:-1]:
        if any(c in part for c in "*?["):
            break
        literal.append(part)
    return "/".join(literal)


def find_entity_files(config: ProjectConfig) -> dict[str, Path]:
    """Root-relative path (with `/`) -> absolute path of every entity file, sorted."""
    globs = GlobSet([config.entities])
    start = config.root / _literal_prefix(config.entities)
    frontend = os.path.normpath(config.frontend_path)
    found: dict[str, Path] = {}
    root = str(config.root)
    for folder, dirs, files in os.walk(start):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and os.path.join(folder, d) != frontend)
        for name in files:
            if not name.endswith(".json"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if globs.matches(rel) and _readable(path, root):
                found[rel] = Path(path)
    return dict(sorted(found.items()))


def _readable(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    why = None
    if os.path.commonpath([os.path.realpath(root), real]) != os.path.realpath(root):
        why = f"a symlink to {real}, outside the project"
    else:
        try:
            info = os.stat(real)
        except OSError:
            return False  # gone since the walk listed it
        if not stat.S_ISREG(info.st_mode):
            why = "not a regular file"
        elif info.st_size > MAX_SYNC_BYTES:
            why = f"larger than {MAX_SYNC_BYTES // (1024 * 1024)} MB"
    if why is None:
        return True
    if path not in _warned:
        _warned.add(path)
        logger.warning("not reading the entity file %s: %s", path, why)
    return False
