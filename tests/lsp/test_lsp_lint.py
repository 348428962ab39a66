"""Linting with no dev server running: entity errors at their JSON position, boundary imports on open."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotbed.app.entity import parse_entity
from hotbed.exceptions import EntityError
from hotbed.reload.globs import GlobSet
from hotbed_lsp.entity_lint import entity_files, lint_entities
from tests.lsp.conftest import Editor

ENTITY = """{
  "id": "Note",
  "table": "notes",
  "props": [
    { "name": "id", "type": "integer" },
    { "name": "body", "type": "strng" }
  ]
}
"""


async def test_entity_error_at_its_json_position(tmp_path: Path, start_editor: Callable[[Path], Any]) -> None:
    root = tmp_path / "p"
    entity = root / "src" / "note" / "note.entity.json"
    entity.parent.mkdir(parents=True)
    entity.write_text(ENTITY)
    (root / "hotbed.toml").write_text('source-root = "src"\n')
    try:
        parse_entity(entity, entity.read_bytes())
    except EntityError as exc:
        expected = exc.diagnostics[0]
    editor: Editor = await start_editor(root)
    await editor.status(lambda s: s.state == "disconnected", "disconnected")
    editor.open(entity)
    found = await editor.diagnostics_until(entity, bool, "an entity error")
    assert [d.code for d in found] == ["entity-error"]
    assert found[0].range.start.line == expected.line - 1 == 5  # the line of "strng"
    assert found[0].range.start.character == expected.column - 1
    assert "strng" in found[0].message or "type" in found[0].message
    fixed = json.loads(ENTITY)
    fixed["props"][1]["type"] = "string"
    editor.save(entity, json.dumps(fixed, indent=2))
    await editor.diagnostics_until(entity, lambda d: not d, "the fix to clear it")


async def test_boundary_import_on_open(tmp_path: Path, start_editor: Callable[[Path], Any]) -> None:
    root = tmp_path / "p"
    (root / "app").mkdir(parents=True)
    (root / "hotbed.toml").write_text('source-root = "."\nboundaries = ["app/**/*.py"]\n')
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text("X = 1\n")
    loader = root / "loader.py"
    loader.write_text(
        "import os\n\nfrom app.models import X\n\n\ndef later() -> int:\n    from app import models\n\n"
        "    return models.X\n"
    )
    editor: Editor = await start_editor(root)
    editor.open(loader)
    found = await editor.diagnostics_until(loader, bool, "a boundary-import diagnostic")
    assert [(d.code, d.range.start.line, d.range.start.character) for d in found] == [("boundary-import", 2, 0)]
    assert found[0].range.end.character == len("from app.models import X")
    assert "app/models.py" in found[0].message
    # A boundary itself may import boundaries.
    editor.open(root / "app" / "models.py")
    assert editor.diagnostics(root / "app" / "models.py") == []


def test_a_broken_entity_is_reported_once_in_its_own_file(tmp_path: Path) -> None:
    """A typo in user.entity.json is not also a "missing entity" in every file that relates to User."""
    fixtures = Path(__file__).parents[1] / "app" / "entity_fixtures" / "src"
    shutil.copytree(fixtures, tmp_path / "src")
    user = tmp_path / "src" / "application" / "user" / "user.entity.json"
    user.write_text(user.read_text().replace('"type": "string"', '"type": "strng"', 1))
    files = entity_files(tmp_path, GlobSet(["src/**/*.entity.json"]))
    problems = lint_entities(files, Path.read_bytes)
    broken = {path: found for path, found in problems.items() if found}
    assert list(broken) == [str(user)], broken
    assert len(broken[str(user)]) == 1
    user.write_text(user.read_text().replace('"strng"', '"string"'))
    post = tmp_path / "src" / "application" / "post" / "post.entity.json"
    post.write_text(post.read_text().replace('"with": "User"', '"with": "Usr"'))
    problems = lint_entities(files, Path.read_bytes)
    assert [path for path, found in problems.items() if found] == [str(post)], "cross-file checks run once all parse"
