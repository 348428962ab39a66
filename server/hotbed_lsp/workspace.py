"""The project the language server serves: its root, and which files matter to hotbed.

The same settings the dev server uses: an entity project (a `hotbed.toml` or
`[tool.hotbed]`, and entity files) has its configured boundaries, entity glob and source
root; a plain `hotbed dev module:app` project has the boundaries and restart globs its
settings give, if any, else the engine's defaults (every module a boundary, imported
from the project folder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hotbed.config import STATE_DIR, load_config
from hotbed.dev.control_server import CONTROL_SOCKET
from hotbed.exceptions import ConfigError
from hotbed.reload.engine import DEFAULT_BOUNDARIES, DEFAULT_RESTART
from hotbed.reload.globs import GlobSet

__all__ = ["ProjectLayout", "find_project_root", "project_root_of"]

_EXCLUDED_DIRS = frozenset({".venv", "venv", "site-packages", "dist-packages", "node_modules", ".hotbed", ".git"})


def _has_settings(folder: Path) -> bool:
    if (folder / "hotbed.toml").is_file():
        return True
    try:
        return "[tool.hotbed]" in (folder / "pyproject.toml").read_text(errors="replace")
    except OSError:
        return False


def project_root_of(start: str | os.PathLike[str]) -> Path | None:
    """The project a file or folder belongs to, walking up from it: the nearest folder a dev server
    serves (its `.hotbed/control.sock`), else the nearest with hotbed settings or the `.hotbed/`
    folder a dev server made, else None.

    `examples/hello/main.py`, while `hotbed dev hello/main.py` runs in `examples/`, belongs to
    `examples/`; a file of `examples/a`, whose dev server has stopped, still belongs to `examples/a`.
    """
    path = Path(start).resolve()
    chain = [path, *path.parents] if path.is_dir() else list(path.parents)
    for candidate in chain:
        if (candidate / STATE_DIR / CONTROL_SOCKET).exists():
            return candidate
    return next((c for c in chain if _has_settings(c) or (c / STATE_DIR).is_dir()), None)


def find_project_root(start: str | os.PathLike[str]) -> Path:
    """The project a folder belongs to (`project_root_of`), else the folder itself."""
    return project_root_of(start) or Path(start).resolve()


@dataclass(frozen=True)
class ProjectLayout:
    root: Path
    boundaries: GlobSet
    restart: GlobSet
    entities: GlobSet
    import_roots: tuple[Path, ...]

    @classmethod
    def load(cls, root: str | os.PathLike[str]) -> ProjectLayout:
        folder = Path(root).resolve()
        try:
            config = load_config(folder)
        except ConfigError:
            config = None
        if config is None or config.config_file is None:
            return cls(
                folder, GlobSet(DEFAULT_BOUNDARIES), GlobSet(DEFAULT_RESTART), GlobSet(["**/*.entity.json"]), (folder,)
            )
        if not any(folder.glob(config.entities)):
            # Settings but no entity: served as `hotbed dev module:app`, whose default boundaries differ.
            boundaries = config.boundaries if "boundaries" in config.explicit else DEFAULT_BOUNDARIES
            return cls(folder, GlobSet(boundaries), GlobSet(config.restart), GlobSet([config.entities]), (folder,))
        source = config.source_path.resolve()
        return cls(
            folder,
            GlobSet(config.boundaries),
            GlobSet(config.restart),
            GlobSet([config.entities]),
            (source, folder) if source != folder else (folder,),
        )

    def relative(self, path: str) -> str | None:
        """`path` relative to the root (posix), or None when hotbed does not look there."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.root)
        except ValueError:
            return None
        if _EXCLUDED_DIRS.intersection(rel.parts[:-1]):
            return None
        return rel.as_posix()

    def is_module(self, path: str) -> bool:
        return path.endswith(".py") and self.relative(path) is not None

    def is_entity(self, path: str) -> bool:
        rel = self.relative(path)
        return rel is not None and path.endswith(".entity.json") and self.entities.matches(rel)

    def syncs(self, path: str) -> bool:
        """A save of `path` matters to the dev server: a module, an entity or a restart file of the project."""
        rel = self.relative(path)
        return rel is not None and (path.endswith((".py", ".entity.json")) or self.restart.matches(rel))
