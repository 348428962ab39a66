"""Finding the entity files of a project: a walk of the folders the entity glob can match."""

from __future__ import annotations

import os
from pathlib import Path

from hotbed.config import STATE_DIR, ProjectConfig
from hotbed.reload.globs import GlobSet

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
            if globs.matches(rel):
                found[rel] = Path(path)
    return dict(sorted(found.items()))
