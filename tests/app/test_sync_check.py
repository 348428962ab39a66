"""`hotbed sync --check` writes nothing and fails while generated files or the database are behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hotbed.app import database
from hotbed.app.entity import parse_entity
from hotbed.app.new_project import create_project
from hotbed.app.schema import apply_additive, plan_schema
from hotbed.app.sync_check import check_sync
from hotbed.config import load_config
from tests.app._databases import DATABASES, connected, edit_entity, fixture_schema, load_entities, prop
from tests.app.test_project import isolated_imports

__all__ = ["isolated_imports"]


@pytest.mark.usefixtures("isolated_imports")
def test_check_lists_what_is_behind_with_the_sql(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    assert create_project(root).ok
    config = load_config(root)
    entity_path = root / "src/application/note/note.entity.json"
    (problem,) = check_sync(config).problems
    assert "does not exist yet" in problem

    engine = database.connect(config)
    try:
        apply_additive(engine, [parse_entity(entity_path, entity_path.read_bytes())])
        assert check_sync(config).ok

        types = root / "src/application/note/note_types.py"
        types.write_text(types.read_text() + "# edited\n")
        document = json.loads(entity_path.read_text())
        document["props"].append({"name": "color", "type": "string", "length": 20, "nullable": True})
        entity_path.write_text(json.dumps(document))
        before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}

        problems = check_sync(config).problems

        assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # nothing written
        assert "out of date: src/application/note/note_types.py" in problems
        assert "out of date: web/src/services/note.types.ts" in problems
        (added,) = [p for p in problems if p.startswith("database:")]
        assert "would apply: ALTER TABLE notes ADD COLUMN color VARCHAR(20)" in added
    finally:
        database.dispose()

    result = subprocess.run(
        [sys.executable, "-m", "hotbed", "sync", "--check", "--project", str(root)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and "behind" in result.stdout


@pytest.mark.parametrize("kind", DATABASES)
def test_a_changed_db_default_is_withheld_with_the_sql(kind: str, tmp_path: Path) -> None:
    with connected(kind, tmp_path) as engine:
        entities = fixture_schema(engine, tmp_path)
        assert not plan_schema(engine, entities).withheld  # the defaults as created compare equal
        edit_entity(tmp_path, "User", lambda doc: prop(doc, "role").update(dbDefault="admin"))
        (change,) = plan_schema(engine, load_entities(tmp_path)).withheld
    assert change.kind == "default_changed" and change.column == "role"
    assert "the entity now says 'admin'" in change.message
    if kind == "postgresql":
        assert "ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin'" in change.message
    else:
        assert "SQLite cannot alter a column in place; to apply it by hand, rebuild the table" in change.message
