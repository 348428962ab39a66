"""The `entity-error` lint: every entity file of the project checked as the syncer would, without a dev server.

One file's problems can come from another (a relation to an entity that does not exist,
a duplicate id), so the whole set is checked each time and every entity file's
diagnostics are replaced. Open buffers are checked as typed, the rest from disk.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hotbed.app.entity import Entity, EntityDiagnostic, check_project, parse_entity
from hotbed.exceptions import EntityError
from hotbed.reload.globs import GlobSet
from hotbed_lsp.diagnostics import Located

__all__ = ["ENTITY_SUFFIX", "entity_files", "lint_entities"]

ENTITY_SUFFIX = ".entity.json"
_SKIP_DIRS = frozenset({".venv", "venv", "node_modules", ".hotbed", ".git", "__pycache__", "site-packages"})


def entity_files(root: Path, pattern: GlobSet) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            if name.endswith(ENTITY_SUFFIX):
                path = Path(folder, name)
                if pattern.matches(path.relative_to(root).as_posix()):
                    found.append(path)
    return sorted(found)


def lint_entities(paths: list[Path], read: Callable[[Path], bytes]) -> dict[str, list[Located]]:
    """Problems per absolute path (every path is a key, problem-free ones map to [])."""
    problems: dict[str, list[EntityDiagnostic]] = {str(path): [] for path in paths}
    parsed: list[Entity] = []
    for path in paths:
        try:
            parsed.append(parse_entity(path, read(path)))
        except EntityError as exc:
            problems[str(path)].extend(exc.diagnostics)
        except OSError as exc:
            problems[str(path)].append(EntityDiagnostic(str(path), 1, 1, f"cannot read it: {exc}"))
    if not any(problems.values()):
        # Across files only once each file parses: a broken file would otherwise show up again as
        # a "missing entity" in every file that refers to it. The cause is reported once, where it is.
        for problem in check_project(parsed):
            problems.setdefault(problem.path, []).append(problem)
    return {path: [Located(path, d.line, d.column, d.message) for d in found] for path, found in problems.items()}
