"""A throwaway project on disk with the reload engine tracking it."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hotbed.reload import hmr
from hotbed.reload.engine import Engine
from hotbed.reload.types import Change, ChangeEvent, ReloadResult


@dataclass
class Project:
    root: Path
    engine: Engine

    def write(self, rel: str, source: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
        return path

    def path(self, rel: str) -> str:
        return str(self.root / rel)

    def load(self, name: str) -> ModuleType:
        """Import a project module the way an app's entry point would (an external import)."""
        import importlib

        return importlib.import_module(name)

    def change(self, rel: str, source: str | None = None, event: ChangeEvent = "change") -> ReloadResult:
        if source is not None:
            self.write(rel, source)
        return hmr.reload([Change(self.path(rel), event)])

    def delete(self, rel: str) -> ReloadResult:
        (self.root / rel).unlink()
        return hmr.reload([Change(self.path(rel), "unlink")])

    def rel(self, paths: tuple[str, ...] | list[str]) -> list[str]:
        return [str(Path(p).relative_to(self.root)) for p in paths]


def _purge(root: Path) -> None:
    prefix = str(root)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(prefix):
            del sys.modules[name]


MakeProject = Callable[..., Project]


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeProject]:
    """Write a project's files, then start the engine on it (keyword arguments go to `hmr.init`)."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delenv("HOT", raising=False)

    def make(files: dict[str, str] | None = None, **init: Any) -> Project:
        for rel, source in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source).lstrip("\n"))
        engine = hmr.init(root, **init)
        assert engine is not None
        return Project(root, engine)

    yield make
    hmr.shutdown()
    _purge(root)


@pytest.fixture
def project(make_project: MakeProject) -> Project:
    return make_project()
